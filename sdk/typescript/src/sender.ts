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
  /** Told when the sender starts holding events (true) and when it holds none again (false). */
  onBusy?: (busy: boolean) => void;
}

interface Batch {
  items: Queued[];
  minSeq: number;
  attempt: number;
  abort?: AbortController;
  /** abandon() gave up on it: its events are failed, its retries end. */
  abandoned?: boolean;
  /** Ends a retry's wait early. */
  wake?: () => void;
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

/** The server refuses a body over 64 MiB (413); an event alone bigger than this is never sent. */
const SERVER_MAX_BODY = 64 * 1024 * 1024 - 64 * 1024;

/** A wait that batch.wake (abandon()) ends at once. */
function sleep(ms: number, batch: Batch): Promise<void> {
  return new Promise((resolve) => {
    if (batch.abandoned) return resolve();
    const timer = setTimeout(done, ms);
    unref(timer);
    function done(): void {
      clearTimeout(timer);
      batch.wake = undefined;
      resolve();
    }
    batch.wake = done;
  });
}

/** UTF-8 length of s (counted only when the UTF-16 length cannot tell). */
function utf8Length(s: string, limit: number): number {
  if (s.length * 3 <= limit) return s.length;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c < 0xdc00 ? (i++, 4) : 3;
  }
  return n;
}

/** One event serialised on its own, ready to be placed in a body. */
interface Prepared {
  list: 'traces' | 'spans' | 'scores';
  id?: string;
  json: string;
  bytes: number;
  qs: Queued[];
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
  private busy = false;
  readonly counts = { sent: 0, dropped: 0, retried: 0, failed: 0 };

  constructor(private readonly o: SenderOptions) {}

  /** The hot path: no serialisation, no allocation beyond the queue entry. */
  enqueue(type: 0 | 1 | 2 | 3, item: Serializable, bytes: number): void {
    const q: Queued = { seq: ++this.seq, type, item, bytes };
    this.queue.push(q);
    if (!this.busy) this.setBusy(true);
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

  private setBusy(busy: boolean): void {
    this.busy = busy;
    try {
      this.o.onBusy?.(busy);
    } catch {
      // the client's bookkeeping; never the app's problem
    }
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
    if (this.inflight) return;
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

  /**
   * Each event serialised on its own: one that cannot be (a circular or BigInt value in someone's
   * input) fails alone, and the rest go. The same span queued twice (sent open at a flush, then
   * ended) goes once, in its latest state.
   */
  private prepare(items: Queued[]): Prepared[] {
    const out: Prepared[] = [];
    const slot = new Map<Serializable, Prepared | string>();
    const bad = new Map<string, number[]>();
    for (const q of items) {
      const known = slot.get(q.item);
      if (known !== undefined) {
        if (typeof known === 'string') bad.get(known)!.push(q.seq);
        else known.qs.push(q);
        continue;
      }
      try {
        const wire = q.item.toWire() as { id?: unknown };
        const json = JSON.stringify(wire);
        if (typeof json !== 'string') throw new Error('toWire() gave nothing');
        const p: Prepared = {
          list: q.type === 0 ? 'traces' : q.type === 1 ? 'spans' : 'scores',
          id: typeof wire?.id === 'string' ? wire.id : undefined,
          json,
          bytes: utf8Length(json, SERVER_MAX_BODY) + 1,
          qs: [q],
        };
        slot.set(q.item, p);
        out.push(p);
      } catch (e) {
        const reason = `not serialisable: ${(e as Error)?.message ?? String(e)}`;
        slot.set(q.item, reason);
        (bad.get(reason) ?? bad.set(reason, []).get(reason)!).push(q.seq);
      }
    }
    for (const [reason, seqs] of bad) this.fail(seqs, reason);
    return out;
  }

  /** Consecutive runs of events whose body stays within maxBatchBytes; one too big for the server fails. */
  private chunks(prepared: Prepared[]): Prepared[][] {
    const out: Prepared[][] = [];
    let cur: Prepared[] = [];
    let bytes = 40;
    for (const p of prepared) {
      if (p.bytes + 40 > SERVER_MAX_BODY) {
        this.fail(p.qs.map((q) => q.seq), `too large: ${p.bytes} bytes serialised, over the server's limit of 64 MiB a request`);
        continue;
      }
      if (cur.length && bytes + p.bytes > this.o.maxBatchBytes) {
        out.push(cur);
        cur = [];
        bytes = 40;
      }
      cur.push(p);
      bytes += p.bytes;
    }
    if (cur.length) out.push(cur);
    return out;
  }

  private async deliver(batch: Batch): Promise<void> {
    reanchor();
    if (batch.items[0].type === 3) return this.deliverOtlp(batch, batch.items);
    for (const chunk of this.chunks(this.prepare(batch.items))) {
      const parts: Record<string, string[]> = {};
      const index = new Map<string, Queued[]>();
      for (const p of chunk) {
        const list = (parts[p.list] ??= []);
        index.set(`${p.list}[${list.length}]`, p.qs);
        if (p.id) index.set(`${p.list}:${p.id}`, p.qs);
        list.push(p.json);
      }
      const body = `{${Object.entries(parts).map(([k, v]) => `"${k}":[${v.join(',')}]`).join(',')}}`;
      const all = chunk.flatMap((p) => p.qs.map((q) => q.seq));
      const r = await this.post(batch, '/api/v1/ingest', body, all);
      // Once abandoned, post() fails the chunks left without sending them.
      if (r !== undefined) this.acknowledge(all, r, index);
    }
  }

  /** OTLP spans in bodies within the byte bound: halves until each fits or is one span. */
  private async deliverOtlp(batch: Batch, items: Queued[]): Promise<void> {
    let body: string;
    try {
      body = otlpBody(items.map((q) => q.item as OtlpItem));
    } catch (e) {
      if (items.length > 1) return this.halves(batch, items);
      this.fail([items[0].seq], `not serialisable: ${(e as Error)?.message ?? String(e)}`);
      return;
    }
    const bytes = utf8Length(body, SERVER_MAX_BODY);
    if (items.length > 1 && bytes > this.o.maxBatchBytes) return this.halves(batch, items);
    const all = items.map((q) => q.seq);
    if (bytes > SERVER_MAX_BODY) {
      this.fail(all, `too large: ${bytes} bytes serialised, over the server's limit of 64 MiB a request`);
      return;
    }
    const r = await this.post(batch, OTLP_PATH, body, all);
    if (r !== undefined) this.acknowledgeOtlp(all, r);
  }

  private async halves(batch: Batch, items: Queued[]): Promise<void> {
    const mid = items.length >> 1;
    await this.deliverOtlp(batch, items.slice(0, mid));
    if (!batch.abandoned) await this.deliverOtlp(batch, items.slice(mid));
    else this.fail(items.slice(mid).map((q) => q.seq), 'abandoned at exit');
  }

  /** Posts one body, retrying what may succeed later; the 2xx answer's text, or undefined once failed. */
  private async post(batch: Batch, path: string, body: string, all: number[]): Promise<string | undefined> {
    batch.attempt = 0;
    for (;;) {
      if (batch.abandoned) {
        this.fail(all, 'abandoned at exit');
        return undefined;
      }
      const abort = new AbortController();
      batch.abort = abort;
      const timer = setTimeout(() => abort.abort(), this.o.requestTimeoutMs);
      unref(timer);
      let status = 0;
      let text = '';
      let retryAfterMs: number | undefined;
      let networkError: string | undefined;
      try {
        const res = await this.o.fetch(`${this.o.baseUrl}${path}`, {
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
          ? batch.abandoned ? 'abandoned at exit' : `timed out after ${this.o.requestTimeoutMs} ms`
          : `network error: ${(e as Error)?.message ?? String(e)}`;
      } finally {
        clearTimeout(timer);
        batch.abort = undefined;
      }
      if (batch.abandoned) {
        this.fail(all, networkError ?? 'abandoned at exit');
        return undefined;
      }
      if (status >= 200 && status < 300) return text;
      const reason = networkError ?? `HTTP ${status} ${summarise(text)}`;
      if ((networkError || RETRY_STATUS.has(status)) && batch.attempt < this.o.maxRetries) {
        batch.attempt++;
        this.counts.retried++;
        const backoff = Math.min(this.o.retryMaxMs, this.o.retryBaseMs * 2 ** (batch.attempt - 1));
        // Full jitter between half and all of the backoff: clients that failed together spread out.
        const delay = retryAfterMs !== undefined ? Math.min(retryAfterMs, this.o.retryMaxMs) : backoff * (0.5 + Math.random() * 0.5);
        await sleep(delay, batch);
        continue;
      }
      this.fail(all, batch.attempt ? `${reason} (after ${batch.attempt} retries)` : reason);
      return undefined;
    }
  }

  /**
   * The server names a refused item by position (`spans[3]`, `spans[3] (<id>)`) or by id
   * (`span <id> (trace …)`, `trace <id>`, `score <id>`); a refusal it names neither way counts
   * one more event as failed, so flush() never reports stored what may not be.
   */
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
    let unmatched = 0;
    const unmatchedReasons: string[] = [];
    for (const r of rejected) {
      const item = typeof r?.item === 'string' ? r.item : '';
      const pos = /^(traces|spans|scores)\[(\d+)\]/.exec(item);
      const byId = /^(trace|span|score) (\S+)/.exec(item);
      const qs = pos ? index.get(`${pos[1]}[${pos[2]}]`) : byId ? index.get(`${byId[1]}s:${byId[2]}`) : undefined;
      const reason = `refused by the server: ${r?.message ?? 'invalid'}`;
      if (!qs) {
        unmatched++;
        if (unmatchedReasons.length < 3) unmatchedReasons.push(`${item || '?'}: ${r?.message ?? 'invalid'}`);
        continue;
      }
      for (const q of qs) {
        if (bad.has(q.seq)) continue;
        bad.add(q.seq);
        (byReason.get(reason) ?? byReason.set(reason, []).get(reason)!).push(q.seq);
      }
    }
    if (unmatched) {
      // Which events these were is unknown: count as many of the rest as failed, the last ones.
      const rest = all.filter((s) => !bad.has(s));
      const seqs = rest.slice(Math.max(0, rest.length - unmatched));
      for (const s of seqs) bad.add(s);
      if (seqs.length) byReason.set(`refused by the server (item not identified): ${unmatchedReasons.join('; ')}`, seqs);
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
    if (this.busy && this.idle) this.setBusy(false);
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

  /**
   * At the exit deadline: abort the request in flight, end its retries, count what is left as
   * failed. The sender stays usable: what is recorded later is sent as usual.
   */
  abandon(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const b = this.inflight;
    if (b) {
      b.abandoned = true;
      b.abort?.abort();
      b.wake?.();
    }
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
