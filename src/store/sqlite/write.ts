// The SQLite write path's hot half: what must be done before a write is acknowledged, one group
// of batches in one transaction. Trace rows are found or made first (a span may come before its
// trace), then upserts merge part by part. A trace's rollups take the sums of its newly inserted
// spans; when one of its spans arrived in parts (an update) they are recomputed from its spans
// instead, so they hold in any arrival order. Then the session and user rollups take the touched
// traces' changes as deltas (rollups.ts), and the trace metrics rollup and the full-text index
// follow. A span row is stored with its JSON columns as JSON text (chunks.ts rawJson): the
// content-addressed chunks, their packs and the span metrics rollup are the compactor's
// (compactor.ts), after the acknowledgement, on another thread.
// What takes part in the transaction besides its statements (this path's caches, the rollups)
// follows one protocol (participant.ts), called from one ordered list. The span columns, the
// insert's row and the merge's rules come from the spans column table (shared/span-columns.ts).
import type Database from 'better-sqlite3';
import type { ScoreUpsert, SpanUpsert, TraceUpsert } from '../../model/batch.js';
import type { DeleteCounts, TraceSelection, WriteItem } from '../store.js';
import { USAGE_KINDS } from '../../model/enums.js';
import { toJson, searchText } from '../shared/json.js';
import { LruMap, stringBytes } from '../lru.js';
import { SessionUserRollups, SqliteRollups } from './rollups.js';
import { BlobReader } from './blobs.js';
import { rawJson } from './chunks.js';
import { SpanMetricRollup } from './span-metric-rollup.js';
import { TraceMetricRollup } from './trace-metric-rollup.js';
import { Participants, type TxParticipant } from './participant.js';
import { MERGED_SPAN_COLUMNS, WRITTEN_SPAN_COLUMNS, WRITTEN_SPAN_COLUMN_NAMES, paramName, sourceExpr, type SpanColumnSpec, type SpanSource } from '../shared/span-columns.js';
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
  private readonly run: Database.Transaction<(items: WriteItem[]) => void>;
  /** The compaction watermark as this transaction read it (undefined: not yet), and whether it moved the epoch. */
  private watermark?: number;
  private epochMoved = false;
  /** The largest span rowid the transaction under way inserted (0: none). */
  private lastRowid = 0;
  /** Trace upserts applied in the transaction under way (num → parameters), for lastUpsert once it commits. */
  private readonly upserted = new Map<number, string>();
  /** project:traceId → traces.num the transaction under way resolved, for traceNums once it commits. */
  private readonly nums = new Map<string, number>();
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
  /** Session and user rollups: given the touched traces and written scores, applied at the end of the group. */
  private readonly sessionUserRollups: SessionUserRollups;
  /** The span metrics rollup: told of each compacted span a merge takes out of it. */
  private readonly spanMetrics: SpanMetricRollup;
  /** The trace metrics rollup: told of each trace before the transaction changes it. */
  private readonly traceMetrics: TraceMetricRollup;
  /**
   * Everything that takes part in a write transaction (participant.ts), in the order they write
   * at its end: this write path's own state first, then the session and user rollups (which read
   * the trace rollups apply() left), the span metrics, and the trace metrics last (they read each
   * touched trace as the transaction leaves it).
   */
  private readonly participants: Participants;
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
    this.updateSpan = db.prepare(`UPDATE spans SET ${MERGED_SPAN_COLUMNS.map((c) => `${c.name} = ${spanMerge(c, `@${paramName(c.name)}`)}`).join(',\n        ')}
      WHERE trace_num = @traceNum AND id = @id`);
    this.readStored = db.prepare(`SELECT rowid, ${PATCHED_BODIES.map((c) => c.name).join(', ')} FROM spans WHERE trace_num = ? AND id = ?`).raw();
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
    this.sessionUserRollups = new SessionUserRollups(this.rollups);
    this.spanMetrics = new SpanMetricRollup(db);
    this.traceMetrics = new TraceMetricRollup(db);
    this.participants = new Participants([this.own, this.sessionUserRollups, this.spanMetrics, this.traceMetrics]);
    this.deletes = new SqliteDeletes(db, this.rollups);
    this.run = db.transaction((items: WriteItem[]) => {
      this.participants.begin();
      this.apply(items);
      this.participants.beforeCommit();
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
    try {
      // IMMEDIATE: take the write lock up front (a deferred transaction that read first could not
      // upgrade while another connection writes, and would fail at once instead of waiting).
      this.run.immediate(items);
    } catch (e) {
      this.participants.rolledBack();
      throw e;
    }
    this.participants.committed();
    return this.lastRowid;
  }

  /** This write path's own part in its transactions: the per-transaction state, and the caches a commit feeds. */
  private readonly own: TxParticipant = {
    begin: () => {
      this.watermark = undefined;
      this.epochMoved = false;
      this.lastRowid = 0;
      this.nums.clear();
      this.upserted.clear();
    },
    beforeCommit: () => {},
    committed: () => {
      for (const [key, num] of this.nums) this.traceNums.set(key, num);
      for (const [num, text] of this.upserted) this.lastUpsert.set(num, text);
      this.nums.clear();
      this.upserted.clear();
    },
    rolledBack: () => {
      this.nums.clear();
      this.upserted.clear();
    },
  };

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

  private apply(items: WriteItem[]): void {
    const nums = this.nums;
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
      if (!nums.has(key)) this.traceMetrics.trace(num, fresh.has(num));
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
    this.sessionUserRollups.changed(touched.keys(), scored);
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
    const p = mergeParams(row, s);
    const stored = this.readStored.get(num, s.id) as unknown[];
    const rowid = stored[0] as number;
    for (let i = 0; i < PATCHED_BODIES.length; i++) {
      const { param, field } = PATCHED_BODIES[i];
      const old = stored[i + 1] as string | Uint8Array | null;
      if (p[param] !== null && old !== null) p[param] = rawJson(mergePatch(this.reader.json(old, {}), s[field]));
    }
    if (rowid <= (this.watermark ??= this.readWatermark.get() as number)) {
      // A compacted row leaves the span metrics rollup and moves past the watermark: the compactor
      // counts and encodes it again as it is now.
      this.spanMetrics.removing(num, s.id);
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
const SPAN_ROW = WRITTEN_SPAN_COLUMN_NAMES;
/** The same values by name, for the UPDATE of a span that arrives in parts. */
const SPAN_PARAMS = WRITTEN_SPAN_COLUMNS.map((c) => paramName(c.name));

/**
 * How a later part of a span merges into a stored column (span-columns.ts): what it gives wins, an
 * error status stays, maps merge key by key (body columns arrive merged already, see writeSpan).
 */
function spanMerge(c: SpanColumnSpec, param: string): string {
  const column = c.name;
  if (c.merge === 'errorSticks') return `CASE WHEN ${column} = 'error' THEN ${column} ELSE coalesce(${param}, ${column}) END`;
  if (c.merge === 'patch' && !c.body) return `CASE WHEN ${param} IS NULL THEN ${column} ELSE json_patch(coalesce(${column}, '{}'), ${param}) END`;
  return `coalesce(${param}, ${column})`;
}

/** The body columns a merge patches: merged in JS, their stored values read back (writeSpan). */
const PATCHED_BODIES = WRITTEN_SPAN_COLUMNS.filter((c) => c.merge === 'patch' && c.body)
  .map((c) => ({ name: c.name, param: paramName(c.name), field: c.from as keyof SpanUpsert }));

function hasKeys(o: Record<string, unknown> | undefined): o is Record<string, unknown> {
  for (const _ in o) return true;
  return false;
}

/** A JS expression for a column's stored value (SQLite), from the write's values (sourceExpr). */
function sqliteValue(c: SpanColumnSpec & { from: SpanSource }, received: boolean): string {
  const v = sourceExpr(c.from);
  const text = c.body ? 'rawJson' : 'JSON.stringify';
  switch (c.as ?? 'value') {
    case 'status':
      return `${v} === 'unset' ? null : ${v} ?? null`;
    case 'json':
      return c.body ? `rawJson(${v})` : `${v} === undefined ? null : JSON.stringify(${v})`;
    case 'map':
      return `hasKeys(${v}) ? ${text}(${v}) : null`;
    case 'list':
      return `${v}?.length ? ${text}(${v}) : null`;
    default:
      return c.merge === 'key' ? v : `${v} ?? ${c.orReceivedAt && received ? 'receivedAt' : 'null'}`;
  }
}

/**
 * A span's column values in SPAN_ROW order (positional binding: cheaper than by name). Generated
 * from the column table as one array literal, the same code as written out by hand.
 */
const spanRow = new Function('rawJson', 'hasKeys', `return function spanRow(traceNum, projectId, receivedAt, s) {
  const u = s.usage;
  return [${WRITTEN_SPAN_COLUMNS.map((c) => sqliteValue(c, true)).join(', ')}];
};`)(rawJson, hasKeys) as (traceNum: number, projectId: number, receivedAt: number, s: SpanUpsert) => unknown[];

/**
 * The merge UPDATE's parameters from a span's insert row: the same values by name, but a column
 * that a new row fills in when not given (start_time) is only what this part gives.
 */
const mergeParams = new Function('row', 's', `const u = s.usage;
  return { ${WRITTEN_SPAN_COLUMNS.map((c, i) => `${SPAN_PARAMS[i]}: ${c.orReceivedAt ? sqliteValue(c, false) : `row[${i}]`}`).join(', ')} };`) as
  (row: unknown[], s: SpanUpsert) => Record<string, unknown>;

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
