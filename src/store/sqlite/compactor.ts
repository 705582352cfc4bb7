// The background half of the SQLite write path (docs/architecture.md, "Compaction"). The hot path
// (write.ts) stores each span's JSON columns as their JSON text and acknowledges; the compactor
// follows the committed span rows by rowid from a watermark kept in the database (table
// `compaction`, migration 15) and does what made writes expensive: the content-addressed chunks
// and their packs (chunks.ts, chunk-packs.ts) and the span metrics rollup (span-metric-rollup.ts).
// It runs on a worker thread with its own connection (compact-worker.ts); nothing but numbers
// crosses threads. That thread also checkpoints the WAL, after each step that wrote.
//
// A step takes the rows after the watermark and:
// 1. reads them and the state (watermark, epoch) in one read transaction, without the write lock;
// 2. encodes them, outside the lock: the chunk dedupe, the packs' deflate, the rollup's deltas;
// 3. takes the write lock and, when nothing moved meanwhile (the state and the stored chunks are
//    as read), rewrites the rows' JSON columns, stores the chunks and packs, applies the rollup
//    deltas and moves the watermark, in one transaction: a crash leaves the step wholly done or
//    not at all, and the next start resumes from the watermark.
// Anything else that changes rows past the watermark (a span merged in parts, a delete) bumps the
// epoch in its own transaction; a step that finds it moved does its work again inside the lock.
import type Database from 'better-sqlite3';
import { ChunkWriter, isRawText } from './chunks.js';
import { STATE_COLUMN_NAMES, SpanMetricRollup } from './span-metric-rollup.js';
import { BODY_SPAN_COLUMN_NAMES, WRITTEN_SPAN_COLUMN_NAMES } from '../shared/span-columns.js';
import { ChunkCollector, type GcProgress } from './chunk-gc.js';
import { Participants } from './participant.js';

/** The spans columns a step reads: the rowid, what the metrics rollup needs, then the JSON columns. */
const COLUMNS: readonly string[] = ['rowid', ...STATE_COLUMN_NAMES, ...BODY_SPAN_COLUMN_NAMES];
const JSON_AT = 1 + STATE_COLUMN_NAMES.length;
type Row = unknown[];
/** The written columns a compacted row keeps as they are (all but the JSON ones). */
const KEPT = WRITTEN_SPAN_COLUMN_NAMES.filter((c) => !BODY_SPAN_COLUMN_NAMES.includes(c));

/** A WAL longer than this (pages, 16 MB) is made to start over (see checkpoint). */
const WAL_RESTART_FRAMES = 4096;

/** Free pages below which reclaimIdle leaves them be (4 MiB), and pages per slice of it (a few ms). */
const RECLAIM_MIN_PAGES = 1024;
const RECLAIM_PAGES = 1024;

/** Rows per step: ~20–40 ms of encoding for LLM spans, a few ms of write lock. */
export const STEP_ROWS = 400;

export interface CompactionState {
  watermark: number;
  epoch: number;
}

export interface StepResult {
  /** The watermark after the step: every span row with a rowid up to it is compacted. */
  watermark: number;
  /** Rows the step compacted. */
  rows: number;
  /** Whether the step had to redo its work inside the write lock (something moved). */
  redone: boolean;
}

export const readCompactionState = (db: Database.Database): CompactionState => {
  const [watermark, epoch] = db.prepare('SELECT span_watermark, epoch FROM compaction WHERE id = 1').raw().get() as [number, number];
  return { watermark, epoch };
};

export class Compactor {
  private readonly readState: Database.Statement;
  private readonly readRows: Database.Statement;
  private readonly deleteRow: Database.Statement;
  private readonly insertRow: Database.Statement;
  private readonly setWatermark: Database.Statement;
  private readonly chunks: ChunkWriter;
  private readonly spanMetrics: SpanMetricRollup;
  private readonly parts: Participants;
  /** A reclaim begun (a tenth of the file free) goes on until few free pages are left. */
  private reclaiming = false;
  private readonly snapshot: Database.Transaction<(limit: number) => { state: CompactionState; chunks: string; rows: Row[] }>;
  private readonly apply: Database.Transaction<(state: CompactionState, chunks: string, rows: Row[], encoded: Row[]) => boolean>;
  private readonly redo: Database.Transaction<(limit: number) => StepResult>;
  private collector?: ChunkCollector;
  /** The stored chunks' state (ChunkWriter.storedState) after this compactor's last step. */
  private knownChunks?: string;

  private readonly walRestartFrames: number;
  private readonly autoVacuum: number;

  /** Raised while this compactor waits for or holds the write lock (see WriteTurn). */
  private readonly turn?: WriteTurn;

  /** `chunkPackChars`, `walRestartFrames`: see SqliteOptions; `turn`: shared with the hot path's thread. */
  constructor(private readonly db: Database.Database, opts: { chunkPackChars?: number; walRestartFrames?: number; turn?: WriteTurn } = {}) {
    this.walRestartFrames = opts.walRestartFrames ?? WAL_RESTART_FRAMES;
    this.autoVacuum = db.pragma('auto_vacuum', { simple: true }) as number;
    this.turn = opts.turn;
    this.readState = db.prepare('SELECT span_watermark, epoch FROM compaction WHERE id = 1').raw();
    this.readRows = db.prepare(`SELECT ${COLUMNS.join(', ')} FROM spans WHERE rowid > ? ORDER BY rowid LIMIT ?`).raw();
    this.deleteRow = db.prepare(`DELETE FROM spans WHERE rowid = ? RETURNING ${KEPT.join(', ')}`).raw();
    const inserted = ['rowid', ...KEPT, ...BODY_SPAN_COLUMN_NAMES];
    this.insertRow = db.prepare(`INSERT INTO spans (${inserted.join(', ')}) VALUES (${inserted.map(() => '?').join(', ')})`);
    this.setWatermark = db.prepare('UPDATE compaction SET span_watermark = ? WHERE id = 1');
    this.chunks = new ChunkWriter(db, opts.chunkPackChars);
    this.spanMetrics = new SpanMetricRollup(db, COLUMNS);
    // chunks before the rollup, as their writes are ordered at beforeCommit
    this.parts = new Participants([this.chunks, this.spanMetrics]);
    this.snapshot = db.transaction((limit: number) => {
      const state = this.state();
      const chunks = this.chunks.storedState();
      // another writer on the file stored chunks since this one's last step: its unpacked tail is stale
      if (chunks !== this.knownChunks) this.chunks.resync();
      return { state, chunks, rows: this.readRows.all(state.watermark, limit) as Row[] };
    });
    this.apply = db.transaction((state: CompactionState, chunks: string, rows: Row[], encoded: Row[]) => {
      const now = this.state();
      if (now.watermark !== state.watermark || now.epoch !== state.epoch || this.chunks.storedState() !== chunks) return false;
      this.store(rows, encoded);
      return true;
    });
    this.redo = db.transaction((limit: number) => {
      this.chunks.resync();
      const { watermark } = this.state();
      const rows = this.readRows.all(watermark, limit) as Row[];
      if (!rows.length) return { watermark, rows: 0, redone: true };
      const encoded = this.encode(rows);
      this.store(rows, encoded);
      return { watermark: rows[rows.length - 1][0] as number, rows: rows.length, redone: true };
    });
  }

  private state(): CompactionState {
    const [watermark, epoch] = this.readState.get() as [number, number];
    return { watermark, epoch };
  }

  /** Compacts up to `limit` rows past the watermark; rows 0: there were none. */
  step(limit = STEP_ROWS): StepResult {
    const { state, chunks, rows } = this.snapshot.deferred(limit);
    if (!rows.length) return { watermark: state.watermark, rows: 0, redone: false };
    let done: boolean;
    try {
      const encoded = this.encode(rows);
      done = this.locked(() => this.apply.immediate(state, chunks, rows, encoded));
    } catch (e) {
      this.parts.rolledBack();
      throw e;
    }
    if (done) {
      this.committed();
      return { watermark: rows[rows.length - 1][0] as number, rows: rows.length, redone: false };
    }
    this.parts.rolledBack();
    let out: StepResult;
    try {
      out = this.locked(() => this.redo.immediate(limit));
    } catch (e) {
      this.parts.rolledBack();
      throw e;
    }
    this.committed();
    return out;
  }

  /**
   * One slice of giving free pages back to the file system, when the compactor has caught up;
   * true while more are left. Compaction frees the pages of the JSON text it replaces (mostly
   * overflow pages), and new rows reuse them under load; at rest they would stay in the file. Only
   * on a database with auto_vacuum INCREMENTAL (every one made since migration 1 ran with it), and
   * only once free pages are a tenth of the file: under steady load the next rows take them.
   * Once begun, it goes on down to RECLAIM_MIN_PAGES (stopping at a tenth left up to 10% of the
   * file free at rest: the agent workload's bytes on disk went from 1/5.3 to 1/4.6 of raw).
   */
  reclaimIdle(): boolean {
    if (this.autoVacuum !== 2) return false;
    const free = this.db.pragma('freelist_count', { simple: true }) as number;
    if (free < RECLAIM_MIN_PAGES) this.reclaiming = false;
    else if (free * 10 >= (this.db.pragma('page_count', { simple: true }) as number)) this.reclaiming = true;
    if (!this.reclaiming) return false;
    this.locked(() => this.db.pragma(`incremental_vacuum(${RECLAIM_PAGES})`));
    this.checkpoint();
    return true;
  }

  /** Runs `fn` (a write transaction, a FULL checkpoint) with the turn raised, so the hot path lets it have the lock. */
  private locked<T>(fn: () => T): T {
    this.turn?.raise();
    try {
      return fn();
    } finally {
      this.turn?.lower();
    }
  }

  private committed(): void {
    this.parts.committed();
    this.knownChunks = this.chunks.storedState();
    this.checkpoint();
  }

  /**
   * Copies the WAL into the database file, on this thread rather than inside a commit (the
   * connections' automatic checkpoints are off). The WAL starts over from its beginning only when
   * a write begins while it is wholly copied, which a PASSIVE pass under steady load never leaves
   * it (two connections write: one has written more by the time it ends), and a long WAL makes
   * every page lookup slower. So a long one gets a FULL pass: it waits for the writer of the
   * moment, holds writes off while it copies the rest (a few ms: a PASSIVE pass just copied the
   * bulk), and the next write starts the WAL over.
   */
  checkpoint(): void {
    const [passive] = this.db.pragma('wal_checkpoint(PASSIVE)') as Array<{ log: number }>;
    if (passive && passive.log > this.walRestartFrames) this.locked(() => this.db.pragma('wal_checkpoint(FULL)'));
  }

  /** The rows' new JSON columns (chunk lists), and the rollup's deltas and the packs, made ready. */
  private encode(rows: Row[]): Row[] {
    this.parts.begin();
    const out: Row[] = [];
    for (const r of rows) {
      this.spanMetrics.inserted(r);
      const cols: unknown[] = [];
      for (let i = JSON_AT; i < r.length; i++) {
        const v = r[i] as string | Uint8Array | null;
        cols.push(v !== null && isRawText(v) ? this.chunks.json(JSON.parse(v.slice(1))) : v);
      }
      out.push(cols);
    }
    this.parts.prepare();
    return out;
  }

  /** Inside the write transaction: the rows, the chunks, the rollup and the watermark. */
  private store(rows: Row[], encoded: Row[]): void {
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      const e = encoded[i];
      // a row with nothing in the hot path's form (no JSON, or merged into after it was compacted) is left as it is
      if (e.every((v, j) => v === r[JSON_AT + j])) continue;
      // Deleted and inserted again under its rowid, not updated: an UPDATE that shrinks a row
      // leaves its page as empty as the row made it (SQLite rebalances pages only on a delete or
      // an overflow), so pages that each held one ~7 KB span would stay each with one ~200 B row,
      // ~2.4 KB a span on disk; a delete merges the emptied page with its neighbours.
      const kept = this.deleteRow.get(r[0]) as Row;
      this.insertRow.run(r[0], ...kept, ...e);
    }
    this.parts.beforeCommit();
    this.setWatermark.run(rows[rows.length - 1][0]);
  }

  /**
   * One slice of a chunk garbage collection (chunk-gc.ts), about `budgetMs` of work; the caller
   * repeats it, with compaction steps in between, until done. Here because the compactor owns the
   * chunk writer, whose dedupe must forget what a collection frees.
   */
  collectChunks(budgetMs: number): GcProgress {
    if (!this.collector) {
      const collector = new ChunkCollector(this.db, this.chunks);
      this.collector = collector;
      this.chunks.marking = (id) => collector.mark(id);
    }
    let progress: GcProgress;
    try {
      progress = this.collector.step(budgetMs);
    } catch (e) {
      this.endCollection();
      throw e;
    }
    if (progress.done) this.endCollection();
    return progress;
  }

  private endCollection(): void {
    this.collector = undefined;
    this.chunks.marking = undefined;
  }
}

/**
 * Who writes next. SQLite's busy handler polls (1, 2, 5, 10… ms): a connection waiting for the
 * write lock while another thread takes it again and again, as the hot path does under load,
 * can wait for seconds. So the compactor raises this flag (one Int32 in shared memory) while it
 * wants the lock, and the hot path does not begin a transaction while it is raised: it awaits
 * the flag's fall without blocking its event loop. The compactor's transactions are short (its
 * work is done before it asks), so this costs the hot path a few ms now and then.
 */
export class WriteTurn {
  readonly flag: Int32Array;

  constructor(buffer = new SharedArrayBuffer(4)) {
    this.flag = new Int32Array(buffer);
  }

  get buffer(): SharedArrayBuffer {
    return this.flag.buffer as SharedArrayBuffer;
  }

  raise(): void {
    Atomics.store(this.flag, 0, 1);
  }

  lower(): void {
    Atomics.store(this.flag, 0, 0);
    Atomics.notify(this.flag, 0);
  }

  /** Resolves once the flag is down (at once when it is). */
  async yielded(): Promise<void> {
    if (Atomics.load(this.flag, 0) !== 1) return;
    // Atomics.waitAsync holds no reference on the event loop: a process with nothing else to do
    // (an import, a script writing through the store) would exit mid-write with code 13.
    const alive = setInterval(() => {}, 1000);
    try {
      while (Atomics.load(this.flag, 0) === 1) {
        const r = waitAsync(this.flag, 0, 1, 100);
        if (r.async) await r.value;
      }
    } finally {
      clearInterval(alive);
    }
  }
}

/** Atomics.waitAsync (Node 16+; typed from ES2024 on). */
const waitAsync = (Atomics as unknown as {
  waitAsync(a: Int32Array, index: number, value: number, timeoutMs: number): { async: false; value: string } | { async: true; value: Promise<string> };
}).waitAsync;

/** What a CompactorLoop reports after each step, or when a step failed. */
export type CompactionEvent =
  | { event: 'progress'; watermark: number; rows: number; kick: number; cpuSeconds: number | null }
  | { event: 'failed'; message: string };

/**
 * Runs steps on its own, one per turn of its thread's event loop (so calls such as a chunk
 * collection's slices get in between), from a kick until a step finds nothing to do, reporting
 * each step. Kicks are numbered: a step reports the last kick it began after, so a waiter knows
 * when a step that saw its rows has run.
 */
export class CompactorLoop {
  private kicked = 0;
  /** The kick the last step began after: a newer one ends reclaiming. */
  private reclaimKick = 0;
  private running = false;
  private closed = false;

  constructor(private readonly compactor: Compactor, private readonly emit: (e: CompactionEvent) => void, private readonly cpuSeconds: () => number | null) {}

  kick(seq: number): void {
    this.kicked = Math.max(this.kicked, seq);
    if (this.running || this.closed) return;
    this.running = true;
    setImmediate(() => this.run());
  }

  close(): void {
    this.closed = true;
  }

  private run(): void {
    if (this.closed) return;
    const kick = this.kicked;
    this.reclaimKick = kick;
    let r: StepResult;
    try {
      r = this.compactor.step();
    } catch (e) {
      this.running = false;
      this.emit({ event: 'failed', message: (e as Error).message });
      return;
    }
    this.emit({ event: 'progress', watermark: r.watermark, rows: r.rows, kick, cpuSeconds: this.cpuSeconds() });
    if (r.rows > 0 || this.kicked !== kick) setImmediate(() => this.run());
    else this.reclaim();
  }

  /** Caught up: gives back free pages a slice at a time, until a kick or none are left. */
  private reclaim(): void {
    let more = false;
    try {
      more = !this.closed && this.compactor.reclaimIdle();
    } catch (e) {
      this.emit({ event: 'failed', message: (e as Error).message });
    }
    if (more && this.kicked === this.reclaimKick) setImmediate(() => this.reclaim());
    else if (this.kicked !== this.reclaimKick) setImmediate(() => this.run());
    else this.running = false;
  }
}
