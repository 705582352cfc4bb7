// PostgreSQL's part of the metrics: the dialect snippets that make the shared statement
// (query/metrics-sql.ts) mean on PostgreSQL exactly what it means on SQLite, and running it.
// Buckets: bigint division truncates as SQLite's integer division does; rates: float8 division;
// groups ordered by code point (COLLATE "C", SQLite's BINARY) whatever the database's collation.
import type pg from 'pg';
import type { MetricsQuery, MetricsRow } from '../../query/metrics.js';
import { compileMetrics, metricsFromRows, type AnalyticsDialect, type MetricsSqlRow } from '../../query/metrics-sql.js';
import { postgresDialect } from './dialect.js';
import { select } from './read.js';

export const postgresAnalyticsDialect: AnalyticsDialect = {
  ...postgresDialect,
  timeBucket: (col) => `((${col} / CAST(? AS bigint)) * CAST(? AS bigint))`,
  toDouble: (expr) => `CAST(${expr} AS double precision)`,
  textOrder: (expr) => `(${expr}) COLLATE "C"`,
};

export async function runMetrics(db: pg.Pool, projectId: number, q: MetricsQuery): Promise<MetricsRow[]> {
  const { sql, params } = compileMetrics(postgresAnalyticsDialect, projectId, q);
  // bigint and numeric columns (counts, sums, buckets) arrive as JS numbers (pgTypes).
  const rows = await select<MetricsSqlRow>(db, sql, params);
  return metricsFromRows(rows);
}
