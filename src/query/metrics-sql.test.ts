// The metrics statement is one text for every engine: compiled with SQLite's dialect and with a
// PostgreSQL-style one, the two differ only where the dialect helpers put their snippets.
import { expect, test } from 'vitest';
import { compileMetrics, type AnalyticsDialect } from './metrics-sql.js';
import { parseMetricsQuery } from './metrics.js';
import { sqliteDialect } from '../store/sqlite/index.js';
import { sqliteAnalyticsDialect } from '../store/sqlite/analytics.js';

// Every SQL-text helper returns a marker, so what remains is the shared SQL (the two helpers that
// shape bound values, not text, are SQLite's so the parameters compare).
const marked: AnalyticsDialect = {
  contains: (c) => `<contains ${c}>`,
  jsonText: (c) => `<jsonText ${c}>`,
  jsonNumber: (c) => `<jsonNumber ${c}>`,
  numberParam: () => '?',
  spanJson: (c) => c,
  jsonKey: sqliteDialect.jsonKey,
  fullText: (n) => `<fullText ${n}>`,
  fullTextQuery: sqliteDialect.fullTextQuery,
  bytewise: (c) => `<bytewise ${c}>`,
  timeBucket: (c) => `<bucket ${c}>`,
  toDouble: (e) => `<double ${e}>`,
  textOrder: (e) => `<text ${e}>`,
};

const queries = [
  'level=trace&interval=1h&groupBy=model&environment=prod&status=error',
  'level=span&interval=5m&groupBy=kind&name=chat&metadata.customer=acme',
  'level=trace&interval=1d&q=refund',
];

test.each(queries)('%s: SQLite text = shared text + SQLite helpers', (qs) => {
  const q = parseMetricsQuery(Object.fromEntries(new URLSearchParams(qs)), 1_750_000_000_000_000);
  const shared = compileMetrics(marked, 7, q);
  const sqlite = compileMetrics(sqliteAnalyticsDialect(sqliteDialect), 7, q);
  expect(sqlite.params).toEqual(shared.params);
  // Substituting SQLite's snippets for the markers gives exactly SQLite's statement.
  const d = sqliteAnalyticsDialect(sqliteDialect);
  const rebuilt = shared.sql
    .replace(/<bucket ([\w.]+)>/g, (_, c: string) => d.timeBucket(c))
    .replace(/<double ([^>]+)>/g, (_, e: string) => d.toDouble(e))
    .replace(/<text ([\w.]+)>/g, (_, e: string) => d.textOrder(e))
    .replace(/<contains ([\w.]+)>/g, (_, c: string) => d.contains(c))
    .replace(/<jsonText ([\w.]+)>/g, (_, c: string) => d.jsonText(c))
    .replace(/<fullText ([\w.]+)>/g, (_, n: string) => d.fullText(n));
  expect(rebuilt).toBe(sqlite.sql);
  // The shared part uses only standard SQL both engines run alike: windows, CASE, integer division.
  expect(shared.sql).toMatch(/ROW_NUMBER\(\) OVER \(PARTITION BY bucket, grp ORDER BY/);
  expect(shared.sql).not.toMatch(/json_|ifnull|iif\(|percentile|\bIS NOT DISTINCT\b|strftime|julianday/i);
});
