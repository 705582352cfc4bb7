// Metrics compiled to one parameterised SQL statement that SQLite and PostgreSQL both run with
// the same meaning. Percentiles are exact nearest-rank: within each (bucket, group), the value at
// rank ceil(p/100 * n) of the n non-null latencies in ascending order, found with ROW_NUMBER and
// COUNT windows and integer arithmetic only (ceil(p*n/100) = (p*n + 99) / 100 in integers), so
// no engine's floating point or percentile function can make the two backends disagree.
import { USAGE_KINDS } from '../model/enums.js';
import { compileSpanFilter, compileTraceFilter, type Dialect } from './sql.js';
import type { MetricGroup, MetricsQuery, MetricsRow } from './metrics.js';

/** What metrics need from a dialect besides the filter helpers. */
export interface AnalyticsDialect extends Dialect {
  /** Start (µs) of the bucket holding µs time `col`, binding the interval (µs) twice as an integer. */
  timeBucket(col: string): string;
  /** A numeric expression as a double-precision float (for rates). */
  toDouble(expr: string): string;
  /** A text expression ordered by code point (SQLite's BINARY; PostgreSQL needs COLLATE "C"). */
  textOrder(expr: string): string;
}

export const PERCENTILES = [50, 95, 99] as const;

const USAGE_IN = `(${USAGE_KINDS.map((k) => `'${k}'`).join(', ')})`;

function traceGroup(g: MetricGroup | undefined): { expr: string; join?: string } {
  switch (g) {
    case undefined: return { expr: 'NULL' };
    case 'name': return { expr: 't.name' };
    case 'environment': return { expr: 't.environment' };
    case 'userId': return { expr: 't.user_id' };
    // A trace belongs to one group per distinct model (or kind) among its spans; traces with none form the null group.
    case 'model': return { expr: 'g.model', join: 'LEFT JOIN spans g ON g.trace_num = t.num AND g.model IS NOT NULL' };
    case 'kind': return { expr: "CASE WHEN g.trace_num IS NULL THEN NULL ELSE COALESCE(g.kind, 'span') END", join: 'LEFT JOIN spans g ON g.trace_num = t.num' };
  }
}

function spanGroup(g: MetricGroup | undefined): string {
  switch (g) {
    case undefined: return 'NULL';
    case 'name': return 's.name';
    case 'environment': return 't.environment';
    case 'userId': return 't.user_id';
    case 'model': return 's.model';
    case 'kind': return "COALESCE(s.kind, 'span')";
  }
}

export function compileMetrics(d: AnalyticsDialect, projectId: number, q: MetricsQuery): { sql: string; params: unknown[] } {
  let base: string;
  let params: unknown[];
  if (q.level === 'trace') {
    const { where, params: p } = compileTraceFilter(d, projectId, q.filter);
    const g = traceGroup(q.groupBy);
    // With a join a trace may meet several spans of one model: DISTINCT on its num keeps it once per group.
    base = `SELECT ${g.join ? 'DISTINCT t.num AS k, ' : ''}${d.timeBucket('t.start_time')} AS bucket, ${g.expr} AS grp,
      CASE WHEN t.status = 'error' THEN 1 ELSE 0 END AS err, t.duration_ms AS dur,
      t.input_tokens AS itok, t.output_tokens AS otok, CAST(NULL AS INTEGER) AS crtok, CAST(NULL AS INTEGER) AS cwtok, t.cost_usd AS cost
      FROM traces t ${g.join ?? ''} WHERE ${where.join(' AND ')}`;
    params = [q.intervalMicros, q.intervalMicros, ...p];
  } else {
    const { where, params: p } = compileSpanFilter(d, projectId, q.filter);
    // Only llm and embedding spans carry tokens and cost, as in the trace rollups: agent and
    // chain spans that repeat their children's usage are not counted twice.
    base = `SELECT ${d.timeBucket('s.start_time')} AS bucket, ${spanGroup(q.groupBy)} AS grp,
      CASE WHEN s.status = 'error' THEN 1 ELSE 0 END AS err, s.duration_ms AS dur,
      CASE WHEN s.kind IN ${USAGE_IN} THEN s.input_tokens END AS itok,
      CASE WHEN s.kind IN ${USAGE_IN} THEN s.output_tokens END AS otok,
      CASE WHEN s.kind IN ${USAGE_IN} THEN COALESCE(s.cache_read_tokens, 0) ELSE 0 END AS crtok,
      CASE WHEN s.kind IN ${USAGE_IN} THEN COALESCE(s.cache_write_tokens, 0) ELSE 0 END AS cwtok,
      CASE WHEN s.kind IN ${USAGE_IN} THEN s.cost_usd END AS cost
      FROM spans s JOIN traces t ON t.num = s.trace_num WHERE ${where.join(' AND ')}`;
    params = [q.intervalMicros, q.intervalMicros, ...p];
  }
  const pct = PERCENTILES.map((p) => `MIN(CASE WHEN rn = (${p} * nd + 99) / 100 THEN dur END) AS p${p}`).join(',\n    ');
  const sql = `WITH base AS (${base}),
  ranked AS (
    SELECT bucket, grp, err, dur, itok, otok, crtok, cwtok, cost,
      ROW_NUMBER() OVER (PARTITION BY bucket, grp ORDER BY CASE WHEN dur IS NULL THEN 1 ELSE 0 END, dur) AS rn,
      COUNT(dur) OVER (PARTITION BY bucket, grp) AS nd
    FROM base)
  SELECT bucket, grp, COUNT(*) AS count, SUM(err) AS error_count,
    ${d.toDouble('SUM(err)')} / COUNT(*) AS error_rate,
    ${pct},
    COALESCE(SUM(itok), 0) AS input_tokens, COALESCE(SUM(otok), 0) AS output_tokens,
    SUM(crtok) AS cache_read_tokens, SUM(cwtok) AS cache_write_tokens, SUM(cost) AS cost_usd
  FROM ranked
  GROUP BY bucket, grp
  ORDER BY bucket, CASE WHEN grp IS NULL THEN 1 ELSE 0 END, ${d.textOrder('grp')}`;
  return { sql, params };
}

/** A row of the compiled metrics statement, as either engine returns it. */
export interface MetricsSqlRow {
  bucket: number;
  grp: string | null;
  count: number;
  error_count: number;
  error_rate: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number | null;
  cache_write_tokens: number | null;
  cost_usd: number | null;
}

export function metricsFromRows(rows: MetricsSqlRow[]): MetricsRow[] {
  return rows.map((r) => ({
    bucket: r.bucket,
    group: r.grp === null ? null : String(r.grp),
    count: r.count,
    errorCount: r.error_count,
    errorRate: r.error_rate,
    latencyP50Ms: r.p50,
    latencyP95Ms: r.p95,
    latencyP99Ms: r.p99,
    inputTokens: r.input_tokens,
    outputTokens: r.output_tokens,
    cacheReadTokens: r.cache_read_tokens === null ? null : Number(r.cache_read_tokens),
    cacheWriteTokens: r.cache_write_tokens === null ? null : Number(r.cache_write_tokens),
    costUsd: r.cost_usd,
  }));
}
