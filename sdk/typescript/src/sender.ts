// The background sender: batches the buffer into native ingest requests (by count, bytes and
// interval), retries what may succeed later, and keeps the books flush() reports from. One request
// is in flight at a time, so a span's start always reaches the server before its end.
import { reanchor } from './clock.js';
import { LoupeDeliveryError, LoupeError, type DeliveryFailure } from './errors.js';
import { Fifo, type Queued, type Serializable } from './queue.js';
import { OTLP_PATH, otlpBody, otlpRefused, type OtlpItem } from './otlp.js';
import { unref } from './runtime.js';
import type { Stats } from './types.js';

export interface SenderOptions {
  baseUrl: string;
  apiKey: string | undefined;
  fetch: typeof fetch;
  flushAt: number;
  flushIntervalMs: number;
  maxBatchItems: number;
  maxBatchBytes: number;
  maxQueueItems: number;
  maxQueueBytes: number;
  requestTimeoutMs: number;
  maxRetries: number;
  retryBaseMs: number;
  retryMaxMs: number;
  flushTimeoutMs: number;
  onError?: (err: LoupeError) => void;
  warn: (message: string) => void;
}

interface Batch {
  items: Queued[];
  minSeq: number;
  attempt: number;
  abort?: AbortController;
}

/** Seqs of events that were not delivered, with why; flush() reports those in its window. */
interface FailureRecord {
  seqs: number[];
  reason: string;
}

interface Waiter {
  upTo: number;
  done: () => void;
}

const RETRY_STATUS = new Set([429, 502, 503, 504]);
/** How many failed seqs are remembered for flush() to report; past it, counts only. */
const MAX_REMEMBERED_FAILURES = 100_000;

function sleep(ms: number, signal?: { aborted: boolean }): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    unref(setTimeout(resolve, ms));
  });
}

export class Sender {
  private readonly queue = new Fifo();
  private seq = 0;
  private inflight: Batch | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerDue = 0;
  private waiters: Waiter[] = [];
  /** A flush is waiting for seqs up to here: send them without waiting for the interval. */
  private urgentUpTo = 0;
  private failures: FailureRecord[] = [];
  private rememberedFailures = 0;
  /** Failures flush() could not be told about individually (past MAX_REMEMBERED_FAILURES). */
  private forgottenFailures = 0;
  /** Failures up to this seq were reported by a flush that has finished. */
  private reportedUpTo = 0;
  private dropEpisode = false;
  private warnedDrop = false;
  private stopped = { aborted: false };
  readonly counts = { sent: 0, dropped: 0, retried: 0, failed: 0 };

  constructor(private readonly o: SenderOptions) {}

  /** The hot path: no serialisation, no allocation beyond the queue entry. */
  enqueue(type: 0 | 1 | 2 | 3, item: Serializable, bytes: number): void {
    const q: Queued = { seq: ++this.seq, type, item, bytes };
    this.queue.push(q);
    if (this.queue.length > this.o.maxQueueItems || this.queue.bytes > this.o.maxQueueBytes) this.dropOldest();
    else this.dropEpisode = false;
    if (this.queue.length >= this.o.flushAt || this.queue.bytes >= this.o.maxBatchBytes) this.schedule(0);
    else if (this.timer === undefined && this.inflight === undefined) this.schedule(this.o.flushIntervalMs);
  }

  private dropOldest(): void {
    const dropped: number[] = [];
    // Keep at least the newest event, whatever its size.
    while (this.queue.length > 1 && (this.queue.length > this.o.maxQueueItems || this.queue.bytes > this.o.maxQueueBytes)) {
      dropped.push(this.queue.shift()!.seq);
    }
    if (!dropped.length) return;
    this.counts.dropped += dropped.length;
    this.remember(dropped, 'dropped: the buffer was full (the server too slow or unreachable)');
    if (!this.warnedDrop) {
      this.warnedDrop = true;
      this.o.warn(`Loupe: the event buffer is full (${this.o.maxQueueItems} events or ${this.o.maxQueueBytes} bytes); dropping the oldest events. stats().dropped counts them; this warning is shown once.`);
    }
    // onError once per overflow episode, not once per dropped event.
    if (!this.dropEpisode) {
      this.dropEpisode = true;
      this.report(new LoupeError('dropped', 'Loupe: the event buffer is full; dropping the oldest events', dropped.length));
    }
    this.checkWaiters();
  }

  private report(err: LoupeError): void {
    try {
      this.o.onError?.(err);
    } catch {
      // An app's hook failing is not the SDK's to surface.
    }
  }

  private remember(seqs: number[], reason: string): void {
    if (this.rememberedFailures + seqs.length > MAX_REMEMBERED_FAILURES) {
      this.forgottenFailures += seqs.length;
      return;
    }
    this.rememberedFailures += seqs.length;
    const last = this.failures[this.failures.length - 1];
    if (last && last.reason === reason && last.seqs.length < 10_000) last.seqs.push(...seqs);
    else this.failures.push({ seqs, reason });
  }

  private schedule(delay: number): void {
    if (this.stopped.aborted) return;
    if (this.inflight) return; // the batch's end schedules the next
    const due = Date.now() + delay;
    if (this.timer !== undefined) {
      if (this.timerDue <= due) return;
      clearTimeout(this.timer);
    }
    this.timerDue = due;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.pump();
    }, delay);
    unref(this.timer);
  }

  private take(): Batch | undefined {
    const items: Queued[] = [];
    let bytes = 0;
    // A batch is native events or OTLP spans, never both: they go to different endpoints.
    const otlp = this.queue.peek()?.type === 3;
    while (this.queue.length && items.length < this.o.maxBatchItems) {
      const next = this.queue.peek()!;
      if (items.length && (bytes + next.bytes > this.o.maxBatchBytes || (next.type === 3) !== otlp)) break;
      items.push(this.queue.shift()!);
      bytes += next.bytes;
    }
    return items.length ? { items, minSeq: items[0].seq, attempt: 0 } : undefined;
  }

  private async pump(): Promise<void> {
    if (this.inflight || this.stopped.aborted) return;
    const batch = this.take();
    if (!batch) return;
    this.inflight = batch;
    try {
      await this.deliver(batch);
    } catch (e) {
      // deliver() handles its own failures; this is a bug in the SDK, never the app's problem.
      this.fail(batch.items.map((q) => q.seq), `internal error: ${(e as Error)?.message}`);
    } finally {
      this.inflight = undefined;
      this.checkWaiters();
      const head = this.queue.peek();
      if (head) {
        const urgent = head.seq <= this.urgentUpTo || this.queue.length >= this.o.flushAt || this.queue.bytes >= this.o.maxBatchBytes;
        this.schedule(urgent ? 0 : this.o.flushIntervalMs);
      }
    }
  }

  private serialise(items: Queued[]): { body: string; index: Map<string, Queued[]> } {
    const traces: object[] = [];
    const spans: object[] = [];
    const scores: object[] = [];
    const index = new Map<string, Queued[]>();
    // The same span queued twice (sent open at a flush, then ended) goes once, in its latest state.
    const slot = new Map<Serializable, string>();
    for (const q of items) {
      const known = slot.get(q.item);
      if (known) {
        index.get(known)!.push(q);
        continue;
      }
      const list = q.type === 0 ? traces : q.type === 1 ? spans : scores;
      const key = `${q.type === 0 ? 'traces' : q.type === 1 ? 'spans' : 'scores'}[${list.length}]`;
      list.push(q.item.toWire());
      slot.set(q.item, key);
      index.set(key, [q]);
    }
    const body: Record<string, object[]> = {};
    if (traces.length) body.traces = traces;
    if (spans.length) body.spans = spans;
    if (scores.length) body.scores = scores;
    return { body: JSON.stringify(body), index };
  }

  private async deliver(batch: Batch): Promise<void> {
    reanchor();
    const otlp = batch.items[0].type === 3;
    let body: string;
    let index = new Map<string, Queued[]>();
    try {
      if (otlp) body = otlpBody(batch.items.map((q) => q.item as OtlpItem));
      else ({ body, index } = this.serialise(batch.items));
    } catch (e) {
      // A circular or BigInt value in someone's input: drop the batch rather than stall forever.
      this.fail(batch.items.map((q) => q.seq), `not serialisable: ${(e as Error).message}`);
      return;
    }
    const all = batch.items.map((q) => q.seq);
    for (;;) {
      const abort = new AbortController();
      batch.abort = abort;
      const timer = setTimeout(() => abort.abort(), this.o.requestTimeoutMs);
      unref(timer);
      let status = 0;
      let text = '';
      let retryAfterMs: number | undefined;
      let networkError: string | undefined;
      try {
        const res = await this.o.fetch(`${this.o.baseUrl}${otlp ? OTLP_PATH : '/api/v1/ingest'}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(this.o.apiKey ? { 'x-api-key': this.o.apiKey } : {}) },
          body,
          signal: abort.signal,
        });
        status = res.status;
        text = await res.text();
        retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
      } catch (e) {
        networkError = abort.signal.aborted
          ? this.stopped.aborted ? 'abandoned at exit' : `timed out after ${this.o.requestTimeoutMs} ms`
          : `network error: ${(e as Error)?.message ?? String(e)}`;
      } finally {
        clearTimeout(timer);
      }
      if (this.stopped.aborted) {
        this.fail(all, networkError ?? 'abandoned at exit');
        return;
      }
      if (status >= 200 && status < 300) {
        if (otlp) this.acknowledgeOtlp(all, text);
        else this.acknowledge(all, text, index);
        return;
      }
      const reason = networkError ?? `HTTP ${status} ${summarise(text)}`;
      if ((networkError || RETRY_STATUS.has(status)) && batch.attempt < this.o.maxRetries) {
        batch.attempt++;
        this.counts.retried++;
        const backoff = Math.min(this.o.retryMaxMs, this.o.retryBaseMs * 2 ** (batch.attempt - 1));
        // Full jitter between half and all of the backoff: clients that failed together spread out.
        const delay = retryAfterMs !== undefined ? Math.min(retryAfterMs, this.o.retryMaxMs) : backoff * (0.5 + Math.random() * 0.5);
        await sleep(delay, this.stopped);
        if (this.stopped.aborted) {
          this.fail(all, 'abandoned at exit');
          return;
        }
        continue;
      }
      this.fail(all, batch.attempt ? `${reason} (after ${batch.attempt} retries)` : reason);
      return;
    }
  }

  private acknowledge(all: number[], text: string, index: Map<string, Queued[]>): void {
    let rejected: Array<{ item?: string; message?: string }> = [];
    try {
      const parsed = JSON.parse(text) as { rejected?: Array<{ item?: string; message?: string }> };
      if (Array.isArray(parsed?.rejected)) rejected = parsed.rejected;
    } catch {
      // A 2xx without the native answer (a proxy?): take it as stored.
    }
    const bad = new Set<number>();
    const byReason = new Map<string, number[]>();
    for (const r of rejected) {
      const m = /^(traces|spans|scores)\[(\d+)\]/.exec(r.item ?? '');
      const qs = m ? index.get(`${m[1]}[${m[2]}]`) : undefined;
      if (!qs) continue;
      const reason = `refused by the server: ${r.message ?? 'invalid'}`;
      for (const q of qs) {
        if (bad.has(q.seq)) continue;
        bad.add(q.seq);
        (byReason.get(reason) ?? byReason.set(reason, []).get(reason)!).push(q.seq);
      }
    }
    this.counts.sent += all.length - bad.size;
    for (const [reason, seqs] of byReason) this.fail(seqs, reason);
  }

  /** OTLP's partial success says how many spans were refused, not which: the last ones count. */
  private acknowledgeOtlp(all: number[], text: string): void {
    const refused = otlpRefused(text);
    const n = Math.min(refused?.count ?? 0, all.length);
    this.counts.sent += all.length - n;
    if (n) this.fail(all.slice(all.length - n), refused!.reason);
  }

  private fail(seqs: number[], reason: string): void {
    if (!seqs.length) return;
    this.counts.failed += seqs.length;
    this.remember(seqs, reason);
    this.report(new LoupeError('failed', `Loupe: ${seqs.length} events not delivered: ${reason}`, seqs.length));
  }

  private minUnsettled(): number {
    if (this.inflight) return this.inflight.minSeq;
    return this.queue.peek()?.seq ?? Infinity;
  }

  private checkWaiters(): void {
    if (!this.waiters.length) return;
    const min = this.minUnsettled();
    const still: Waiter[] = [];
    for (const w of this.waiters) (w.upTo < min ? w.done : () => still.push(w))();
    this.waiters = still;
  }

  /** The newest seq so far: flush() waits for everything up to it. */
  get lastSeq(): number {
    return this.seq;
  }

  /**
   * Resolves once every event up to the current seq is settled, all acknowledged; rejects with a
   * LoupeDeliveryError naming what was not (refused, dropped, failed after retries, or unsent
   * when the timeout passed).
   */
  async flush(timeoutMs = this.o.flushTimeoutMs): Promise<void> {
    const upTo = this.seq;
    const from = this.reportedUpTo;
    if (upTo > this.urgentUpTo) this.urgentUpTo = upTo;
    this.schedule(0);
    let timedOut = false;
    if (this.minUnsettled() <= upTo) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          timedOut = true;
          this.waiters = this.waiters.filter((w) => w !== waiter);
          resolve();
        }, timeoutMs);
        // Not unref'd: an app awaiting flush() asked to wait, and the retries' own timers are
        // unref'd, so without this a script's last `await loupe.flush()` could see its process
        // end mid-retry. Bounded by the timeout.
        const waiter: Waiter = { upTo, done: () => { clearTimeout(timer); resolve(); } };
        this.waiters.push(waiter);
      });
    }
    const failures: DeliveryFailure[] = [];
    for (const f of this.failures) {
      let n = 0;
      for (const s of f.seqs) if (s > from && s <= upTo) n++;
      if (n) {
        const same = failures.find((x) => x.reason === f.reason);
        if (same) same.count += n;
        else failures.push({ reason: f.reason, count: n });
      }
    }
    if (this.forgottenFailures) failures.push({ reason: 'failed (details not kept: too many failures)', count: this.forgottenFailures });
    if (timedOut) {
      let pending = 0;
      for (const q of this.inflight?.items ?? []) if (q.seq <= upTo) pending++;
      for (const q of this.queue) if (q.seq <= upTo) pending++;
      if (pending) failures.push({ reason: `still unsent when the flush timed out after ${timeoutMs} ms`, count: pending });
    } else if (upTo > this.reportedUpTo) {
      this.reportedUpTo = upTo;
      this.prune();
    }
    if (failures.length) throw new LoupeDeliveryError(upTo - from, failures);
  }

  private prune(): void {
    const keep: FailureRecord[] = [];
    let n = 0;
    for (const f of this.failures) {
      const seqs = f.seqs.filter((s) => s > this.reportedUpTo);
      if (seqs.length) {
        keep.push({ seqs, reason: f.reason });
        n += seqs.length;
      }
    }
    this.failures = keep;
    this.rememberedFailures = n;
    this.forgottenFailures = 0;
  }

  /** Whether anything is waiting to be sent or being sent. */
  get idle(): boolean {
    return !this.inflight && !this.queue.length;
  }

  /** At the exit deadline: stop, abort the request in flight, count what is left as failed. */
  abandon(): void {
    if (this.stopped.aborted) return;
    this.stopped.aborted = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.inflight?.abort?.abort();
    const left: number[] = [];
    for (let q = this.queue.shift(); q; q = this.queue.shift()) left.push(q.seq);
    this.fail(left, 'abandoned at exit');
    this.checkWaiters();
  }

  stats(): Stats {
    return { ...this.counts, buffered: this.queue.length, inFlight: this.inflight?.items.length ?? 0 };
  }
}

/** Retry-After as seconds or an HTTP date, in ms. */
function parseRetryAfter(v: string | null): number | undefined {
  if (!v) return undefined;
  const s = Number(v);
  if (Number.isFinite(s)) return Math.max(0, s * 1000);
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - Date.now());
}

/** The server's error message out of its JSON answer, or the start of the text. */
function summarise(text: string): string {
  try {
    const j = JSON.parse(text) as { error?: { code?: string; message?: string } };
    if (j?.error) return `${j.error.code ?? ''}: ${j.error.message ?? ''}`.trim();
  } catch {
    // not JSON
  }
  return text.slice(0, 200);
}
