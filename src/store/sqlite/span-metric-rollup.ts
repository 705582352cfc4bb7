// The span metrics rollup (migration 9, table span_metrics): rows per (project, hour or day of
// start_time, kind, status, model) with the sums the metrics query needs and a latency histogram
// (rollup-table.ts, latency-histogram.ts). Once the compactor has caught up, a row equals a
// recomputation from the spans table.
//
// Who keeps it: the compactor (compactor.ts) adds each span row it compacts, from the values it
// read anyway; a merge into a compacted row takes that row's contribution out (one point read)
// and moves the row past the watermark, to be added again as it is now. Per step or group, one
// read and one write per touched rollup row.
import type Database from 'better-sqlite3';
import { USAGE_KINDS } from '../../model/enums.js';
import { ordOf } from './latency-histogram.js';
import { HOUR_MICROS, RollupDeltas, floorTo, type Contribution, type RollupTable } from './rollup-table.js';
import type { SpanColumnName } from '../shared/span-columns.js';
import type { TxParticipant } from './participant.js';

/** A missing model is (has_model 0, model ''): a key column cannot be NULL, and '' is a model name a client could send. */
export const SPAN_METRICS: RollupTable = { name: 'span_metrics', keys: ['kind', 'status', 'has_model', 'model'], count: 'span_count' };

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
  cacheReadTokens: number | null;
  cacheWriteTokens: number | null;
  costUsd: number | null;
}

/** The spans columns a contribution needs (span-columns.ts), in StateRow's order. */
export const STATE_COLUMN_NAMES = ['project_id', 'kind', 'model', 'status', 'start_time', 'end_time', 'input_tokens', 'output_tokens', 'cost_usd',
  'cache_read_tokens', 'cache_write_tokens'] as const satisfies readonly SpanColumnName[];

const USAGE = new Set<string>(USAGE_KINDS);

export function spanContributionOf(s: SpanState): Contribution {
  // the same double as the duration_ms column: (end_time - start_time) / 1000.0
  const durationMs = s.endTime === null ? null : (s.endTime - s.startTime) / 1000;
  return spanContribution(s.projectId, floorTo(s.startTime, HOUR_MICROS), s.kind, s.model, s.status, durationMs, s.inputTokens, s.outputTokens, s.costUsd,
    s.cacheReadTokens, s.cacheWriteTokens);
}

/**
 * A span's contribution from its columns (duration_ms rather than the times: reads of spans
 * select it directly). A missing kind is 'span' and a missing status 'unset', as every metrics
 * query treats them; tokens and cost count only for llm and embedding spans, as in metrics-sql.ts.
 */
export function spanContribution(projectId: number, hour: number, kind: string | null, model: string | null, status: string | null, durationMs: number | null,
  inputTokens: number | null, outputTokens: number | null, costUsd: number | null, cacheReadTokens: number | null, cacheWriteTokens: number | null): Contribution {
  const usage = kind !== null && USAGE.has(kind);
  const k = kind ?? 'span';
  const st = status ?? 'unset';
  return {
    projectId,
    hour,
    key: [k, st, model === null ? 0 : 1, model ?? ''],
    // rowId(projectId, key), written out: this runs for every span written
    id: `${projectId}|${k}|${st}|${model === null ? '0|' : `1|${model}`}`,
    ord: durationMs === null ? null : ordOf(durationMs),
    inputTokens: usage ? inputTokens ?? 0 : 0,
    outputTokens: usage ? outputTokens ?? 0 : 0,
    cacheReadTokens: usage ? cacheReadTokens ?? 0 : 0,
    cacheWriteTokens: usage ? cacheWriteTokens ?? 0 : 0,
    costUsd: usage ? costUsd : null,
  };
}

const STATE_COLUMNS = STATE_COLUMN_NAMES.join(', ');
type StateRow = [projectId: number, kind: string | null, model: string | null, status: string | null, startTime: number, endTime: number | null,
  inputTokens: number | null, outputTokens: number | null, costUsd: number | null, cacheReadTokens: number | null, cacheWriteTokens: number | null];

function stateOf([projectId, kind, model, status, startTime, endTime, inputTokens, outputTokens, costUsd, cacheReadTokens, cacheWriteTokens]: StateRow): SpanState {
  return { projectId, kind, model, status, startTime, endTime, inputTokens, outputTokens, costUsd, cacheReadTokens, cacheWriteTokens };
}

/**
 * The writing side of the span rollup: one instance per connection that changes it. A write
 * transaction's participant (participant.ts): told of rows counted (inserted) and rows leaving
 * (removing), it applies their deltas at beforeCommit.
 */
export class SpanMetricRollup implements TxParticipant {
  // an array per row: cheaper to build than an object, and this read is on the ingest path
  private readonly readSpan: Database.Statement;
  private readonly deltas = new RollupDeltas(SPAN_METRICS);
  /** Where the state columns are in the rows inserted() is given (none: it is not given rows). */
  private readonly at: number[];

  /** `rowColumns`: the spans columns of the rows inserted() is given, in their order (the compactor's). */
  constructor(private readonly db: Database.Database, rowColumns?: readonly string[]) {
    this.readSpan = db.prepare(`SELECT ${STATE_COLUMNS} FROM spans WHERE trace_num = ? AND id = ?`).raw();
    this.at = rowColumns === undefined ? [] : STATE_COLUMN_NAMES.map((c) => {
      const i = rowColumns.indexOf(c);
      if (i < 0) throw new Error(`span metrics rollup: the rows it is given have no ${c}`);
      return i;
    });
  }

  /** Forgets what an earlier transaction (perhaps rolled back) left. */
  begin(): void {
    this.deltas.clear();
  }

  /** A span row is counted with these values (in the order of the constructor's `rowColumns`). */
  inserted(row: readonly unknown[]): void {
    this.deltas.add(spanContributionOf(stateOf(this.at.map((i) => row[i]) as StateRow)), 1);
  }

  /** The span (traceNum, spanId) leaves the rollup (a merge moves it past the compactor's watermark). */
  removing(traceNum: number, spanId: string): void {
    const row = this.readSpan.get(traceNum, spanId) as StateRow | undefined;
    if (row) this.deltas.add(spanContributionOf(stateOf(row)), -1);
  }

  /** Applies the transaction's changes (inside it). */
  beforeCommit(): void {
    this.deltas.apply(this.db);
  }

  committed(): void {}

  rolledBack(): void {
    this.deltas.clear();
  }
}
