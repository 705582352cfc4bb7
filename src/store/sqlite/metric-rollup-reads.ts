// Metrics answered from the metrics rollups (span-metric-rollup.ts, trace-metric-rollup.ts)
// instead of a scan and sort of every item in the window: the whole days of [from, to) come
// from the rollup's day rows (when the interval is whole days), the other whole hours from its
// hour rows, the partial hours at either end from the spans or traces themselves, all folded
// into the same sums and histograms. Counts, tokens and cost are what the exact statement
// gives; percentiles are nearest rank over the merged histogram, within 1% (latency-histogram.ts).
//
// Only queries a rollup's key can answer qualify: spans filtered by from/to, kind, model and
// status, grouped by nothing, model or kind; traces filtered by from/to and status, not grouped;
// an interval of whole hours. And only when the window holds more than `threshold` items: below
// that the exact statement is cheap, and its percentiles are exact.
import type Database from 'better-sqlite3';
import { modelFamily } from '../../query/sql.js';
import type { SpanKind, SpanStatus, TraceStatus } from '../../model/enums.js';
import type { SpanFilter, TraceFilter } from '../../query/filter.js';
import type { MetricsQuery, MetricsRow } from '../../query/metrics.js';
import { PERCENTILES } from '../../query/metrics-sql.js';
import { compileSpanFilter, compileTraceFilter, type Dialect } from '../../query/sql.js';
import { DenseHistogram } from './latency-histogram.js';
import { DAY_MICROS, HOUR_MICROS, type Contribution } from './rollup-table.js';
import { SPAN_METRICS, spanContribution } from './span-metric-rollup.js';
import { TRACE_METRICS, traceContribution } from './trace-metric-rollup.js';
import { StatementCache } from './statement-cache.js';

/** Windows with at most this many items (by the rollup's count) run the exact statement. */
export const DEFAULT_ROLLUP_THRESHOLD = 20_000;

/** Rollup rows of one width whose start is in [from, to). */
export interface Segment {
  width: number;
  from: number;
  to: number;
}

/** A query a rollup can answer: its window split into whole days and hours and the partial hours around them. */
export interface RollupPlan {
  level: 'span' | 'trace';
  from: number;
  to: number;
  intervalMicros: number;
  groupBy: 'model' | 'kind' | undefined;
  kind?: SpanKind;
  model?: string;
  status?: Array<SpanStatus | TraceStatus>;
  /** [wholeFrom, wholeTo): the whole hours, non-empty; [from, wholeFrom) and [wholeTo, to) are read from the items. */
  wholeFrom: number;
  wholeTo: number;
  /** [wholeFrom, wholeTo) as rollup rows, in ascending time. */
  segments: Segment[];
}

const ceilTo = (us: number, width: number) => Math.ceil(us / width) * width;
const floorTo = (us: number, width: number) => Math.floor(us / width) * width;

/** [from, to) (whole hours) as hour rows, with the whole days inside it as day rows when the interval allows. */
function segments(from: number, to: number, intervalMicros: number): Segment[] {
  const dayFrom = ceilTo(from, DAY_MICROS);
  const dayTo = floorTo(to, DAY_MICROS);
  // a day row lies inside one bucket only when buckets are whole days
  if (intervalMicros % DAY_MICROS !== 0 || dayTo <= dayFrom) return [{ width: HOUR_MICROS, from, to }];
  const out: Segment[] = [];
  if (from < dayFrom) out.push({ width: HOUR_MICROS, from, to: dayFrom });
  out.push({ width: DAY_MICROS, from: dayFrom, to: dayTo });
  if (dayTo < to) out.push({ width: HOUR_MICROS, from: dayTo, to });
  return out;
}

const ROLLUP_FILTERS = { span: new Set(['from', 'to', 'kind', 'model', 'status']), trace: new Set(['from', 'to', 'status']) };

function isEmpty(v: unknown): boolean {
  if (v === undefined) return true;
  if (Array.isArray(v)) return v.length === 0;
  return typeof v === 'object' && v !== null && Object.keys(v).length === 0;
}

/** The plan for `q`, or undefined when no rollup can answer it. */
export function rollupPlan(q: MetricsQuery): RollupPlan | undefined {
  const groupable = q.level === 'span' ? [undefined, 'model', 'kind'] : [undefined];
  if (!groupable.includes(q.groupBy)) return undefined;
  if (q.intervalMicros % HOUR_MICROS !== 0) return undefined;
  const f: SpanFilter | TraceFilter = q.filter;
  for (const [k, v] of Object.entries(f)) if (!ROLLUP_FILTERS[q.level].has(k) && !isEmpty(v)) return undefined;
  // bucket arithmetic below assumes non-negative times (SQL truncates, floor would differ)
  if (q.filter.from < 0) return undefined;
  const wholeFrom = ceilTo(q.filter.from, HOUR_MICROS);
  const wholeTo = floorTo(q.filter.to, HOUR_MICROS);
  if (wholeTo <= wholeFrom) return undefined;
  return {
    level: q.level, from: q.filter.from, to: q.filter.to, intervalMicros: q.intervalMicros, groupBy: q.groupBy as RollupPlan['groupBy'],
    kind: q.level === 'span' ? q.filter.kind : undefined, model: q.level === 'span' ? q.filter.model : undefined,
    status: f.status?.length ? f.status : undefined, wholeFrom, wholeTo, segments: segments(wholeFrom, wholeTo, q.intervalMicros),
  };
}

// Rows are read as arrays: better-sqlite3 builds an array per row faster than an object, and a
// long window returns thousands of rows. Both rollups are read into this one shape.
type RollupRow = [start: number, group: string | null, isError: number, count: number, durCount: number,
  inputTokens: number, outputTokens: number, costUsd: number, costCount: number, latency: Buffer, cacheReadTokens: number, cacheWriteTokens: number];

class Point {
  count = 0;
  errors = 0;
  durCount = 0;
  inputTokens = 0;
  outputTokens = 0;
  cacheReadTokens = 0;
  cacheWriteTokens = 0;
  costUsd = 0;
  costCount = 0;
  readonly latency = new DenseHistogram();
  constructor(readonly bucket: number, readonly group: string | null) {}

  /** `spans`: the span level, where cache counts exist (trace rows have none). */
  row(spans: boolean): MetricsRow {
    const [p50, p95, p99] = this.latency.percentiles(PERCENTILES, this.durCount);
    return {
      bucket: this.bucket, group: this.group, count: this.count, errorCount: this.errors, errorRate: this.errors / this.count,
      latencyP50Ms: p50, latencyP95Ms: p95, latencyP99Ms: p99, inputTokens: this.inputTokens, outputTokens: this.outputTokens,
      cacheReadTokens: spans ? this.cacheReadTokens : null, cacheWriteTokens: spans ? this.cacheWriteTokens : null,
      costUsd: this.costCount === 0 ? null : this.costUsd,
    };
  }
}

/** Groups in code-point order (SQLite's BINARY on UTF-8, as the exact statement sorts), null last. */
function byGroup(a: Point, b: Point): number {
  if (a.group === b.group) return 0;
  if (a.group === null) return 1;
  if (b.group === null) return -1;
  return Buffer.compare(Buffer.from(a.group), Buffer.from(b.group));
}

/**
 * Folds items and rollup rows into points, one bucket at a time: inputs arrive in ascending
 * time, so a bucket is finished (and its histograms dropped) when the next one starts.
 */
class Points {
  readonly out: MetricsRow[] = [];
  private open = new Map<string, Point>();
  private openBucket = -1;

  constructor(private readonly intervalMicros: number, private readonly spans: boolean) {}

  private point(start: number, group: string | null): Point {
    const bucket = start - (start % this.intervalMicros);
    if (bucket !== this.openBucket) {
      this.finish();
      this.openBucket = bucket;
    }
    const key = group === null ? '' : `+${group}`;
    let p = this.open.get(key);
    if (!p) {
      p = new Point(bucket, group);
      this.open.set(key, p);
    }
    return p;
  }

  addItem(c: Contribution, group: string | null, isError: boolean): void {
    const p = this.point(c.hour, group);
    p.count++;
    if (isError) p.errors++;
    p.inputTokens += c.inputTokens;
    p.outputTokens += c.outputTokens;
    p.cacheReadTokens += c.cacheReadTokens;
    p.cacheWriteTokens += c.cacheWriteTokens;
    if (c.costUsd !== null) {
      p.costUsd += c.costUsd;
      p.costCount++;
    }
    if (c.ord !== null) {
      p.durCount++;
      p.latency.add(c.ord, 1);
    }
  }

  addRow([start, group, isError, count, durCount, inputTokens, outputTokens, costUsd, costCount, latency, cacheReadTokens, cacheWriteTokens]: RollupRow): void {
    const p = this.point(start, group);
    p.count += count;
    if (isError) p.errors += count;
    p.inputTokens += inputTokens;
    p.outputTokens += outputTokens;
    p.cacheReadTokens += cacheReadTokens;
    p.cacheWriteTokens += cacheWriteTokens;
    p.costUsd += costUsd;
    p.costCount += costCount;
    p.durCount += durCount;
    p.latency.addEncoded(latency);
  }

  finish(): void {
    for (const p of [...this.open.values()].sort(byGroup)) this.out.push(p.row(this.spans));
    this.open = new Map();
  }
}

type SpanItem = [kind: string | null, model: string | null, status: string | null, durationMs: number | null,
  inputTokens: number | null, outputTokens: number | null, costUsd: number | null, cacheReadTokens: number | null, cacheWriteTokens: number | null];
type TraceItem = [status: string, durationMs: number | null, inputTokens: number, outputTokens: number, costUsd: number | null];

export class MetricRollupReads {
  private readonly stmts: StatementCache;
  private readonly read: (projectId: number, plan: RollupPlan) => MetricsRow[] | undefined;

  constructor(private readonly db: Database.Database, private readonly dialect: Dialect, private readonly threshold: number = DEFAULT_ROLLUP_THRESHOLD) {
    this.stmts = new StatementCache(db, 100);
    // one read transaction: the rollup rows and the edge items come from the same snapshot
    this.read = db.transaction((projectId: number, plan: RollupPlan) => this.answer(projectId, plan));
  }

  /** The answer from a rollup, or undefined when the exact statement should run. */
  metrics(projectId: number, q: MetricsQuery): MetricsRow[] | undefined {
    const plan = rollupPlan(q);
    return plan ? this.read(projectId, plan) : undefined;
  }

  private answer(projectId: number, plan: RollupPlan): MetricsRow[] | undefined {
    const parts = plan.segments.map((s) => this.rollupRows(projectId, plan, s, false) as RollupRow[]);
    // With the hour rows of the partial hours, the items of every hour the window touches: a bound on the window's count.
    const head = plan.from < plan.wholeFrom ? { width: HOUR_MICROS, from: plan.wholeFrom - HOUR_MICROS, to: plan.wholeFrom } : undefined;
    const tail = plan.wholeTo < plan.to ? { width: HOUR_MICROS, from: plan.wholeTo, to: plan.wholeTo + HOUR_MICROS } : undefined;
    let total = 0;
    for (const rows of parts) for (const r of rows) total += r[3];
    for (const edge of [head, tail]) if (edge) total += this.rollupRows(projectId, plan, edge, true) as number;
    if (total <= this.threshold) return undefined;
    const points = new Points(plan.intervalMicros, plan.level === 'span');
    if (head) this.items(projectId, plan, head.from, plan.from, plan.wholeFrom, points);
    for (const rows of parts) for (const r of rows) points.addRow(r);
    if (tail) this.items(projectId, plan, tail.from, plan.wholeTo, plan.to, points);
    points.finish();
    return points.out;
  }

  /** The rows of one segment in ascending start, or (countOnly) the number of items they hold. */
  private rollupRows(projectId: number, plan: RollupPlan, seg: Segment, countOnly: boolean): RollupRow[] | number {
    const table = plan.level === 'span' ? SPAN_METRICS : TRACE_METRICS;
    const where = ['project_id = ?', 'width = ?', 'start >= ?', 'start < ?'];
    const params: unknown[] = [projectId, seg.width, seg.from, seg.to];
    if (plan.kind !== undefined) {
      where.push('kind = ?');
      params.push(plan.kind);
    }
    if (plan.model !== undefined) {
      const family = modelFamily('model', plan.model);
      where.push(`has_model = 1 AND ${family.sql}`);
      params.push(...family.params);
    }
    if (plan.status) {
      where.push(`status IN (${plan.status.map(() => '?').join(', ')})`);
      params.push(...plan.status);
    }
    if (countOnly) return this.stmts.get(`SELECT coalesce(sum(${table.count}), 0) FROM ${table.name} WHERE ${where.join(' AND ')}`).pluck().get(...params) as number;
    const group = plan.groupBy === 'model' ? 'CASE WHEN has_model = 1 THEN model END' : plan.groupBy === 'kind' ? 'kind' : 'NULL';
    const sql = `SELECT start, ${group}, status = 'error', ${table.count}, dur_count, input_tokens, output_tokens, cost_usd, cost_count, latency,
      cache_read_tokens, cache_write_tokens FROM ${table.name} WHERE ${where.join(' AND ')} ORDER BY start`;
    return this.stmts.get(sql).raw().all(...params) as RollupRow[];
  }

  /** Adds the items of [from, to), within the one hour starting at `hour`, selected by the filter the exact statement compiles. */
  private items(projectId: number, plan: RollupPlan, hour: number, from: number, to: number, points: Points): void {
    if (plan.level === 'trace') {
      const { where, params } = compileTraceFilter(this.dialect, projectId, { from, to, status: plan.status as TraceStatus[] | undefined });
      const sql = `SELECT t.status, t.duration_ms, t.input_tokens, t.output_tokens, t.cost_usd FROM traces t WHERE ${where.join(' AND ')}`;
      for (const [status, ...rest] of this.stmts.get(sql).raw().all(...params) as TraceItem[]) {
        points.addItem(traceContribution(projectId, hour, status, ...rest), null, status === 'error');
      }
      return;
    }
    const filter: SpanFilter = { from, to, kind: plan.kind, model: plan.model, status: plan.status as SpanStatus[] | undefined };
    const { where, params } = compileSpanFilter(this.dialect, projectId, filter);
    const sql = `SELECT s.kind, s.model, s.status, s.duration_ms, s.input_tokens, s.output_tokens, s.cost_usd, s.cache_read_tokens, s.cache_write_tokens
      FROM spans s WHERE ${where.join(' AND ')}`;
    for (const r of this.stmts.get(sql).raw().all(...params) as SpanItem[]) {
      const c = spanContribution(projectId, hour, ...r);
      const [kind, status] = c.key as [string, string];
      points.addItem(c, plan.groupBy === 'model' ? r[1] : plan.groupBy === 'kind' ? kind : null, status === 'error');
    }
  }
}
