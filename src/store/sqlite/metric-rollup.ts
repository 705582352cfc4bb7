// The span metrics rollup (migration 8, table span_metrics), kept current inside the write
// transaction: one row per (project, UTC hour of start_time, kind, status, model) with the sums
// the metrics query needs and a latency histogram (latency-histogram.ts), and the same per UTC
// day: a 30-day query then reads ~30 rows per group instead of ~720, and on this machine
// better-sqlite3 spends ~1-2 µs per returned row, whatever the row holds. A span that is
// upserted again (a retried batch, a start part then an end part) moves its contribution: the
// write applies new minus old, so a row always equals a recomputation from the spans table.
//
// Cost on the ingest path: per span, at most one point read of the span as it stood (through
// spans_by_trace), none for a trace this transaction created, and in-memory deltas; per group,
// one read and one write per touched rollup row.
import type Database from 'better-sqlite3';
import { USAGE_KINDS } from '../../model/enums.js';
import { addEncoded, encodeHistogram, ordOf } from './latency-histogram.js';

export const HOUR_MICROS = 3_600_000_000;
export const DAY_MICROS = 86_400_000_000;
/** The widths the rollup keeps rows at (span_metrics.width). */
export const ROLLUP_WIDTHS = [HOUR_MICROS, DAY_MICROS] as const;

/** The span columns its contribution depends on, as the spans table holds them. */
export interface SpanState {
  projectId: number;
  kind: string | null;
  model: string | null;
  status: string | null;
  startTime: number;
  endTime: number | null;
  inputTokens: number | null;
  outputTokens: number | null;
  costUsd: number | null;
}

/** What the write path binds for one span upsert (write.ts spanParams), as far as the rollup reads it. */
export interface SpanWrite {
  id: string;
  projectId: number;
  receivedAt: number;
  kind: string | null;
  model: string | null;
  status: string | null;
  startTime: number | null;
  endTime: number | null;
  inputTokens: number | null;
  outputTokens: number | null;
  costUsd: number | null;
}

/** One span's share of one rollup row. */
export interface Contribution {
  projectId: number;
  hour: number;
  /** coalesce(kind, 'span'): every metrics query treats a missing kind as 'span'. */
  kind: string;
  /** ok, error, or unset for a span without a status. */
  status: string;
  model: string | null;
  /** Latency bucket, or null for a span without an end. */
  ord: number | null;
  /** Usage counts only from llm and embedding spans, as in metrics-sql.ts. */
  inputTokens: number;
  outputTokens: number;
  /** null: not counted (no cost, or not a usage kind). */
  costUsd: number | null;
}

const USAGE = new Set<string>(USAGE_KINDS);

/** Start of the epoch-aligned interval of `width` holding `micros` (floor, also before 1970). */
export function floorTo(micros: number, width: number): number {
  return micros - (((micros % width) + width) % width);
}

export function contributionOf(s: SpanState): Contribution {
  // the same double as the duration_ms column: (end_time - start_time) / 1000.0
  const durationMs = s.endTime === null ? null : (s.endTime - s.startTime) / 1000;
  return contribution(s.projectId, floorTo(s.startTime, HOUR_MICROS), s.kind, s.model, s.status, durationMs, s.inputTokens, s.outputTokens, s.costUsd);
}

/** A span's contribution from its columns (duration_ms rather than the times: reads of spans select it directly). */
export function contribution(projectId: number, hour: number, kind: string | null, model: string | null, status: string | null, durationMs: number | null,
  inputTokens: number | null, outputTokens: number | null, costUsd: number | null): Contribution {
  const usage = kind !== null && USAGE.has(kind);
  return {
    projectId,
    hour,
    kind: kind ?? 'span',
    status: status ?? 'unset',
    model,
    ord: durationMs === null ? null : ordOf(durationMs),
    inputTokens: usage ? inputTokens ?? 0 : 0,
    outputTokens: usage ? outputTokens ?? 0 : 0,
    costUsd: usage ? costUsd : null,
  };
}

/**
 * The span row after an upsert, from the row before it (undefined: a new span) and the bound
 * values. Mirrors the ON CONFLICT clause of write.ts's span upsert for these columns; the
 * rollup tests compare the result with the table, so a change there that is not made here fails them.
 */
export function afterUpsert(old: SpanState | undefined, p: SpanWrite): SpanState {
  if (!old) {
    return {
      projectId: p.projectId, kind: p.kind, model: p.model, status: p.status, startTime: p.startTime ?? p.receivedAt, endTime: p.endTime,
      inputTokens: p.inputTokens, outputTokens: p.outputTokens, costUsd: p.costUsd,
    };
  }
  return {
    projectId: old.projectId,
    kind: p.kind ?? old.kind,
    model: p.model ?? old.model,
    status: old.status === 'error' ? 'error' : p.status ?? old.status,
    startTime: p.startTime ?? old.startTime,
    endTime: p.endTime ?? old.endTime,
    inputTokens: p.inputTokens ?? old.inputTokens,
    outputTokens: p.outputTokens ?? old.outputTokens,
    costUsd: p.costUsd ?? old.costUsd,
  };
}

function sameContribution(a: Contribution, b: Contribution): boolean {
  return a.hour === b.hour && a.kind === b.kind && a.status === b.status && a.model === b.model && a.ord === b.ord
    && a.inputTokens === b.inputTokens && a.outputTokens === b.outputTokens && a.costUsd === b.costUsd && a.projectId === b.projectId;
}

interface RowDelta {
  projectId: number;
  width: number;
  start: number;
  kind: string;
  status: string;
  model: string | null;
  count: number;
  durCount: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  costCount: number;
  latency: Map<number, number>;
}

interface StoredRow {
  span_count: number;
  dur_count: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
  cost_count: number;
  latency: Buffer;
}

/** Pending changes to rollup rows, by row key; applied with one read-modify-write per row. */
export class RollupDeltas {
  private readonly rows = new Map<string, RowDelta>();

  add(c: Contribution, sign: 1 | -1): void {
    for (const width of ROLLUP_WIDTHS) this.addTo(width, c, sign);
  }

  private addTo(width: number, c: Contribution, sign: 1 | -1): void {
    const start = floorTo(c.hour, width);
    // kind and status are enum words, so the key is unambiguous with the model last
    const key = `${c.projectId}|${start}|${width}|${c.kind}|${c.status}|${c.model === null ? '-' : `+${c.model}`}`;
    let d = this.rows.get(key);
    if (!d) {
      d = { projectId: c.projectId, width, start, kind: c.kind, status: c.status, model: c.model, count: 0, durCount: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, costCount: 0, latency: new Map() };
      this.rows.set(key, d);
    }
    d.count += sign;
    d.inputTokens += sign * c.inputTokens;
    d.outputTokens += sign * c.outputTokens;
    if (c.costUsd !== null) {
      d.costUsd += sign * c.costUsd;
      d.costCount += sign;
    }
    if (c.ord !== null) {
      d.durCount += sign;
      d.latency.set(c.ord, (d.latency.get(c.ord) ?? 0) + sign);
    }
  }

  get size(): number {
    return this.rows.size;
  }

  clear(): void {
    this.rows.clear();
  }

  /** Writes every pending row into span_metrics (inside the caller's transaction) and forgets them. */
  apply(db: Database.Database): void {
    const s = rollupStatements(db);
    for (const d of this.rows.values()) {
      const key = [d.projectId, d.width, d.start, d.kind, d.status, d.model === null ? 0 : 1, d.model ?? ''] as const;
      const old = s.read.get(...key) as StoredRow | undefined;
      const count = (old?.span_count ?? 0) + d.count;
      if (count === 0) {
        if (old) s.drop.run(...key);
        continue;
      }
      const latency = new Map(d.latency);
      if (old) addEncoded(latency, old.latency);
      const costCount = (old?.cost_count ?? 0) + d.costCount;
      s.put.run(...key, count, (old?.dur_count ?? 0) + d.durCount, (old?.input_tokens ?? 0) + d.inputTokens, (old?.output_tokens ?? 0) + d.outputTokens,
        // with no cost left, a sum of +x and -x is exactly 0, not a rounding residue
        costCount === 0 ? 0 : (old?.cost_usd ?? 0) + d.costUsd, costCount, encodeHistogram(latency));
    }
    this.rows.clear();
  }
}

const statements = new WeakMap<Database.Database, { read: Database.Statement; put: Database.Statement; drop: Database.Statement }>();

function rollupStatements(db: Database.Database) {
  let s = statements.get(db);
  if (!s) {
    const pk = 'project_id = ? AND width = ? AND start = ? AND kind = ? AND status = ? AND has_model = ? AND model = ?';
    s = {
      read: db.prepare(`SELECT span_count, dur_count, input_tokens, output_tokens, cost_usd, cost_count, latency FROM span_metrics WHERE ${pk}`),
      put: db.prepare(`INSERT OR REPLACE INTO span_metrics (project_id, width, start, kind, status, has_model, model, span_count, dur_count,
          input_tokens, output_tokens, cost_usd, cost_count, latency) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      drop: db.prepare(`DELETE FROM span_metrics WHERE ${pk}`),
    };
    statements.set(db, s);
  }
  return s;
}

export interface SpanStateRow {
  project_id: number;
  kind: string | null;
  model: string | null;
  status: string | null;
  start_time: number;
  end_time: number | null;
  input_tokens: number | null;
  output_tokens: number | null;
  cost_usd: number | null;
}

/** SPAN_STATE_COLUMNS as an array row. */
type SpanStateTuple = [projectId: number, kind: string | null, model: string | null, status: string | null, startTime: number, endTime: number | null,
  inputTokens: number | null, outputTokens: number | null, costUsd: number | null];

/** The columns of `spans` a contribution needs, in SpanStateRow's names (and SpanStateTuple's order). */
export const SPAN_STATE_COLUMNS = 'project_id, kind, model, status, start_time, end_time, input_tokens, output_tokens, cost_usd';

export function stateFromRow(r: SpanStateRow): SpanState {
  return {
    projectId: r.project_id, kind: r.kind, model: r.model, status: r.status, startTime: r.start_time, endTime: r.end_time,
    inputTokens: r.input_tokens, outputTokens: r.output_tokens, costUsd: r.cost_usd,
  };
}

/** The write path's side of the rollup: one instance per write connection. */
export class SpanMetricRollup {
  private readonly readSpan: Database.Statement;
  private readonly deltas = new RollupDeltas();
  /** traceNum → span id → the span as this transaction left it so far. */
  private readonly seen = new Map<number, Map<string, SpanState>>();

  constructor(private readonly db: Database.Database) {
    // an array per row: cheaper to build than an object, and this read is on the ingest path
    this.readSpan = db.prepare(`SELECT ${SPAN_STATE_COLUMNS} FROM spans WHERE trace_num = ? AND id = ?`).raw();
  }

  /** Runs one write transaction's body, then applies its rollup changes inside the same transaction. */
  group<T>(body: () => T): T {
    // a group that threw (and rolled back) must not leave its deltas to the next one
    this.deltas.clear();
    this.seen.clear();
    const out = body();
    this.deltas.apply(this.db);
    this.seen.clear();
    return out;
  }

  /**
   * Called for each span upsert before it runs. `traceIsNew`: this transaction inserted the trace
   * row, so no span of it existed before the transaction and only this transaction's own earlier
   * upserts can be its old state.
   */
  span(traceNum: number, traceIsNew: boolean, p: SpanWrite): void {
    let ofTrace = this.seen.get(traceNum);
    if (!ofTrace) {
      ofTrace = new Map();
      this.seen.set(traceNum, ofTrace);
    }
    let old = ofTrace.get(p.id);
    if (!old && !traceIsNew) {
      const row = this.readSpan.get(traceNum, p.id) as SpanStateTuple | undefined;
      if (row) {
        const [projectId, kind, model, status, startTime, endTime, inputTokens, outputTokens, costUsd] = row;
        old = { projectId, kind, model, status, startTime, endTime, inputTokens, outputTokens, costUsd };
      }
    }
    const now = afterUpsert(old, p);
    ofTrace.set(p.id, now);
    const next = contributionOf(now);
    if (old) {
      const before = contributionOf(old);
      if (sameContribution(before, next)) return;
      this.deltas.add(before, -1);
    }
    this.deltas.add(next, 1);
  }
}

/** Builds span_metrics from every span (migration 8, on a database that had spans before it). */
export function backfillSpanMetrics(db: Database.Database): void {
  const deltas = new RollupDeltas();
  const rows = db.prepare(`SELECT ${SPAN_STATE_COLUMNS} FROM spans`).iterate() as IterableIterator<SpanStateRow>;
  for (const r of rows) deltas.add(contributionOf(stateFromRow(r)), 1);
  deltas.apply(db);
}
