// Deleting traces on SQLite (DELETE /api/v1/traces/:id, a user's data, the retention purge): one
// small batch of traces per transaction, on the write path's connection so deletes queue behind
// writes instead of contending with them. Everything a trace fed is taken back in the same
// transaction: the span and trace metrics rollups (each row's contribution subtracted, as an
// update subtracts its old one; spans the compactor has not reached were never counted) and the
// session and user rollups (rollups.ts removeTraces).
// Span bodies' chunks are shared between spans (chunks.ts) and stay until a collection finds no
// span holds them (chunk-gc.ts); blobs (blobs.ts, the older format) stay.
import type Database from 'better-sqlite3';
import type { DeleteCounts, TraceSelection } from '../store.js';
import { HOUR_MICROS, RollupDeltas, floorTo } from './rollup-table.js';
import { SPAN_METRICS, spanContributionOf } from './span-metric-rollup.js';
import { TRACE_METRICS, traceContribution } from './trace-metric-rollup.js';
import type { SqliteRollups } from './rollups.js';

type Stmt = Database.Statement;

type SpanStateRow = [projectId: number, kind: string | null, model: string | null, status: string | null, startTime: number, endTime: number | null,
  inputTokens: number | null, outputTokens: number | null, costUsd: number | null, cacheReadTokens: number | null, cacheWriteTokens: number | null];
type TraceStateRow = [num: number, id: string, projectId: number, startTime: number, endTime: number | null, status: string,
  inputTokens: number, outputTokens: number, costUsd: number | null];

/** A deleted trace, for the write path to forget it from its caches. */
export interface DeletedTrace {
  num: number;
  projectId: number;
  id: string;
}

export class SqliteDeletes {
  private readonly byIds: Stmt;
  private readonly byUser: Stmt;
  private readonly byStart: Stmt;
  private readonly spansOf: Stmt;
  private readonly uncompactedOf: Stmt;
  private readonly readWatermark: Stmt;
  private readonly bumpEpoch: Stmt;
  private readonly lowerWatermark: Stmt;
  private readonly deleteSpanIds: Stmt;
  private readonly deleteSpans: Stmt;
  private readonly deleteScores: Stmt;
  private readonly deleteTags: Stmt;
  private readonly deleteFts: Stmt;
  private readonly deleteTrace: Stmt;
  private readonly run: Database.Transaction<(projectId: number, select: TraceSelection, limit: number) => { counts: DeleteCounts; gone: DeletedTrace[] }>;

  constructor(private readonly db: Database.Database, private readonly rollups: SqliteRollups) {
    const cols = 'num, id, project_id, start_time, end_time, status, input_tokens, output_tokens, cost_usd';
    this.byIds = db.prepare(`SELECT ${cols} FROM traces WHERE project_id = ? AND id IN (SELECT value FROM json_each(?)) ORDER BY num LIMIT ?`).raw();
    this.byUser = db.prepare(`SELECT ${cols} FROM traces WHERE project_id = ? AND user_id = ? ORDER BY start_time LIMIT ?`).raw();
    // traces_by_start: the oldest first, a range seek; never a scan of the newer traces
    this.byStart = db.prepare(`SELECT ${cols} FROM traces WHERE project_id = ? AND start_time < ? ORDER BY start_time LIMIT ?`).raw();
    // only compacted rows are in the span metrics rollup (compactor.ts)
    this.spansOf = db.prepare(`SELECT project_id, kind, model, status, start_time, end_time, input_tokens, output_tokens, cost_usd,
      cache_read_tokens, cache_write_tokens FROM spans WHERE trace_num = ? AND rowid <= ?`).raw();
    this.uncompactedOf = db.prepare('SELECT count(*) FROM spans WHERE trace_num = ? AND rowid > ?').pluck();
    this.readWatermark = db.prepare('SELECT span_watermark FROM compaction WHERE id = 1').pluck();
    this.bumpEpoch = db.prepare('UPDATE compaction SET epoch = epoch + 1 WHERE id = 1');
    this.lowerWatermark = db.prepare('UPDATE compaction SET span_watermark = (SELECT coalesce(max(rowid), 0) FROM spans) WHERE id = 1 AND span_watermark > (SELECT coalesce(max(rowid), 0) FROM spans)');
    // span_ids has no index on trace_num: reach its rows by the trace's span ids
    this.deleteSpanIds = db.prepare('DELETE FROM span_ids WHERE project_id = ? AND span_id IN (SELECT id FROM spans WHERE trace_num = ?) AND trace_num = ?');
    this.deleteSpans = db.prepare('DELETE FROM spans WHERE trace_num = ?');
    this.deleteScores = db.prepare('DELETE FROM scores WHERE trace_num = ?');
    this.deleteTags = db.prepare('DELETE FROM trace_tags WHERE trace_num = ?');
    this.deleteFts = db.prepare('DELETE FROM trace_fts WHERE rowid = ?');
    this.deleteTrace = db.prepare('DELETE FROM traces WHERE num = ?');
    this.run = db.transaction((projectId: number, select: TraceSelection, limit: number) => this.apply(projectId, select, limit));
  }

  /** One transaction (IMMEDIATE: it writes); returns the counts and the traces that went. */
  deleteTraces(projectId: number, select: TraceSelection, limit: number): { counts: DeleteCounts; gone: DeletedTrace[] } {
    return this.run.immediate(projectId, select, limit);
  }

  private apply(projectId: number, select: TraceSelection, limit: number): { counts: DeleteCounts; gone: DeletedTrace[] } {
    const rows = ('ids' in select ? this.byIds.all(projectId, JSON.stringify(select.ids), limit)
      : 'userId' in select ? this.byUser.all(projectId, select.userId, limit)
        : this.byStart.all(projectId, select.startedBefore, limit)) as TraceStateRow[];
    const counts: DeleteCounts = { traces: rows.length, spans: 0, scores: 0 };
    if (!rows.length) return { counts, gone: [] };
    const spanDeltas = new RollupDeltas(SPAN_METRICS);
    const traceDeltas = new RollupDeltas(TRACE_METRICS);
    const watermark = this.readWatermark.get() as number;
    let uncompacted = 0;
    for (const [num, , p, start, end, status, inTok, outTok, cost] of rows) {
      traceDeltas.add(traceContribution(p, floorTo(start, HOUR_MICROS), status, end === null ? null : (end - start) / 1000, inTok, outTok, cost), -1);
      uncompacted += this.uncompactedOf.get(num, watermark) as number;
      for (const [sp, kind, model, st, sStart, sEnd, sIn, sOut, sCost, sCacheR, sCacheW] of this.spansOf.all(num, watermark) as SpanStateRow[]) {
        spanDeltas.add(spanContributionOf({
          projectId: sp, kind, model, status: st, startTime: sStart, endTime: sEnd, inputTokens: sIn, outputTokens: sOut, costUsd: sCost,
          cacheReadTokens: sCacheR, cacheWriteTokens: sCacheW,
        }), -1);
      }
    }
    const nums = rows.map((r) => r[0]);
    this.rollups.removeTraces(nums, () => {
      for (const num of nums) {
        this.deleteSpanIds.run(projectId, num, num);
        counts.spans += this.deleteSpans.run(num).changes;
        counts.scores += this.deleteScores.run(num).changes;
        this.deleteTags.run(num);
        this.deleteFts.run(num);
        this.deleteTrace.run(num);
      }
    });
    spanDeltas.apply(this.db);
    traceDeltas.apply(this.db);
    // A compaction step that read rows deleted here must not count them: it sees the epoch move.
    if (uncompacted > 0) this.bumpEpoch.run();
    // The next rowid is one past the largest left: past the watermark, or the new rows would pass as
    // compacted. A step that read rows under the old watermark must not write them back over new ones.
    if (this.lowerWatermark.run().changes > 0) this.bumpEpoch.run();
    return { counts, gone: rows.map((r) => ({ num: r[0], projectId: r[2], id: r[1] })) };
  }
}
