// The retention purge (docs/retention.md): on a timer, for every project with a retention
// (retention.ts), deletes the traces that started before now − days, oldest first, a small batch
// at a time; each batch is its own transaction (Store.deleteTraces) and the pass yields to the
// event loop between batches, so ingest queued meanwhile commits in between: the write lock is
// never held for more than one batch. Every few minutes, when anything was deleted (by this purge
// or through the API), the store frees the span content no span holds any more
// (Store.collectGarbage: SQLite's shared chunks); after either, it may give the freed space back
// (Store.reclaimSpace: SQLite's incremental vacuum).
import type { DeleteCounts, GarbageCounts, Store } from './store.js';
import { retentionFrom } from './retention.js';

const DAY_MICROS = 86_400_000_000;

export interface PurgeOptions {
  /** Between passes (default 60 s, or LOUPE_PURGE_INTERVAL_MS; 0 turns the timer off). */
  intervalMs?: number;
  /** Traces per delete transaction (default 200). */
  batch?: number;
  /** Most batches per project per pass (default 500): a large backlog is worked off over several passes. */
  maxBatches?: number;
  /** The clock, in µs since the epoch (tests move it). */
  now?: () => number;
  /** Told of each project a pass deleted something from. */
  onPurged?: (projectId: number, counts: DeleteCounts) => void;
  /**
   * Least time between two collections of unreferenced content (default 10 min, or
   * LOUPE_GC_INTERVAL_MS): each reads every span, so not at every pass.
   */
  gcIntervalMs?: number;
  /** Told of a pass that failed (it is tried again at the next tick). */
  onError?: (e: unknown) => void;
  /** Told of each collection that freed something. */
  onCollected?: (counts: GarbageCounts) => void;
}

export interface PurgeResult {
  projectId: number;
  counts: DeleteCounts;
}

/** The background purge: start() arms the timer, runOnce() is one pass (tests call it directly). */
export class RetentionPurger {
  private timer?: NodeJS.Timeout;
  private running?: Promise<PurgeResult[]>;
  private stopped = false;
  private readonly batch: number;
  private readonly maxBatches: number;
  private readonly now: () => number;
  private readonly gcIntervalMs: number;
  /** When the last collection began (performance.now()); none yet: −Infinity. */
  private lastGc = -Infinity;

  constructor(private readonly store: Store, private readonly opts: PurgeOptions = {}) {
    this.batch = opts.batch ?? 200;
    this.maxBatches = opts.maxBatches ?? 500;
    this.now = opts.now ?? (() => Date.now() * 1000);
    this.gcIntervalMs = opts.gcIntervalMs ?? envMs('LOUPE_GC_INTERVAL_MS') ?? 600_000;
  }

  start(): void {
    const interval = this.opts.intervalMs ?? envMs('LOUPE_PURGE_INTERVAL_MS') ?? 60_000;
    if (!(interval > 0)) return;
    const tick = () => {
      this.timer = setTimeout(() => {
        // a failed pass (database briefly unreachable) is tried again at the next tick
        this.runOnce().catch((e: unknown) => this.opts.onError?.(e)).finally(() => {
          if (!this.stopped) tick();
        });
      }, interval);
      // the purge never keeps a process alive on its own
      this.timer.unref();
    };
    tick();
  }

  /** Stops the timer and waits for a pass under way (it ends after its current batch). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One pass over every project with a retention; at most one pass runs at a time. */
  runOnce(): Promise<PurgeResult[]> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async pass(): Promise<PurgeResult[]> {
    const out: PurgeResult[] = [];
    for (const project of await this.store.listProjects()) {
      const { days } = retentionFrom(project.settings);
      if (days === null) continue;
      const cutoff = this.now() - days * DAY_MICROS;
      const counts: DeleteCounts = { traces: 0, spans: 0, scores: 0 };
      for (let i = 0; i < this.maxBatches && !this.stopped; i++) {
        const c = await this.store.deleteTraces(project.id, { startedBefore: cutoff }, this.batch);
        counts.traces += c.traces;
        counts.spans += c.spans;
        counts.scores += c.scores;
        if (c.traces < this.batch) break;
        // let queued ingest commit between two batches
        await new Promise((resolve) => setImmediate(resolve));
      }
      if (counts.traces > 0) {
        out.push({ projectId: project.id, counts });
        this.opts.onPurged?.(project.id, counts);
      }
    }
    const collected = this.stopped ? undefined : await this.collect();
    if ((out.length || collected) && !this.stopped) await this.store.reclaimSpace?.();
    return out;
  }

  private async collect(): Promise<GarbageCounts | undefined> {
    if (!this.store.collectGarbage || performance.now() - this.lastGc < this.gcIntervalMs) return undefined;
    const started = performance.now();
    const counts = await this.store.collectGarbage();
    // Only a collection that ran starts the interval: deletes after a quiet spell are collected at once.
    if (counts) {
      this.lastGc = started;
      if (counts.chunksFreed > 0) this.opts.onCollected?.(counts);
    }
    return counts;
  }
}

function envMs(name: string): number | undefined {
  const v = process.env[name];
  return v !== undefined && v.trim() !== '' ? Number(v) : undefined;
}
