// The embedded SQLite backend (better-sqlite3): WAL, versioned migrations, one write path.
// Trace and span reads run on a worker thread with its own read-only connection (reads.ts,
// read-worker.ts) so a heavy read never blocks the event loop that acknowledges writes.
import Database from 'better-sqlite3';
import { dirname } from 'node:path';
import type { Scope } from '../../model/enums.js';
import { isoFromMicros } from '../../model/time.js';
import type { Page, PageRequest, ScoreFilter, SessionFilter, SpanFilter, TraceFilter, TraceInclude, UserFilter } from '../../query/filter.js';
import type { Session, SessionDetail, User } from '../../model/rollups.js';
import type { Score, Span, Trace } from '../../model/schemas.js';
import type { ApiKeyInfo, ApiKeyRecord, DeleteCounts, GarbageCounts, Project, RevokeResult, Store, TraceDetail, TraceFacets, TraceSelection, WriteItem } from '../store.js';
import { SQLITE_MIGRATIONS } from './migrations.js';
import { listApiKeys, revokeApiKey, touchApiKey } from './api-keys.js';
import { SqliteWritePath } from './write.js';
import { Compactor, CompactorLoop, WriteTurn, readCompactionState, type CompactionEvent } from './compactor.js';
import { Compaction, type CallCompactor, type CompactionStatus, type CompactorOps } from './compaction.js';
import type { MetricsQuery, MetricsRow } from '../../query/metrics.js';
import type { ExportRecord } from '../../model/export.js';
import type { ModelPrice } from '../../cost/types.js';
import { deletePrices, listPrices, putPrices } from './analytics.js';
import { SqliteReads, type ReadOps, type ReadOptions } from './reads.js';
import { DbThread } from './db-thread.js';
import { registerBlobFunctions } from './blobs.js';
import { DEFAULT_ROLLUP_THRESHOLD } from './metric-rollup-reads.js';
import { PACK_CHARS } from './chunk-packs.js';
import { acquireWriterLock, type WriterLock } from './lock.js';
import { createPrivateFile, ensurePrivateDir, stderrNotice, tightenFile, type Notice } from '../private-files.js';

export { sqliteDialect } from './reads.js';

export interface SqliteOptions {
  /** `synchronous` pragma: FULL (default) fsyncs every commit; NORMAL survives process crashes only. */
  synchronous?: 'FULL' | 'NORMAL';
  /** Serve list and detail reads from a worker thread (default: yes for a file, unless LOUPE_READ_WORKER=0). */
  readWorker?: boolean;
  /**
   * Most span rows written and not yet compacted (compactor.ts) before writes are refused with 503
   * and Retry-After until the compactor catches up: default 20,000 (a few seconds of its work: what a span-level metrics read may wait), or LOUPE_MAX_COMPACTION_BACKLOG.
   */
  maxCompactionBacklog?: number;
  /**
   * Metrics over windows with more spans (or traces, at trace level) than this are answered from
   * the metrics rollups when they can be (percentiles within 1%, docs/metrics.md); smaller windows
   * run the exact statement. Default 20,000, or LOUPE_METRICS_ROLLUP_THRESHOLD. 0 sends every query
   * a rollup can answer to it; Infinity none.
   */
  metricsRollupThreshold?: number;
  /**
   * A trace list filtered by duration counts its matches in the duration index up to this many
   * (default 10,000) to choose its plan: below, it sorts the matches; at it, it walks start-time
   * order (SqliteReads.durationListSql).
   */
  durationProbeLimit?: number;
  /**
   * Characters of new chunks compressed together into a pack (chunk-packs.ts): default 128K, or
   * LOUPE_CHUNK_PACK_CHARS; 0 never packs (chunks stay rows: ~5% less CPU per LLM span, ~1.6x the bytes).
   */
  chunkPackChars?: number;
  /** WAL pages past which the compactor's checkpoint is FULL, so that the WAL starts over (default 4096: 16 MB). */
  walRestartFrames?: number;
  /**
   * Take the file's writer lock (lock.ts) before opening it, and throw DatabaseInUseError when
   * another process (or another store in this one) holds it. Taken by whoever writes traces to a
   * file it does not share: `loupe serve`, `loupe import` (openStore). Default off, for tests and
   * tools that open several stores on one file on purpose.
   */
  lock?: boolean;
  /** Where notices go (a file's permissions tightened); default stderr. */
  notice?: Notice;
}

/** Free pages one incremental vacuum step gives back (4 MiB of 4 KiB pages): a few ms of the write lock. */
const RECLAIM_PAGES = 1024;
/** Steps per reclaimSpace call (4 GiB): the rest waits for the next purge pass. */
const MAX_RECLAIM_STEPS = 1024;
/** Write-lock time of one slice of a chunk collection. */
const GC_SLICE_MS = 20;
/** At most one checkpoint asked for by a write that the compactor does not follow, per this many ms. */
const CHECKPOINT_MS = 200;
/** Span rows behind the compactor before writes are refused (SqliteOptions.maxCompactionBacklog). */
const DEFAULT_MAX_BACKLOG = 20_000;

export class SqliteStore implements Store {
  readonly dialect = 'sqlite' as const;
  private readonly db: Database.Database;
  private writePath?: SqliteWritePath;
  /** projectId → settings; this process is the only writer of SQLite, so updates invalidate here. */
  private readonly settings = new Map<number, Record<string, unknown>>();
  /** Reads on this connection: for in-memory databases, or when the worker is off. */
  private reads!: SqliteReads;
  private readPool?: DbThread<ReadOps>;
  /** The compactor's thread (a file), or the compactor on this connection (in memory). */
  private compactThread?: DbThread<CompactorOps>;
  private compaction?: Compaction;
  /** Raised while the compactor's thread wants the write lock: writes wait for it (compactor.ts). */
  private turn?: WriteTurn;
  /** The compactor's loop on this thread, for an in-memory database. */
  private localLoop?: CompactorLoop;
  private checkpointing = false;
  private lastCheckpoint = 0;
  /** The read-only connection loupe_span_json reads blob bodies through. */
  private blobSide?: Database.Database;
  private lock?: WriterLock;
  /** Spans deleted since the last chunk collection began (collectGarbage). */
  private spansDeletedSinceGc = 0;
  constructor(readonly file: string, private readonly opts: SqliteOptions = {}) {
    if (file !== ':memory:') this.prepareFiles();
    try {
      this.db = new Database(file);
    } catch (e) {
      this.lock?.release();
      throw e;
    }
    // A new database frees the space of deleted rows incrementally (reclaimSpace). Only possible
    // before its first table, and before WAL mode writes the header; an existing database keeps
    // its mode (changing it needs a full VACUUM: docs/retention.md), and reuses freed pages.
    if (this.db.pragma('page_count', { simple: true }) === 0) this.db.pragma('auto_vacuum = INCREMENTAL');
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${opts.synchronous ?? 'FULL'}`);
    this.db.pragma('busy_timeout = 10000');
    // 32 MB: writes touch the tail pages of each table and index plus the trace-id index. Against
    // 64 MB it cost the same CPU per span under OTLP load and peaked 35-50 MiB lower (2026-12-01).
    this.db.pragma('cache_size = -32768');
    this.db.pragma('temp_store = MEMORY');
  }

  /**
   * Before the first connection: the directory (0700 when made here), the writer lock, and the
   * database file made 0600 so that SQLite gives its WAL and shared-memory files the same mode
   * (it copies the database file's); files left wider by an earlier version are tightened.
   */
  private prepareFiles(): void {
    const notice = this.opts.notice ?? stderrNotice;
    ensurePrivateDir(dirname(this.file));
    if (this.opts.lock) this.lock = acquireWriterLock(this.file, notice);
    if (!createPrivateFile(this.file)) for (const f of [this.file, `${this.file}-wal`, `${this.file}-shm`]) tightenFile(f, notice);
  }

  async init(): Promise<void> {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
    const applied = new Set(this.db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[]);
    for (const m of SQLITE_MIGRATIONS) {
      if (applied.has(m.version)) continue;
      this.db.transaction(() => {
        this.db.exec(m.sql);
        m.run?.(this.db);
        this.db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, Date.now() * 1000);
      }).immediate();
    }
    this.blobSide = registerBlobFunctions(this.db, this.file);
    const metricsRollupThreshold = this.opts.metricsRollupThreshold ?? envNumber('LOUPE_METRICS_ROLLUP_THRESHOLD') ?? DEFAULT_ROLLUP_THRESHOLD;
    const readOptions: ReadOptions = { metricsRollupThreshold, durationProbeLimit: this.opts.durationProbeLimit };
    this.reads = new SqliteReads(this.db, readOptions);
    const onFile = this.file !== ':memory:';
    if (onFile && (this.opts.readWorker ?? process.env.LOUPE_READ_WORKER !== '0')) this.readPool = new DbThread<ReadOps>('read-worker', { file: this.file, options: readOptions });
    // The compactor's thread checkpoints the WAL (compactor.ts): never this connection, inside a commit.
    if (onFile) this.db.pragma('wal_autocheckpoint = 0');
    // A backlog left by the last run (a crash, a stop) is taken up where its watermark stands, by
    // the process that writes the file (a reader would only race it; one that waits compacts then).
    if (this.opts.lock && this.lastRowid() > readCompactionState(this.db).watermark) this.compactor().committed(this.lastRowid());
  }

  /** Made on the first write, so that commands which only read or manage keys start no threads. */
  private writer(): SqliteWritePath {
    return (this.writePath ??= new SqliteWritePath(this.db));
  }

  /** Made when first needed: a write, a read that waits for it, a backlog found at start. */
  private compactor(): Compaction {
    if (this.compaction) return this.compaction;
    const options = { chunkPackChars: this.packChars(), walRestartFrames: this.opts.walRestartFrames };
    const onEvent = (e: unknown) => this.compaction?.onEvent(e as CompactionEvent);
    let call: CallCompactor;
    if (this.file === ':memory:') {
      const local = new Compactor(this.db, options);
      const loop = (this.localLoop = new CompactorLoop(local, onEvent, () => null));
      const ops: CompactorOps = { kick: (seq) => loop.kick(seq), collectChunks: (ms) => local.collectChunks(ms), checkpoint: () => undefined };
      call = (op, ...args) => Promise.resolve((ops[op] as (...a: typeof args) => ReturnType<CompactorOps[typeof op]>)(...args));
    } else {
      this.turn = new WriteTurn();
      const thread = (this.compactThread = new DbThread<CompactorOps>('compact-worker', { file: this.file, synchronous: this.opts.synchronous ?? 'FULL', ...options, turn: this.turn.buffer }, onEvent));
      // a compactor that died holding its turn at the write lock must not leave the hot path waiting for it
      const turn = this.turn;
      thread.onFail = () => turn.lower();
      call = (op, ...args) => thread.call(op, ...args) as Promise<ReturnType<CompactorOps[typeof op]>>;
    }
    this.compaction = new Compaction(call, readCompactionState(this.db).watermark, (e) => console.error('loupe:', (e as Error).message), (on) => this.compactThread?.hold(on));
    return this.compaction;
  }

  private maxRowid?: Database.Statement;
  /** The largest span rowid stored (by any connection). */
  private lastRowid(): number {
    return (this.maxRowid ??= this.db.prepare('SELECT coalesce(max(rowid), 0) FROM spans').pluck()).get() as number;
  }

  /**
   * Waits until every span row stored now is compacted: for reads of what the compactor makes
   * (the span metrics rollup), and tests. Immediate when nothing is behind.
   */
  async compacted(): Promise<void> {
    const target = this.lastRowid();
    if (target <= readCompactionState(this.db).watermark) return;
    await this.compactor().caughtUp(target);
  }

  /** How far the compactor is behind this process's writes (null: nothing written yet). */
  compactionStatus(): CompactionStatus | null {
    return this.compaction?.status() ?? null;
  }

  private packChars(): number {
    const chars = this.opts.chunkPackChars ?? envNumber('LOUPE_CHUNK_PACK_CHARS') ?? PACK_CHARS;
    return chars > 0 ? chars : Infinity;
  }

  async close(): Promise<void> {
    try {
      await this.readPool?.close();
      this.readPool = undefined;
      // The writer has drained before the store closes (server close order), so nothing is in
      // flight; the compactor finishes its step, and the next start resumes from the watermark.
      this.compaction?.close();
      this.compaction = undefined;
      this.localLoop?.close();
      await this.compactThread?.close();
      this.compactThread = undefined;
      this.blobSide?.close();
      if (this.db.open) this.db.close();
    } finally {
      // Last, and even when a thread failed to stop: the next writer may open the file only once
      // this one has let go of it, and a store that cannot close writes no more.
      this.lock?.release();
      this.lock = undefined;
    }
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async writeGroup(items: WriteItem[]): Promise<void> {
    if (!this.reads) throw new Error('store not initialised');
    await this.turn?.yielded();
    const rowid = this.writer().writeGroup(items);
    // the compactor checkpoints after the step that follows these rows; other writes ask for one
    if (rowid > 0) this.compactor().committed(rowid);
    else this.checkpointSoon();
  }

  /** Refuses writes while the compactor is more than maxCompactionBacklog span rows behind. */
  admit(): { retryAfter: number; reason: string } | null {
    const status = this.compaction?.status();
    const max = this.opts.maxCompactionBacklog ?? envNumber('LOUPE_MAX_COMPACTION_BACKLOG') ?? DEFAULT_MAX_BACKLOG;
    if (!status || status.backlogSpans <= max) return null;
    this.compaction?.refused();
    return {
      retryAfter: Math.min(30, Math.max(1, Math.ceil(status.behindSeconds / 2))),
      reason: `compaction is ${status.backlogSpans} spans (${status.behindSeconds.toFixed(1)} s) behind; retry later`,
    };
  }

  /** Through the write path (delete.ts), like a write group: its caches must forget the traces. */
  async deleteTraces(projectId: number, select: TraceSelection, limit: number): Promise<DeleteCounts> {
    if (!this.reads) throw new Error('store not initialised');
    const counts = this.writer().deleteTraces(projectId, select, limit);
    if (counts.spans > 0) this.compaction?.lowered(readCompactionState(this.db).watermark, this.lastRowid());
    this.spansDeletedSinceGc += counts.spans;
    this.checkpointSoon();
    return counts;
  }

  /**
   * A chunk collection (chunk-gc.ts) when spans were deleted since the last one began: slices of
   * GC_SLICE_MS on the write connection, yielding between them so write groups go in between.
   */
  async collectGarbage(): Promise<GarbageCounts | undefined> {
    if (!this.reads) throw new Error('store not initialised');
    if (this.spansDeletedSinceGc === 0) return undefined;
    this.spansDeletedSinceGc = 0;
    for (;;) {
      const progress = await this.compactor().collectChunks(GC_SLICE_MS);
      if (progress.done || progress.phase === 'sweep') this.checkpointSoon();
      if (progress.done) return progress.counts;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /**
   * Incremental vacuum, RECLAIM_PAGES pages (4 MiB at the default page size) per step on the
   * write connection, yielding between steps so writes interleave; the checkpoint that follows
   * shrinks the file. Nothing to do on a database made before auto_vacuum = INCREMENTAL was set.
   */
  async reclaimSpace(): Promise<void> {
    if (this.db.pragma('auto_vacuum', { simple: true }) !== 2) return;
    for (let step = 0; step < MAX_RECLAIM_STEPS; step++) {
      const left = this.writer().reclaim(RECLAIM_PAGES);
      this.checkpointSoon();
      if (left === 0) return;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  async listProjects(): Promise<Project[]> {
    const rows = this.db.prepare('SELECT * FROM projects ORDER BY id').all() as Array<{ id: number; name: string; created_at: number; settings: string }>;
    return rows.map((row) => ({ id: row.id, name: row.name, createdAt: isoFromMicros(row.created_at), settings: JSON.parse(row.settings) as Record<string, unknown> }));
  }

  /**
   * A checkpoint on the compactor's thread, for writes no compaction step follows (deletes, the
   * incremental vacuum, trace-only groups): at most one in flight, and one per CHECKPOINT_MS.
   */
  private checkpointSoon(): void {
    if (this.file === ':memory:') return;
    const now = Date.now();
    if (this.checkpointing || now - this.lastCheckpoint < CHECKPOINT_MS) return;
    this.checkpointing = true;
    this.lastCheckpoint = now;
    this.compactor().checkpoint().catch(() => undefined).finally(() => {
      this.checkpointing = false;
    });
  }

  async listTraces(projectId: number, filter: TraceFilter, page: PageRequest): Promise<Page<Trace>> {
    return this.readPool ? this.readPool.call('listTraces', projectId, filter, page) : this.reads.listTraces(projectId, filter, page);
  }

  async getTrace(projectId: number, traceId: string): Promise<TraceDetail | null> {
    return this.readPool ? this.readPool.call('getTrace', projectId, traceId) : this.reads.getTrace(projectId, traceId);
  }

  /** Serialized on the worker: a 5,000-span trace costs the event loop one string copy. */
  async getTraceJson(projectId: number, traceId: string): Promise<string | null> {
    return this.readPool ? this.readPool.call('getTraceJson', projectId, traceId) : this.reads.getTraceJson(projectId, traceId);
  }

  async getTraceByNumericId(projectId: number, numericId: number): Promise<TraceDetail | null> {
    return this.readPool ? this.readPool.call('getTraceByNumericId', projectId, numericId) : this.reads.getTraceByNumericId(projectId, numericId);
  }

  async listTracesByOffset(projectId: number, filter: TraceFilter, limit: number, offset: number): Promise<Trace[]> {
    return this.readPool ? this.readPool.call('listTracesByOffset', projectId, filter, limit, offset) : this.reads.listTracesByOffset(projectId, filter, limit, offset);
  }

  /** On the read worker like the list it completes (a Map crosses the thread boundary as is). */
  async traceFacets(projectId: number, traceIds: string[], want: TraceInclude): Promise<Map<string, TraceFacets>> {
    return this.readPool ? this.readPool.call('traceFacets', projectId, traceIds, want) : this.reads.traceFacets(projectId, traceIds, want);
  }

  async listSpans(projectId: number, filter: SpanFilter, page: PageRequest): Promise<Page<Span>> {
    return this.readPool ? this.readPool.call('listSpans', projectId, filter, page) : this.reads.listSpans(projectId, filter, page);
  }

  async listSessions(projectId: number, filter: SessionFilter, page: PageRequest): Promise<Page<Session>> {
    return this.readPool ? this.readPool.call('listSessions', projectId, filter, page) : this.reads.listSessions(projectId, filter, page);
  }


  async getSession(projectId: number, sessionId: string, page: PageRequest): Promise<SessionDetail | null> {
    return this.readPool ? this.readPool.call('getSession', projectId, sessionId, page) : this.reads.getSession(projectId, sessionId, page);
  }


  async listUsers(projectId: number, filter: UserFilter, page: PageRequest): Promise<Page<User>> {
    return this.readPool ? this.readPool.call('listUsers', projectId, filter, page) : this.reads.listUsers(projectId, filter, page);
  }


  async getUser(projectId: number, userId: string): Promise<User | null> {
    return this.readPool ? this.readPool.call('getUser', projectId, userId) : this.reads.getUser(projectId, userId);
  }


  async listScores(projectId: number, filter: ScoreFilter, page: PageRequest): Promise<Page<Score>> {
    return this.readPool ? this.readPool.call('listScores', projectId, filter, page) : this.reads.listScores(projectId, filter, page);
  }


  async findSpanTraceId(projectId: number, spanId: string): Promise<string | null> {
    const id = this.db.prepare('SELECT t.id FROM span_ids x JOIN traces t ON t.num = x.trace_num WHERE x.project_id = ? AND x.span_id = ?')
      .pluck().get(projectId, spanId) as string | undefined;
    return id ?? null;
  }

  async ensureProject(name: string): Promise<Project> {
    this.db.prepare('INSERT INTO projects (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING').run(name, Date.now() * 1000);
    return (await this.findProject(name)) as Project;
  }

  async findProject(idOrName: string): Promise<Project | null> {
    const row = (/^\d+$/.test(idOrName)
      ? this.db.prepare('SELECT * FROM projects WHERE id = ? OR name = ? ORDER BY id = ? DESC LIMIT 1').get(Number(idOrName), idOrName, Number(idOrName))
      : this.db.prepare('SELECT * FROM projects WHERE name = ?').get(idOrName)) as { id: number; name: string; created_at: number; settings: string } | undefined;
    return row ? { id: row.id, name: row.name, createdAt: isoFromMicros(row.created_at), settings: JSON.parse(row.settings) as Record<string, unknown> } : null;
  }

  async countProjects(): Promise<number> {
    return this.db.prepare('SELECT count(*) FROM projects').pluck().get() as number;
  }

  async getProjectSettings(projectId: number): Promise<Record<string, unknown> | null> {
    const cached = this.settings.get(projectId);
    if (cached) return cached;
    const text = this.db.prepare('SELECT settings FROM projects WHERE id = ?').pluck().get(projectId) as string | undefined;
    if (text === undefined) return null;
    const settings = JSON.parse(text) as Record<string, unknown>;
    this.settings.set(projectId, settings);
    return settings;
  }

  async updateProjectSettings(projectId: number, patch: Record<string, unknown>): Promise<Record<string, unknown> | null> {
    const text = this.db.prepare('UPDATE projects SET settings = json_patch(settings, ?) WHERE id = ? RETURNING settings').pluck()
      .get(JSON.stringify(patch), projectId) as string | undefined;
    if (text === undefined) return null;
    const settings = JSON.parse(text) as Record<string, unknown>;
    // A new object (never mutated in place), so readers may cache what they derive from it by identity.
    this.settings.set(projectId, settings);
    return settings;
  }

  async createApiKey(k: { id: string; projectId: number; hash: string; prefix: string; scopes: Scope[]; name: string | null }): Promise<void> {
    this.db.prepare('INSERT INTO api_keys (id, project_id, hash, prefix, scopes, name, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(k.id, k.projectId, k.hash, k.prefix, k.scopes.join(','), k.name, Date.now() * 1000);
  }

  async findApiKeyByHash(hash: string): Promise<ApiKeyRecord | null> {
    const row = this.db.prepare('SELECT id, project_id, scopes, name, prefix FROM api_keys WHERE hash = ? AND revoked_at IS NULL').get(hash) as
      { id: string; project_id: number; scopes: string; name: string | null; prefix: string } | undefined;
    return row ? { id: row.id, projectId: row.project_id, scopes: row.scopes.split(',') as Scope[], name: row.name, prefix: row.prefix } : null;
  }

  async listApiKeys(projectId?: number): Promise<ApiKeyInfo[]> {
    return listApiKeys(this.db, projectId);
  }

  async revokeApiKey(id: string, projectId?: number): Promise<RevokeResult> {
    return revokeApiKey(this.db, id, projectId);
  }

  async touchApiKey(id: string, atMicros: number): Promise<void> {
    touchApiKey(this.db, id, atMicros);
  }

  // ---- analytics (analytics.ts, export.ts) ----

  async metrics(projectId: number, q: MetricsQuery): Promise<MetricsRow[]> {
    // span-level answers may come from the span metrics rollup, which the compactor keeps
    if (q.level === 'span') await this.compacted();
    return this.readPool ? this.readPool.call('metrics', projectId, q) : this.reads.metrics(projectId, q);
  }


  async exportTraces(projectId: number, filter: TraceFilter, page: PageRequest): Promise<Page<ExportRecord>> {
    return this.readPool ? this.readPool.call('exportTraces', projectId, filter, page) : this.reads.exportTraces(projectId, filter, page);
  }


  async listPrices(projectId: number): Promise<ModelPrice[]> {
    return listPrices(this.db, projectId);
  }

  async putPrices(projectId: number, prices: ModelPrice[]): Promise<void> {
    putPrices(this.db, projectId, prices);
  }

  async deletePrices(projectId: number, modelPattern: string, effectiveFrom?: number): Promise<number> {
    return deletePrices(this.db, projectId, modelPattern, effectiveFrom);
  }
}

function envNumber(name: string): number | undefined {
  const v = process.env[name];
  if (v === undefined || v.trim() === '') return undefined;
  const n = Number(v);
  if (Number.isNaN(n)) throw new Error(`${name}: not a number: ${v}`);
  return n;
}
