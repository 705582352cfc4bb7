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

/** What the write worker (write-worker.ts) serves: the write path's operations. */
type WriteOps = Pick<SqliteWritePath, 'writeGroup' | 'deleteTraces' | 'reclaim' | 'collectChunks'>;

export interface SqliteOptions {
  /** `synchronous` pragma: FULL (default) fsyncs every commit; NORMAL survives process crashes only. */
  synchronous?: 'FULL' | 'NORMAL';
  /** Serve list and detail reads from a worker thread (default: yes for a file, unless LOUPE_READ_WORKER=0). */
  readWorker?: boolean;
  /**
   * Run the write path (span JSON encoding, SQL, commit) on a worker thread, beside the event loop
   * that decodes and maps the next requests (default: off; LOUPE_WRITE_WORKER=1 turns it on).
   * Measured on the 2-core bench machine (bench/README.md, 2026-12-01): the server then uses ~1.5
   * cores instead of ~1.15, but each span costs ~25% more CPU (the batch is cloned to the worker,
   * two heaps collect garbage), so spans/s stay level while p99 and RSS grow.
   */
  writeWorker?: boolean;
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
  /** How long an unanswered worker checkpoint may take before the write connection checkpoints itself (default 1 s). */
  checkpointStallMs?: number;
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
const CHECKPOINT_MS = 200;
/** A checkpoint unanswered for this long is done by the write connection itself (see checkpointSoon). */
const CHECKPOINT_STALL_MS = 1000;
/** A WAL longer than this (pages, 16 MB) is made to start over (see checkpointSoon). */
const WAL_RESTART_FRAMES = 4096;

export class SqliteStore implements Store {
  readonly dialect = 'sqlite' as const;
  private readonly db: Database.Database;
  private writePath?: SqliteWritePath;
  /** projectId → settings; this process is the only writer of SQLite, so updates invalidate here. */
  private readonly settings = new Map<number, Record<string, unknown>>();
  /** Reads on this connection: for in-memory databases, or when the worker is off. */
  private reads!: SqliteReads;
  private readPool?: DbThread<ReadOps>;
  private writeThread?: DbThread<WriteOps>;
  /** Checkpoints the WAL off the event loop (the write connection's automatic checkpoint is off). */
  private checkpointer?: DbThread<{ checkpoint(): unknown }>;
  private checkpointing = false;
  /** WAL length in pages at the worker's last checkpoint. */
  private walFrames = 0;
  private useWriteThread = false;
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
    const env = process.env.LOUPE_WRITE_WORKER;
    this.useWriteThread = onFile && (this.opts.writeWorker ?? env === '1');
    if (onFile) this.db.pragma('wal_autocheckpoint = 0');
  }

  /** Made on the first write, so that commands which only read or manage keys start no threads. */
  private writer(): { thread?: DbThread<WriteOps>; path?: SqliteWritePath } {
    if (this.file !== ':memory:') this.checkpointer ??= new DbThread('checkpoint-worker', { file: this.file });
    if (this.useWriteThread) return { thread: (this.writeThread ??= new DbThread('write-worker', { file: this.file, synchronous: this.opts.synchronous ?? 'FULL', chunkPackChars: this.packChars() })) };
    return { path: (this.writePath ??= new SqliteWritePath(this.db, { chunkPackChars: this.packChars() })) };
  }

  /** A write-path operation, on the write thread when there is one, else on this connection. */
  private onWriter<K extends keyof WriteOps & string>(op: K, ...args: Parameters<WriteOps[K]>): Promise<Awaited<ReturnType<WriteOps[K]>>> {
    const { thread, path } = this.writer();
    if (thread) return thread.call(op, ...args);
    const fn = path![op] as (...a: Parameters<WriteOps[K]>) => Awaited<ReturnType<WriteOps[K]>>;
    return Promise.resolve(fn.apply(path, args));
  }

  private packChars(): number {
    const chars = this.opts.chunkPackChars ?? envNumber('LOUPE_CHUNK_PACK_CHARS') ?? PACK_CHARS;
    return chars > 0 ? chars : Infinity;
  }

  async close(): Promise<void> {
    try {
      await this.readPool?.close();
      this.readPool = undefined;
      // The writer has drained before the store closes (server close order), so nothing is in flight.
      await this.writeThread?.close();
      this.writeThread = undefined;
      await this.checkpointer?.close();
      this.checkpointer = undefined;
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
    await this.onWriter('writeGroup', items);
    this.checkpointSoon();
  }

  /** Through the write path (delete.ts), like a write group: its caches must forget the traces. */
  async deleteTraces(projectId: number, select: TraceSelection, limit: number): Promise<DeleteCounts> {
    if (!this.reads) throw new Error('store not initialised');
    const counts = await this.onWriter('deleteTraces', projectId, select, limit);
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
      const progress = await this.onWriter('collectChunks', GC_SLICE_MS);
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
      const left = await this.onWriter('reclaim', RECLAIM_PAGES);
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
   * At most one checkpoint in flight on the checkpoint worker, and one every CHECKPOINT_MS. The WAL
   * starts over from its beginning only when a write begins while it is wholly copied, which under
   * steady load a worker pass never leaves it (the next group has written more by then); a long
   * WAL makes every page lookup slower. So once the worker reports a long WAL, this connection
   * copies the little the worker has not, between two groups, and the next group starts the WAL
   * over. And a caller that writes group after group without yielding never hears back from the
   * worker: when it has not answered for checkpointStallMs, this connection checkpoints too.
   * Both stay PASSIVE: they never wait for a lock.
   */
  private checkpointSoon(): void {
    if (!this.checkpointer) return;
    const now = Date.now();
    if (this.walFrames > WAL_RESTART_FRAMES || (this.checkpointing && now - this.lastCheckpoint >= (this.opts.checkpointStallMs ?? CHECKPOINT_STALL_MS))) {
      this.db.pragma('wal_checkpoint(PASSIVE)');
      this.walFrames = 0;
      this.lastCheckpoint = now;
      return;
    }
    if (this.checkpointing || now - this.lastCheckpoint < CHECKPOINT_MS) return;
    this.checkpointing = true;
    this.lastCheckpoint = now;
    this.checkpointer.call('checkpoint').then((r) => {
      const log = (r as Array<{ log?: number }> | undefined)?.[0]?.log;
      if (typeof log === 'number') this.walFrames = log;
    }, () => undefined).finally(() => {
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
