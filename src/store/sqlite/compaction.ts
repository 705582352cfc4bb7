// The store's side of the compactor (compactor.ts): it kicks the compactor's loop (on its worker
// thread, or on this thread for an in-memory database) after each commit, follows the watermark
// from the loop's reports, knows how far behind that is, and lets a read wait until the rows
// written before it are compacted.
import type { GcProgress } from './chunk-gc.js';
import type { CompactionEvent } from './compactor.js';

/** The compactor's calls (compact-worker.ts). */
export interface CompactorOps {
  kick(seq: number): void;
  collectChunks(budgetMs: number): GcProgress;
  checkpoint(): void;
}

/** How to call the compactor: a worker thread's call, or a direct one. */
export type CallCompactor = <K extends keyof CompactorOps>(op: K, ...args: Parameters<CompactorOps[K]>) => Promise<ReturnType<CompactorOps[K]>>;

export interface CompactionStatus {
  /** Span rows this process committed that the compactor has not reached. */
  backlogSpans: number;
  /** Age of the oldest of them (0: none). */
  behindSeconds: number;
  /** CPU the compactor's thread has used since it started (null: not measured here). */
  cpuSeconds: number | null;
}

interface Waiter {
  target: number;
  /** The kick sent for it: a report of a step begun after it that found nothing left satisfies it. */
  kick: number;
  resolve: () => void;
  reject: (e: unknown) => void;
}

export class Compaction {
  private watermark: number;
  /** The largest span rowid this process committed. */
  private written = 0;
  /** Commits not compacted yet, oldest first: [largest rowid, when]. */
  private commits: Array<[number, number]> = [];
  private kicks = 0;
  private waiters: Waiter[] = [];
  private cpuSeconds: number | null = null;
  private lastRetry = 0;
  /** Reports of steps begun after an earlier kick are stale (see lowered()). */
  private freshFrom = 0;

  /**
   * `onError`: a step failed (the next commit kicks the loop again); `awaiting`: whether a read
   * waits for reports (a worker must then keep the process alive).
   */
  constructor(private readonly call: CallCompactor, watermark: number, private readonly onError: (e: unknown) => void, private readonly awaiting: (on: boolean) => void = () => undefined) {
    this.watermark = watermark;
  }

  /** A transaction committed span rows up to `rowid`. */
  committed(rowid: number): void {
    if (rowid <= this.watermark) return;
    this.written = Math.max(this.written, rowid);
    this.commits.push([rowid, Date.now()]);
    this.kick();
  }

  /**
   * A delete lowered the stored watermark to `watermark` (rowids past the largest left are used
   * again): follow it, or new rows under the old one would pass as compacted without a kick.
   */
  lowered(watermark: number, maxRowid: number): void {
    this.watermark = Math.min(this.watermark, watermark);
    this.written = Math.min(this.written, maxRowid);
    this.commits = this.commits.filter(([rowid]) => rowid <= maxRowid);
    // a report of a step begun before this kick may carry the watermark from before the delete
    this.freshFrom = this.kick();
  }

  /**
   * A write was refused for the backlog: a loop stopped by a failed step (it is kicked by commits,
   * which the refusal holds back) starts again, at most once a second.
   */
  refused(): void {
    const now = Date.now();
    if (now - this.lastRetry < 1000) return;
    this.lastRetry = now;
    this.kick();
  }

  /** Resolves once the rows stored now are compacted (`target`: the largest rowid stored now). */
  caughtUp(target: number): Promise<void> {
    if (target <= this.watermark) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiters.push({ target, kick: this.kick(), resolve, reject });
      if (this.waiters.length === 1) this.awaiting(true);
    });
  }

  status(): CompactionStatus {
    const oldest = this.commits[0];
    return {
      backlogSpans: Math.max(0, this.written - this.watermark),
      behindSeconds: oldest ? (Date.now() - oldest[1]) / 1000 : 0,
      cpuSeconds: this.cpuSeconds,
    };
  }

  /** One slice of a chunk collection, between steps. */
  collectChunks(budgetMs: number): Promise<GcProgress> {
    return this.call('collectChunks', budgetMs);
  }

  /** A WAL checkpoint, between steps. */
  checkpoint(): Promise<void> {
    return this.call('checkpoint');
  }

  /** What the compactor's loop reported. */
  onEvent(e: CompactionEvent): void {
    if (e.event === 'failed') {
      const error = new Error(`compaction failed: ${e.message}`);
      this.fail(error);
      return;
    }
    if (e.cpuSeconds !== null) this.cpuSeconds = e.cpuSeconds;
    if (e.kick < this.freshFrom) return;
    this.watermark = e.watermark;
    let drop = 0;
    while (drop < this.commits.length && this.commits[drop][0] <= e.watermark) drop++;
    if (drop) this.commits = this.commits.slice(drop);
    const empty = e.rows === 0;
    if (empty && e.kick === this.kicks) {
      // Nothing past the watermark after the last commit's kick: whatever was written is compacted (or was deleted).
      this.commits = [];
      this.written = Math.min(this.written, e.watermark);
    }
    if (!this.waiters.length) return;
    this.waiters = this.waiters.filter((w) => {
      if (w.target > e.watermark && !(empty && e.kick >= w.kick)) return true;
      w.resolve();
      return false;
    });
    if (!this.waiters.length) this.awaiting(false);
  }

  /** The store closes: waiters are told. */
  close(): void {
    this.reject(new Error('the store closed before compaction caught up'));
  }

  private fail(e: Error): void {
    this.reject(e);
    this.onError(e);
  }

  private reject(e: Error): void {
    if (!this.waiters.length) return;
    for (const w of this.waiters) w.reject(e);
    this.waiters = [];
    this.awaiting(false);
  }

  private kick(): number {
    const seq = ++this.kicks;
    this.call('kick', seq).catch((e: unknown) => this.fail(e as Error));
    return seq;
  }
}
