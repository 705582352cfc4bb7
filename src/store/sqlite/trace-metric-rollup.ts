// The trace metrics rollup (migration 10, table trace_metrics): rows per (project, hour or day of
// the trace's start_time, status) with trace counts, the trace rollups' tokens and cost, and a
// latency histogram of the trace's duration (rollup-table.ts). A write transaction changes a
// trace row in several statements (the trace upsert, the span rollups, the status), so the
// trace's contribution is read once before the transaction first touches it and once after the
// transaction's last change, at commit: two point reads by traces.num per touched trace, one
// for a trace the transaction created.
import type Database from 'better-sqlite3';
import { ordOf } from './latency-histogram.js';
import { HOUR_MICROS, RollupDeltas, floorTo, rowId, sameContribution, type Contribution, type RollupTable } from './rollup-table.js';
import type { TxParticipant } from './participant.js';

export const TRACE_METRICS: RollupTable = { name: 'trace_metrics', keys: ['status'], count: 'trace_count' };

const STATE_COLUMNS = 'project_id, start_time, end_time, status, input_tokens, output_tokens, cost_usd';
type StateRow = [projectId: number, startTime: number, endTime: number | null, status: string, inputTokens: number, outputTokens: number, costUsd: number | null];

/** A trace's contribution from its columns (duration_ms rather than the times: reads of traces select it directly). */
export function traceContribution(projectId: number, hour: number, status: string, durationMs: number | null, inputTokens: number, outputTokens: number, costUsd: number | null): Contribution {
  return { projectId, hour, key: [status], id: rowId(projectId, [status]), ord: durationMs === null ? null : ordOf(durationMs), inputTokens, outputTokens, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd };
}

function contributionOf([projectId, startTime, endTime, status, inputTokens, outputTokens, costUsd]: StateRow): Contribution {
  // the same double as the duration_ms column: (end_time - start_time) / 1000.0
  return traceContribution(projectId, floorTo(startTime, HOUR_MICROS), status, endTime === null ? null : (endTime - startTime) / 1000, inputTokens, outputTokens, costUsd);
}

/**
 * The write path's side of the trace rollup: one instance per write connection, a participant
 * of its transactions (participant.ts), told of each trace before the transaction changes it.
 */
export class TraceMetricRollup implements TxParticipant {
  private readonly readTrace: Database.Statement;
  private readonly deltas = new RollupDeltas(TRACE_METRICS);
  /** Traces this transaction touched → their contribution before it (null: the transaction created the trace). */
  private readonly before = new Map<number, Contribution | null>();

  constructor(private readonly db: Database.Database) {
    this.readTrace = db.prepare(`SELECT ${STATE_COLUMNS} FROM traces WHERE num = ?`).raw();
  }

  /** Forgets what an earlier transaction (perhaps rolled back) left. */
  begin(): void {
    this.deltas.clear();
    this.before.clear();
  }

  /** Called when the transaction first resolves a trace, before it changes the row; `isNew`: it just inserted it. */
  trace(num: number, isNew: boolean): void {
    if (this.before.has(num)) return;
    const row = isNew ? undefined : (this.readTrace.get(num) as StateRow | undefined);
    this.before.set(num, row ? contributionOf(row) : null);
  }

  /** Applies the transaction's changes (inside it, after its last change to a trace row). */
  beforeCommit(): void {
    for (const [num, old] of this.before) {
      const row = this.readTrace.get(num) as StateRow | undefined;
      const now = row ? contributionOf(row) : null;
      if (old && now && sameContribution(old, now)) continue;
      if (old) this.deltas.add(old, -1);
      if (now) this.deltas.add(now, 1);
    }
    this.deltas.apply(this.db);
    this.before.clear();
  }

  committed(): void {}

  rolledBack(): void {
    this.deltas.clear();
    this.before.clear();
  }
}
