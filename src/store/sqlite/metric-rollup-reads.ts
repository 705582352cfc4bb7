// Span-level metrics answered from the span metrics rollup (metric-rollup.ts) instead of a scan
// and sort of every span in the window: the whole hours of [from, to) come from span_metrics,
// the partial hours at either end from the spans themselves, both folded into the same sums
// and histograms. Counts, tokens and cost are what the exact statement gives; percentiles are
// nearest rank over the merged histogram, within 1% (latency-histogram.ts).
//
// Only queries the rollup's key can answer qualify (filters from/to, kind, model, status; groupBy
// none, model or kind; an interval of whole hours), and only when the window holds more than
// `minSpans` spans: below that the exact statement is cheap, and its percentiles are exact.
import type Database from 'better-sqlite3';
import type { SpanKind, SpanStatus } from '../../model/enums.js';
import type { SpanFilter } from '../../query/filter.js';
import type { MetricsQuery, MetricsRow } from '../../query/metrics.js';
import { PERCENTILES } from '../../query/metrics-sql.js';
import { compileSpanFilter, type Dialect } from '../../query/sql.js';
import { DenseHistogram } from './latency-histogram.js';
import { HOUR_MICROS, SPAN_STATE_COLUMNS, contributionOf, stateFromRow, type Contribution, type SpanStateRow } from './metric-rollup.js';

/** Windows with at most this many spans (by the rollup's count) run the exact statement. */
export const DEFAULT_ROLLUP_MIN_SPANS = 20_000;

/** A query the rollup can answer: its window split into whole hours and the partial hours around them. */
export interface RollupPlan {
  from: number;
  to: number;
  intervalMicros: number;
  groupBy: 'model' | 'kind' | undefined;
  kind?: SpanKind;
  model?: string;
  status?: SpanStatus[];
  /** [wholeFrom, wholeTo): the whole hours, non-empty; [from, wholeFrom) and [wholeTo, to) are read from spans. */
  wholeFrom: number;
  wholeTo: number;
}

const ROLLUP_FILTERS = new Set<string>(['from', 'to', 'kind', 'model', 'status']);

function isEmpty(v: unknown): boolean {
  if (v === undefined) return true;
  if (Array.isArray(v)) return v.length === 0;
  return typeof v === 'object' && v !== null && Object.keys(v).length === 0;
}

/** The plan for `q`, or undefined when the rollup cannot answer it. */
export function rollupPlan(q: MetricsQuery): RollupPlan | undefined {
  if (q.level !== 'span') return undefined;
  if (q.groupBy !== undefined && q.groupBy !== 'model' && q.groupBy !== 'kind') return undefined;
  if (q.intervalMicros % HOUR_MICROS !== 0) return undefined;
  const f = q.filter;
  for (const [k, v] of Object.entries(f)) if (!ROLLUP_FILTERS.has(k) && !isEmpty(v)) return undefined;
  // bucket arithmetic below assumes non-negative times (SQL truncates, floor would differ)
  if (f.from < 0) return undefined;
  const wholeFrom = Math.ceil(f.from / HOUR_MICROS) * HOUR_MICROS;
  const wholeTo = Math.floor(f.to / HOUR_MICROS) * HOUR_MICROS;
  if (wholeTo <= wholeFrom) return undefined;
  return {
    from: f.from, to: f.to, intervalMicros: q.intervalMicros, groupBy: q.groupBy, kind: f.kind, model: f.model,
    status: f.status?.length ? f.status : undefined, wholeFrom, wholeTo,
  };
}

interface RollupRow {
  hour: number;
  kind: string;
  status: string;
  has_model: number;
  model: string;
  span_count: number;
  dur_count: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
  cost_count: number;
  latency: Buffer;
}

class Point {
  count = 0;
  errors = 0;
  durCount = 0;
  inputTokens = 0;
  outputTokens = 0;
  costUsd = 0;
  costCount = 0;
  readonly latency = new DenseHistogram();
  constructor(readonly bucket: number, readonly group: string | null) {}

  row(): MetricsRow {
    const [p50, p95, p99] = this.latency.percentiles(PERCENTILES, this.durCount);
    return {
      bucket: this.bucket, group: this.group, count: this.count, errorCount: this.errors, errorRate: this.errors / this.count,
      latencyP50Ms: p50, latencyP95Ms: p95, latencyP99Ms: p99, inputTokens: this.inputTokens, outputTokens: this.outputTokens,
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
 * Folds contributions and rollup rows into points, one bucket at a time: inputs arrive in
 * ascending hour, so a bucket is finished (and its histograms dropped) when the next one starts.
 */
class Points {
  readonly out: MetricsRow[] = [];
  private open = new Map<string, Point>();
  private openBucket = -1;

  constructor(private readonly plan: RollupPlan) {}

  private point(hour: number, kind: string, model: string | null): Point {
    const bucket = hour - (hour % this.plan.intervalMicros);
    if (bucket !== this.openBucket) {
      this.finish();
      this.openBucket = bucket;
    }
    const group = this.plan.groupBy === 'model' ? model : this.plan.groupBy === 'kind' ? kind : null;
    const key = group === null ? '' : `+${group}`;
    let p = this.open.get(key);
    if (!p) {
      p = new Point(bucket, group);
      this.open.set(key, p);
    }
    return p;
  }

  addSpan(c: Contribution): void {
    const p = this.point(c.hour, c.kind, c.model);
    p.count++;
    if (c.status === 'error') p.errors++;
    p.inputTokens += c.inputTokens;
    p.outputTokens += c.outputTokens;
    if (c.costUsd !== null) {
      p.costUsd += c.costUsd;
      p.costCount++;
    }
    if (c.ord !== null) {
      p.durCount++;
      p.latency.add(c.ord, 1);
    }
  }

  addRow(r: RollupRow): void {
    const p = this.point(r.hour, r.kind, r.has_model ? r.model : null);
    p.count += r.span_count;
    if (r.status === 'error') p.errors += r.span_count;
    p.inputTokens += r.input_tokens;
    p.outputTokens += r.output_tokens;
    p.costUsd += r.cost_usd;
    p.costCount += r.cost_count;
    p.durCount += r.dur_count;
    p.latency.addEncoded(r.latency);
  }

  finish(): void {
    for (const p of [...this.open.values()].sort(byGroup)) this.out.push(p.row());
    this.open = new Map();
  }
}

export class SpanMetricsReads {
  private readonly stmts = new Map<string, Database.Statement>();
  private readonly read: (projectId: number, plan: RollupPlan) => MetricsRow[] | undefined;

  constructor(private readonly db: Database.Database, private readonly dialect: Dialect, private readonly minSpans: number = DEFAULT_ROLLUP_MIN_SPANS) {
    // one read transaction: the rollup rows and the edge spans come from the same snapshot
    this.read = db.transaction((projectId: number, plan: RollupPlan) => this.answer(projectId, plan));
  }

  /** The answer from the rollup, or undefined when the exact statement should run. */
  metrics(projectId: number, q: MetricsQuery): MetricsRow[] | undefined {
    const plan = rollupPlan(q);
    return plan ? this.read(projectId, plan) : undefined;
  }

  private answer(projectId: number, plan: RollupPlan): MetricsRow[] | undefined {
    // The rows of every hour the window touches, edges included: their count bounds the window's.
    const rows = this.rollupRows(projectId, plan, plan.wholeFrom - (plan.from < plan.wholeFrom ? HOUR_MICROS : 0), plan.wholeTo + (plan.wholeTo < plan.to ? HOUR_MICROS : 0));
    let total = 0;
    for (const r of rows) total += r.span_count;
    if (total <= this.minSpans) return undefined;
    const points = new Points(plan);
    if (plan.from < plan.wholeFrom) for (const c of this.spans(projectId, plan, plan.from, plan.wholeFrom)) points.addSpan(c);
    for (const r of rows) if (r.hour >= plan.wholeFrom && r.hour < plan.wholeTo) points.addRow(r);
    if (plan.wholeTo < plan.to) for (const c of this.spans(projectId, plan, plan.wholeTo, plan.to)) points.addSpan(c);
    points.finish();
    return points.out;
  }

  private rollupRows(projectId: number, plan: RollupPlan, fromHour: number, toHour: number): RollupRow[] {
    const where = ['project_id = ?', 'hour >= ?', 'hour < ?'];
    const params: unknown[] = [projectId, fromHour, toHour];
    if (plan.kind !== undefined) {
      where.push('kind = ?');
      params.push(plan.kind);
    }
    if (plan.model !== undefined) {
      where.push('has_model = 1 AND model = ?');
      params.push(plan.model);
    }
    if (plan.status) {
      where.push(`status IN (${plan.status.map(() => '?').join(', ')})`);
      params.push(...plan.status);
    }
    const sql = `SELECT hour, kind, status, has_model, model, span_count, dur_count, input_tokens, output_tokens, cost_usd, cost_count, latency
      FROM span_metrics WHERE ${where.join(' AND ')} ORDER BY hour`;
    return this.stmt(sql).all(...params) as RollupRow[];
  }

  /** The spans of [from, to) as rollup contributions, selected by the same filter the exact statement compiles. */
  private spans(projectId: number, plan: RollupPlan, from: number, to: number): Contribution[] {
    const filter: SpanFilter = { from, to, kind: plan.kind, model: plan.model, status: plan.status };
    const { where, params } = compileSpanFilter(this.dialect, projectId, filter);
    const rows = this.stmt(`SELECT ${SPAN_STATE_COLUMNS} FROM spans s WHERE ${where.join(' AND ')}`).all(...params) as SpanStateRow[];
    return rows.map((r) => contributionOf(stateFromRow(r)));
  }

  private stmt(sql: string): Database.Statement {
    let s = this.stmts.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      if (this.stmts.size > 100) this.stmts.clear();
      this.stmts.set(sql, s);
    }
    return s;
  }
}
