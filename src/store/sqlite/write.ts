// The SQLite write path's hot half: what must be done before a write is acknowledged, one group
// of batches in one transaction. Trace rows are found or made first (a span may come before its
// trace), then upserts merge part by part. A trace's rollups take the sums of its newly inserted
// spans; when one of its spans arrived in parts (an update) they are recomputed from its spans
// instead, so they hold in any arrival order. Then the session and user rollups take the touched
// traces' changes as deltas (rollups.ts), and the trace metrics rollup and the full-text index
// follow. A span row is stored with its JSON columns as JSON text (chunks.ts rawJson): the
// content-addressed chunks, their packs and the span metrics rollup are the compactor's
// (compactor.ts), after the acknowledgement, on another thread.
import type Database from 'better-sqlite3';
import type { ScoreUpsert, SpanUpsert, TraceUpsert } from '../../model/batch.js';
import type { DeleteCounts, TraceSelection, WriteItem } from '../store.js';
import { USAGE_KINDS } from '../../model/enums.js';
import { toJson, searchText } from '../shared/json.js';
import { LruMap, stringBytes } from '../lru.js';
import { SqliteRollups } from './rollups.js';
import { BlobReader } from './blobs.js';
import { rawJson } from './chunks.js';
import { MetricRollups } from './metric-rollups.js';
import { SqliteDeletes } from './delete.js';

const MiB = 1024 * 1024;
/** A Map entry's own cost beside its key and value (hash slot, pointers), roughly. */
const ENTRY_OVERHEAD = 64;

type Stmt = Database.Statement;

export class SqliteWritePath {
  private readonly findTrace: Stmt;
  private readonly insertTrace: Stmt;
  private readonly updateTrace: Stmt;
  private readonly insertTag: Stmt;
  private readonly insertSpan: Stmt;
  private readonly updateSpan: Stmt;
  private readonly readStored: Stmt;
  private readonly readWatermark: Stmt;
  private readonly bumpEpoch: Stmt;
  private readonly maxRowid: Stmt;
  private readonly moveRow: Stmt;
  private readonly upsertScore: Stmt;
  private readonly insertSpanId: Stmt;
  private readonly rollupSpans: Stmt;
  private readonly addSpans: Stmt;
  private readonly rollupTrace: Stmt;
  private readonly refreshTags: Stmt;
  private readonly rollupSearchable: Stmt;
  private readonly ftsDelete: Stmt;
  private readonly ftsInsert: Stmt;
  private readonly run: Database.Transaction<(items: WriteItem[]) => Map<string, number>>;
  /** The compaction watermark as this transaction read it (undefined: not yet), and whether it moved the epoch. */
  private watermark?: number;
  private epochMoved = false;
  /** The largest span rowid the transaction under way inserted (0: none). */
  private lastRowid = 0;
  /** Trace upserts applied in the transaction under way (num → parameters), for lastUpsert once it commits. */
  private readonly upserted = new Map<number, string>();
  private readonly rollups: SqliteRollups;
  /** project:traceId → traces.num for committed rows; a trace's num never changes. */
  private readonly traceNums = new LruMap<string, number>({ capacity: 200_000, maxBytes: 32 * MiB, weigh: (k) => stringBytes(k) + ENTRY_OVERHEAD });
  /**
   * traces.num → the parameters of the last trace upsert applied to it (committed). Applying the
   * same upsert again changes nothing (coalesce, an identical merge patch), and OTLP sends the
   * same one (resource metadata, user, session) with every batch that carries some of a trace's
   * spans: those are skipped. (Held per write path: with a second process writing the same file,
   * e.g. an import beside a running server, a repeat after the other's change would be skipped.)
   */
  private readonly lastUpsert = new LruMap<number, string>({ capacity: 50_000, maxBytes: 32 * MiB, weigh: (_k, v) => stringBytes(v) + ENTRY_OVERHEAD });
  /** Reads back stored attributes, for the rare span that arrives in parts. */
  private readonly reader: BlobReader;
  /** Span and trace metrics rollups (metric-rollups.ts): told of each trace and merged span, applied at the end of the group. */
  private readonly metricRollups: MetricRollups;
  private readonly deletes: SqliteDeletes;

  constructor(private readonly db: Database.Database) {
    this.findTrace = db.prepare('SELECT num FROM traces WHERE project_id = ? AND id = ?').pluck();
    this.insertTrace = db.prepare('INSERT INTO traces (project_id, id, start_time, created_at) VALUES (?, ?, ?, ?) RETURNING num').pluck();
    this.updateTrace = db.prepare(`UPDATE traces SET
      external_id = coalesce(@externalId, external_id),
      name = coalesce(@name, name),
      given_status = coalesce(@status, given_status),
      given_start = coalesce(@startTime, given_start),
      given_end = coalesce(@endTime, @durationUs + coalesce(@startTime, given_start, start_time), given_end),
      input = coalesce(@input, input),
      output = coalesce(@output, output),
      user_id = coalesce(@userId, user_id),
      session_id = coalesce(@sessionId, session_id),
      environment = coalesce(@environment, environment),
      release = coalesce(@release, release),
      metadata = CASE WHEN @metadata IS NULL THEN metadata ELSE json_patch(coalesce(metadata, '{}'), @metadata) END,
      test_id = coalesce(@testId, test_id)
      WHERE num = @num`);
    this.insertTag = db.prepare('INSERT OR IGNORE INTO trace_tags (trace_num, project_id, tag) VALUES (?, ?, ?)');
    this.refreshTags = db.prepare('UPDATE traces SET tags = (SELECT json_group_array(tag) FROM trace_tags WHERE trace_num = @num) WHERE num = @num');
    // A span is new far more often than not: insert, and only when the row exists already merge
    // part by part (an upsert never clears what an earlier part said).
    this.insertSpan = db.prepare(`INSERT INTO spans (${SPAN_ROW.join(', ')}) VALUES (${SPAN_ROW.map(() => '?').join(', ')})
      ON CONFLICT (trace_num, id) DO NOTHING`);
    this.updateSpan = db.prepare(`UPDATE spans SET ${SPAN_ROW.slice(3).map((c, i) => `${c} = ${spanMerge(c, `@${SPAN_PARAMS[i + 3]}`)}`).join(',\n        ')}
      WHERE trace_num = @traceNum AND id = @id`);
    this.readStored = db.prepare('SELECT rowid, attributes FROM spans WHERE trace_num = ? AND id = ?').raw();
    this.readWatermark = db.prepare('SELECT span_watermark FROM compaction WHERE id = 1').pluck();
    this.bumpEpoch = db.prepare('UPDATE compaction SET epoch = epoch + 1 WHERE id = 1');
    this.maxRowid = db.prepare('SELECT max(rowid) FROM spans').pluck();
    this.moveRow = db.prepare('UPDATE spans SET rowid = ? WHERE rowid = ?');
    this.upsertScore = db.prepare(`INSERT INTO scores (project_id, id, trace_num, span_id, name, value_type, num_value, str_value, comment, source, created_at)
      VALUES (@projectId, @id, @traceNum, @spanId, @name, @valueType, @numValue, @strValue, @comment, @source, @createdAt)
      ON CONFLICT (project_id, id) DO UPDATE SET trace_num = excluded.trace_num, span_id = excluded.span_id, name = excluded.name,
        value_type = excluded.value_type, num_value = excluded.num_value, str_value = excluded.str_value,
        comment = coalesce(excluded.comment, comment), source = excluded.source`);
    this.insertSpanId = db.prepare('INSERT OR IGNORE INTO span_ids (project_id, span_id, trace_num) VALUES (?, ?, ?)');
    this.addSpans = db.prepare(`UPDATE traces SET span_count = span_count + @n, error_count = error_count + @err,
        open_count = open_count + @open, input_tokens = input_tokens + @inTok, output_tokens = output_tokens + @outTok,
        total_tokens = total_tokens + @totTok, cost_usd = CASE WHEN @cost IS NULL THEN cost_usd ELSE coalesce(cost_usd, 0) + @cost END,
        span_start = CASE WHEN span_start IS NULL OR @min < span_start THEN @min ELSE span_start END,
        span_end = CASE WHEN span_end IS NULL OR @max > span_end THEN @max ELSE span_end END
      WHERE num = @num RETURNING name IS NULL`).pluck();
    this.rollupSpans = db.prepare(`UPDATE traces SET (span_count, error_count, open_count, input_tokens, output_tokens,
        total_tokens, cost_usd, span_start, span_end) = (
      SELECT count(*), coalesce(sum(status = 'error'), 0), coalesce(sum(end_time IS NULL), 0),
        coalesce(sum(CASE WHEN kind IN ('llm', 'embedding') THEN input_tokens END), 0),
        coalesce(sum(CASE WHEN kind IN ('llm', 'embedding') THEN output_tokens END), 0),
        coalesce(sum(CASE WHEN kind IN ('llm', 'embedding') THEN coalesce(total_tokens, coalesce(input_tokens, 0) + coalesce(output_tokens, 0)) END), 0),
        sum(CASE WHEN kind IN ('llm', 'embedding') THEN cost_usd END),
        min(start_time), max(coalesce(end_time, start_time))
      FROM spans WHERE trace_num = @num) WHERE num = @num RETURNING name IS NULL`).pluck();
    const rollupTrace = `UPDATE traces SET
        -- until the root span names it, a trace takes the name of its earliest span
        name = coalesce(name, (SELECT s.name FROM spans s WHERE s.trace_num = traces.num ORDER BY s.start_time LIMIT 1)),
        start_time = coalesce(min(given_start, span_start), given_start, span_start, created_at),
        end_time = CASE WHEN given_end IS NULL AND span_end IS NULL THEN NULL
          ELSE max(coalesce(given_end, span_end), coalesce(span_end, given_end)) END,
        status = CASE
          WHEN given_status = 'error' OR error_count > 0 THEN 'error'
          WHEN given_status IS NOT NULL THEN given_status
          WHEN open_count > 0 THEN 'pending'
          WHEN span_count = 0 AND given_end IS NULL THEN 'pending'
          ELSE 'success' END
      WHERE num = ?`;
    this.rollupTrace = db.prepare(rollupTrace);
    // The same for a trace whose name, input or output changed: what the full-text index takes.
    this.rollupSearchable = db.prepare(`${rollupTrace} RETURNING name, input, output`);
    this.ftsDelete = db.prepare('DELETE FROM trace_fts WHERE rowid = ?');
    this.ftsInsert = db.prepare('INSERT INTO trace_fts (rowid, name, input, output) VALUES (?, ?, ?, ?)');
    this.rollups = new SqliteRollups(db);
    this.metricRollups = new MetricRollups(db, SPAN_ROW);
    this.deletes = new SqliteDeletes(db, this.rollups);
    this.run = db.transaction((items: WriteItem[]) => {
      this.watermark = undefined;
      this.epochMoved = false;
      this.lastRowid = 0;
      return this.metricRollups.group(() => this.apply(items));
    });
    this.reader = new BlobReader(db);
  }

  /**
   * One step of incremental vacuum (docs/retention.md): moves up to `pages` free pages to the end
   * of the file and truncates them (at the next checkpoint, in WAL mode). A no-op on a database
   * whose auto_vacuum is not INCREMENTAL. Returns the free pages left.
   */
  reclaim(pages: number): number {
    this.db.pragma(`incremental_vacuum(${Math.max(1, Math.floor(pages))})`);
    return this.db.pragma('freelist_count', { simple: true }) as number;
  }

  /**
   * Writes the group in one transaction; throws (and rolls back everything) on failure. Returns the
   * largest span rowid it inserted (0: none), for the compactor to follow.
   */
  writeGroup(items: WriteItem[]): number {
    let made: Map<string, number>;
    try {
      // IMMEDIATE: take the write lock up front (a deferred transaction that read first could not
      // upgrade while another connection writes, and would fail at once instead of waiting).
      made = this.run.immediate(items);
    } catch (e) {
      this.upserted.clear();
      throw e;
    }
    for (const [key, num] of made) this.traceNums.set(key, num);
    for (const [num, text] of this.upserted) this.lastUpsert.set(num, text);
    this.upserted.clear();
    return this.lastRowid;
  }

  /**
   * Deletes a batch of traces (delete.ts) in its own transaction, then forgets them here: a trace
   * sent again after its delete must get a new row, and a new trace may be given a deleted one's
   * num (SQLite reuses the largest rowid), whose last upsert must not be taken for its own.
   */
  deleteTraces(projectId: number, select: TraceSelection, limit: number): DeleteCounts {
    const { counts, gone } = this.deletes.deleteTraces(projectId, select, limit);
    for (const t of gone) {
      this.traceNums.delete(`${t.projectId}:${t.id}`);
      this.lastUpsert.delete(t.num);
    }
    return counts;
  }

  private apply(items: WriteItem[]): Map<string, number> {
    const nums = new Map<string, number>();
    /** Touched traces → sums of their newly inserted spans (null: recompute from the spans). */
    const touched = new Map<number, SpanSums | null>();
    const searchable = new Set<number>();
    const tagged = new Set<number>();
    const scored: Array<[number, string]> = [];
    /** Traces this transaction inserted: the trace metrics rollup needs no read of their old rows. */
    const fresh = new Set<number>();

    const numFor = (projectId: number, traceId: string, startTime: number | undefined, receivedAt: number): number => {
      const key = `${projectId}:${traceId}`;
      let num = nums.get(key) ?? this.traceNums.get(key);
      if (num === undefined) {
        num = this.findTrace.get(projectId, traceId) as number | undefined;
        if (num === undefined) {
          num = this.insertTrace.get(projectId, traceId, startTime ?? receivedAt, receivedAt) as number;
          fresh.add(num);
        }
      }
      if (!nums.has(key)) this.metricRollups.trace(num, fresh.has(num));
      nums.set(key, num);
      return num;
    };

    for (const { projectId, batch, receivedAt } of items) {
      for (const t of batch.traces) {
        const num = numFor(projectId, t.id, t.startTime, receivedAt);
        const params = traceParams(num, t);
        // A duration without an end counts from the trace's start, which may have moved since: always applied.
        const text = t.durationMs === undefined ? JSON.stringify(params) : undefined;
        if (text === undefined || (this.upserted.get(num) ?? this.lastUpsert.get(num)) !== text) {
          this.updateTrace.run(params);
          if (text !== undefined) this.upserted.set(num, text);
        }
        if (!touched.has(num)) touched.set(num, emptySums(num));
        if (t.name !== undefined || t.input !== undefined || t.output !== undefined) searchable.add(num);
        if (t.tags?.length) {
          for (const tag of t.tags) this.insertTag.run(num, projectId, tag);
          tagged.add(num);
        }
      }
      for (const s of batch.spans) {
        const num = numFor(projectId, s.traceId, s.startTime, receivedAt);
        const inserted = this.writeSpan(num, projectId, receivedAt, s);
        if (batch.indexSpanIds) this.insertSpanId.run(projectId, s.id, num);
        let sums = touched.get(num);
        if (sums === undefined) touched.set(num, (sums = emptySums(num)));
        if (!inserted) touched.set(num, null);
        else if (sums !== null) addSpan(sums, s, receivedAt);
      }
      for (const sc of batch.scores) {
        const num = numFor(projectId, sc.traceId, sc.createdAt, receivedAt);
        this.upsertScore.run(scoreParams(num, projectId, sc));
        scored.push([projectId, sc.id]);
      }
    }
    for (const num of tagged) this.refreshTags.run({ num });
    for (const [num, sums] of touched) {
      // A nameless trace may take its name from a span in the rollup: index that name for q.
      const nameless = (sums === null ? this.rollupSpans.get({ num }) : this.addSpans.get(sums)) === 1;
      if (!nameless && !searchable.has(num)) {
        this.rollupTrace.run(num);
        continue;
      }
      const row = this.rollupSearchable.get(num) as { name: string | null; input: string | null; output: string | null };
      this.ftsDelete.run(num);
      this.ftsInsert.run(num, row.name ?? '', searchText(row.input), searchText(row.output));
    }
    // sessions and users follow their traces (and scores their trace's user), in the same transaction
    this.rollups.applyScores(scored, this.rollups.applyTraces(touched.keys()));
    return nums;
  }

  /** Inserts the span, or merges it into the stored one; true when it was new. */
  private writeSpan(num: number, projectId: number, receivedAt: number, s: SpanUpsert): boolean {
    const row = spanRow(num, projectId, receivedAt, s);
    const res = this.insertSpan.run(row);
    if (res.changes === 1) {
      this.lastRowid = Math.max(this.lastRowid, Number(res.lastInsertRowid));
      return true;
    }
    // A later part of a span already stored: given fields win, attributes merge key by key
    // (RFC 7386, as json_patch), and the start is the stored one unless this part gives one.
    const p: Record<string, unknown> = {};
    for (let i = 0; i < SPAN_PARAMS.length; i++) p[SPAN_PARAMS[i]] = row[i];
    p.startTime = s.startTime ?? null;
    const [rowid, old] = this.readStored.get(num, s.id) as [number, string | Uint8Array | null];
    if (p.attributes !== null && old !== null) p.attributes = rawJson(mergePatch(this.reader.json(old, {}), s.attributes));
    if (rowid <= (this.watermark ??= this.readWatermark.get() as number)) {
      // A compacted row leaves the span metrics rollup and moves past the watermark: the compactor
      // counts and encodes it again as it is now.
      this.metricRollups.spanUncounted(num, s.id);
      this.updateSpan.run(p);
      const moved = (this.maxRowid.get() as number) + 1;
      this.moveRow.run(moved, rowid);
      this.lastRowid = Math.max(this.lastRowid, moved);
      return false;
    }
    // Past the watermark: a compaction step that read the row before this merge must not store it.
    if (!this.epochMoved) {
      this.bumpEpoch.run();
      this.epochMoved = true;
    }
    this.updateSpan.run(p);
    return false;
  }
}

/** What a trace's newly inserted spans add to its rollups (as rollupSpans would count them). */
interface SpanSums {
  num: number;
  n: number;
  err: number;
  open: number;
  inTok: number;
  outTok: number;
  totTok: number;
  cost: number | null;
  min: number | null;
  max: number | null;
}

const emptySums = (num: number): SpanSums => ({ num, n: 0, err: 0, open: 0, inTok: 0, outTok: 0, totTok: 0, cost: null, min: null, max: null });
const USAGE = new Set<string>(USAGE_KINDS);

function addSpan(t: SpanSums, s: SpanUpsert, receivedAt: number): void {
  const start = s.startTime ?? receivedAt;
  const end = s.endTime ?? start;
  t.n++;
  if (s.status === 'error') t.err++;
  if (s.endTime === undefined) t.open++;
  if (s.kind !== undefined && USAGE.has(s.kind)) {
    const u = s.usage;
    t.inTok += u?.inputTokens ?? 0;
    t.outTok += u?.outputTokens ?? 0;
    t.totTok += u?.totalTokens ?? (u?.inputTokens ?? 0) + (u?.outputTokens ?? 0);
    if (s.costUsd !== undefined) t.cost = (t.cost ?? 0) + s.costUsd;
  }
  if (t.min === null || start < t.min) t.min = start;
  if (t.max === null || end > t.max) t.max = end;
}

/** RFC 7386 merge patch, as SQLite's json_patch: null removes a key, objects merge, the rest replaces. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const k in patch as Record<string, unknown>) {
    const v = (patch as Record<string, unknown>)[k];
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function traceParams(num: number, t: TraceUpsert) {
  return {
    num,
    externalId: t.externalId ?? null,
    name: t.name ?? null,
    status: t.status ?? null,
    startTime: t.startTime ?? null,
    endTime: t.endTime ?? null,
    durationUs: t.durationMs === undefined ? null : Math.round(t.durationMs * 1000),
    input: toJson(t.input),
    output: toJson(t.output),
    userId: t.userId ?? null,
    sessionId: t.sessionId ?? null,
    environment: t.environment ?? null,
    release: t.release ?? null,
    metadata: t.metadata && Object.keys(t.metadata).length ? JSON.stringify(t.metadata) : null,
    testId: t.testId ?? null,
  };
}

/** The spans columns a new row is inserted with, in the order spanRow() gives their values. */
const SPAN_ROW = ['trace_num', 'id', 'project_id', 'parent_id', 'kind', 'name', 'status', 'error', 'start_time', 'end_time', 'input', 'output',
  'model', 'provider', 'params', 'input_tokens', 'output_tokens', 'total_tokens', 'cache_read_tokens', 'cache_write_tokens', 'reasoning_tokens',
  'cost_usd', 'metadata', 'attributes', 'events', 'links'] as const;
/** The same values by name, for the UPDATE of a span that arrives in parts. */
const SPAN_PARAMS = SPAN_ROW.map((c) => c.replace(/_([a-z])/g, (_, x: string) => x.toUpperCase()));

/**
 * How a later part of a span merges into a stored column: what it gives wins, an error status
 * stays, maps merge key by key (attributes arrive merged already, see writeSpan).
 */
function spanMerge(column: (typeof SPAN_ROW)[number], param: string): string {
  if (column === 'status') return `CASE WHEN status = 'error' THEN status ELSE coalesce(${param}, status) END`;
  if (column === 'params' || column === 'metadata') return `CASE WHEN ${param} IS NULL THEN ${column} ELSE json_patch(coalesce(${column}, '{}'), ${param}) END`;
  return `coalesce(${param}, ${column})`;
}

function hasKeys(o: Record<string, unknown> | undefined): o is Record<string, unknown> {
  for (const _ in o) return true;
  return false;
}

/** A span's column values in SPAN_ROW order (positional binding: cheaper than by name). */
function spanRow(traceNum: number, projectId: number, receivedAt: number, s: SpanUpsert): unknown[] {
  const u = s.usage;
  return [
    traceNum, s.id, projectId, s.parentId ?? null, s.kind ?? null, s.name ?? null,
    s.status === 'unset' ? null : s.status ?? null, s.error ?? null, s.startTime ?? receivedAt, s.endTime ?? null,
    rawJson(s.input), rawJson(s.output), s.model ?? null, s.provider ?? null,
    hasKeys(s.params) ? JSON.stringify(s.params) : null,
    u?.inputTokens ?? null, u?.outputTokens ?? null, u?.totalTokens ?? null, u?.cacheReadTokens ?? null, u?.cacheWriteTokens ?? null, u?.reasoningTokens ?? null,
    s.costUsd ?? null, hasKeys(s.metadata) ? JSON.stringify(s.metadata) : null,
    hasKeys(s.attributes) ? rawJson(s.attributes) : null,
    s.events?.length ? rawJson(s.events) : null,
    s.links?.length ? JSON.stringify(s.links) : null,
  ];
}

function scoreParams(traceNum: number, projectId: number, s: ScoreUpsert) {
  const v = s.value;
  return {
    projectId,
    id: s.id,
    traceNum,
    spanId: s.spanId ?? null,
    name: s.name,
    valueType: typeof v === 'number' ? 'number' : typeof v === 'boolean' ? 'boolean' : 'string',
    numValue: typeof v === 'number' ? v : typeof v === 'boolean' ? (v ? 1 : 0) : null,
    strValue: typeof v === 'string' ? v : null,
    comment: s.comment ?? null,
    source: s.source,
    createdAt: s.createdAt,
  };
}
