// The writer: every ingest path hands its batch here. Batches that arrive while a commit runs
// are coalesced into the next transaction (group commit), and each caller's promise resolves
// only after the transaction holding its batch is durable. The queue is bounded in items; when
// full, submit() refuses at once with a retryable error instead of growing memory.
import { batchSize } from '../model/batch.js';
import { LoupeError } from '../errors.js';
import type { Store, WriteItem } from './store.js';

export interface WriterOptions {
  /** Most queued items (traces + spans + scores) before submit() refuses. */
  maxQueuedItems?: number;
  /** Most items one transaction takes; a larger single batch still commits alone. */
  maxGroupItems?: number;
  /** Retry-After (seconds) suggested when the queue is full. */
  retryAfterSeconds?: number;
}

interface Pending {
  item: WriteItem;
  size: number;
  resolve: () => void;
  reject: (e: unknown) => void;
}

export interface WriterStats {
  groups: number;
  batches: number;
  items: number;
  queuedItems: number;
}

export class Writer {
  private queue: Pending[] = [];
  private queuedItems = 0;
  private running = false;
  private closed = false;
  private idle: Array<() => void> = [];
  private readonly maxQueued: number;
  private readonly maxGroup: number;
  private readonly retryAfter: number;
  readonly stats: WriterStats = { groups: 0, batches: 0, items: 0, queuedItems: 0 };

  constructor(private readonly store: Store, opts: WriterOptions = {}) {
    this.maxQueued = opts.maxQueuedItems ?? 200_000;
    this.maxGroup = opts.maxGroupItems ?? 20_000;
    this.retryAfter = opts.retryAfterSeconds ?? 1;
  }

  /**
   * Why the store takes no write now (SQLite: its compaction is too far behind), as the 503 to
   * answer; null when it does. Asked again by submit(); the server asks first, before it reads a
   * write's body, so a refused request costs its headers, not its decoding.
   */
  refusal(): LoupeError | null {
    const refused = this.store.admit?.();
    if (!refused) return null;
    const e = new LoupeError('overloaded', refused.reason);
    e.retryAfter = refused.retryAfter;
    return e;
  }

  /**
   * Resolves once the batch is committed durably; rejects if it was not stored. `waitForRoom`:
   * while the store refuses writes for its backlog, wait for it to catch up instead of refusing.
   */
  async submit(item: WriteItem, opts: { waitForRoom?: boolean } = {}): Promise<void> {
    while (opts.waitForRoom && this.store.compacted && this.refusal()) await this.store.compacted();
    return this.enqueue(item);
  }

  private enqueue(item: WriteItem): Promise<void> {
    if (this.closed) return Promise.reject(new LoupeError('unavailable', 'server is shutting down'));
    const size = batchSize(item.batch);
    if (size === 0) return Promise.resolve();
    const refused = this.refusal();
    if (refused) return Promise.reject(refused);
    if (this.queuedItems > 0 && this.queuedItems + size > this.maxQueued) {
      const e = new LoupeError('overloaded', `write queue is full (${this.queuedItems} items waiting); retry later`);
      e.retryAfter = this.retryAfter;
      return Promise.reject(e);
    }
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ item, size, resolve, reject });
      this.queuedItems += size;
      this.stats.queuedItems = this.queuedItems;
      if (!this.running) {
        this.running = true;
        // Let requests already read from sockets join this group before committing.
        setImmediate(() => void this.drainLoop());
      }
    });
  }

  private async drainLoop(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const group = this.takeGroup();
        await this.commit(group);
        // Yield so sockets are read and the next group can form.
        if (this.queue.length > 0) await new Promise((r) => setImmediate(r));
      }
    } finally {
      this.running = false;
      for (const fn of this.idle.splice(0)) fn();
    }
  }

  private takeGroup(): Pending[] {
    let n = 0;
    let items = 0;
    while (n < this.queue.length && (n === 0 || items + this.queue[n].size <= this.maxGroup)) {
      items += this.queue[n].size;
      n++;
    }
    const group = this.queue.splice(0, n);
    this.queuedItems -= items;
    this.stats.queuedItems = this.queuedItems;
    return group;
  }

  private async commit(group: Pending[]): Promise<void> {
    try {
      await this.store.writeGroup(group.map((p) => p.item));
      this.stats.groups++;
      this.stats.batches += group.length;
      for (const p of group) {
        this.stats.items += p.size;
        p.resolve();
      }
    } catch (e) {
      if (group.length === 1) {
        group[0].reject(e);
        return;
      }
      // One bad batch must not sink the others: commit each alone.
      for (const p of group) await this.commit([p]);
    }
  }

  /** Resolves when everything queued so far is committed (or failed). */
  flush(): Promise<void> {
    if (!this.running && this.queue.length === 0) return Promise.resolve();
    return new Promise((r) => this.idle.push(r));
  }

  /** Refuses new work, then waits for the queue to drain: no acked write is lost. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }
}
