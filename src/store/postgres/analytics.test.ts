// The metrics statement PostgreSQL runs is the shared text with only the dialect's snippets
// swapped in: compiled with SQLite's dialect and with PostgreSQL's, the two statements differ
// exactly where the helpers put their text, and bind the same parameters.
import { expect, test } from 'vitest';
import { compileMetrics } from '../../query/metrics-sql.js';
import { parseMetricsQuery } from '../../query/metrics.js';
import { sqliteDialect } from '../sqlite/index.js';
import { sqliteAnalyticsDialect } from '../sqlite/analytics.js';
import { postgresAnalyticsDialect } from './analytics.js';

const sqlite = sqliteAnalyticsDialect(sqliteDialect);
const pg = postgresAnalyticsDialect;

test.each([
  'level=trace&interval=1h&groupBy=model&environment=prod&status=error',
  'level=span&interval=7m&groupBy=kind&name=chat',
  'level=trace&interval=1d&groupBy=userId',
])('%s: PostgreSQL text = SQLite text with the dialect snippets swapped', (qs) => {
  const q = parseMetricsQuery(Object.fromEntries(new URLSearchParams(qs)), 1_750_000_000_000_000);
  const a = compileMetrics(sqlite, 7, q);
  const b = compileMetrics(pg, 7, q);
  expect(b.params).toEqual(a.params);
  const swap = (sql: string) => sql
    .replace(/\(([\w.]+) \/ CAST\(\? AS INTEGER\)\) \* CAST\(\? AS INTEGER\)/g, (_, c: string) => pg.timeBucket(c))
    .replace(/CAST\((.+?) AS REAL\)/g, (_, e: string) => pg.toDouble(e))
    .replace(/ILIKE|LIKE/g, 'ILIKE')
    .replace(/(ORDER BY bucket, CASE WHEN grp IS NULL THEN 1 ELSE 0 END, )grp$/, (_, head: string) => `${head}${pg.textOrder('grp')}`);
  expect(swap(a.sql)).toBe(b.sql);
  // Buckets by bigint division (truncating, as SQLite's integer division), groups by code point.
  expect(b.sql).toContain('((t.start_time / CAST(? AS bigint)) * CAST(? AS bigint))'.replace('t.', q.level === 'trace' ? 't.' : 's.'));
  expect(b.sql).toMatch(/\(grp\) COLLATE "C"$/);
});
