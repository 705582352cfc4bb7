// The Loupe client: configuration, traces, observe(), and the flush/shutdown contract. Events go
// to a bounded in-memory buffer and leave in background batches (sender.ts); nothing the app calls
// waits on the network or throws.
import { contextStore, type ContextStore } from './context.js';
import type { OtlpItem } from './otlp.js';
import { LoupeError } from './errors.js';
import { traceId as newTraceId } from './ids.js';
import { endWithError, INERT_TRACE, Span, Trace, type Observation, type Recorder } from './observation.js';
import { markBusy, registerForExit, unregisterForExit, type ExitParticipant } from './process-hooks.js';
import { env, type AsyncLocalStorageLike } from './runtime.js';
import { Sender } from './sender.js';
import type { ObserveOptions, Stats, TraceOptions } from './types.js';
import { isThenable } from './util.js';

export interface LoupeOptions {
  /** An ingest key; default LOUPE_API_KEY. */
  apiKey?: string;
  /** The server; default LOUPE_BASE_URL, else http://127.0.0.1:4318. */
  baseUrl?: string;
  /** false (or LOUPE_ENABLED=false): every call is a no-op returning inert objects. */
  enabled?: boolean;
  /** Send only traces that carry a testId (and their spans and scores). */
  evaluationOnly?: boolean;
  /** Defaults for every trace; default LOUPE_ENVIRONMENT, LOUPE_RELEASE. */
  environment?: string;
  release?: string;
  /** Send as soon as this many events are buffered (default 100). */
  flushAt?: number;
  /** Otherwise send what is buffered this often (default 1000 ms). */
  flushIntervalMs?: number;
  /** Most events in one request (default 1000). */
  maxBatchItems?: number;
  /** Most estimated bytes in one request (default 2 MiB). */
  maxBatchBytes?: number;
  /** Buffer bound in events; past it the oldest are dropped (default 10,000). */
  maxQueueItems?: number;
  /** Buffer bound in estimated bytes (default 32 MiB). */
  maxQueueBytes?: number;
  /** One request's timeout (default 10,000 ms). */
  requestTimeoutMs?: number;
  /** Retries of a request after 429, 502, 503, 504 or a network error (default 5). */
  maxRetries?: number;
  /** First backoff, doubled each retry, with jitter (default 250 ms); Retry-After wins. */
  retryBaseMs?: number;
  /** Longest wait between retries (default 10,000 ms). */
  retryMaxMs?: number;
  /** How long flush() waits before rejecting with what is still unsent (default 30,000 ms). */
  flushTimeoutMs?: number;
  /** The bounded wait at exit, on a signal and on a crash (default 2,000 ms). */
  exitTimeoutMs?: number;
  /** Flush at exit, on SIGTERM/SIGINT and on uncaught exceptions where `process` exists (default true). */
  processHooks?: boolean;
  /** Called on dropped events, failed requests and internal errors; never required. */
  onError?: (err: LoupeError) => void;
  /** A fetch of your own (proxies, tests); default globalThis.fetch. */
  fetch?: typeof fetch;
  /** An AsyncLocalStorage instance, where the SDK cannot find one itself (Workers: nodejs_als). */
  asyncLocalStorage?: AsyncLocalStorageLike<Observation>;
}

const DEFAULT_BASE_URL = 'http://127.0.0.1:4318';
/** Open spans remembered for a flush's snapshot and a crash's record; older ones are still sent when they end. */
const MAX_OPEN_TRACKED = 10_000;

function bool(v: string | undefined): boolean | undefined {
  if (v === undefined) return undefined;
  return !/^(false|0|no|off)$/i.test(v.trim());
}

export class Loupe {
  private static last: Loupe | undefined;
  readonly enabled: boolean;
  private readonly evaluationOnly: boolean;
  private readonly environment?: string;
  private readonly release?: string;
  private readonly sender: Sender | undefined;
  private readonly context: ContextStore;
  private readonly open = new Set<Span>();
  private readonly rec: Recorder;
  private readonly onError?: (err: LoupeError) => void;
  private readonly exit: ExitParticipant | undefined;
  private closed = false;
  private warned = new Set<string>();

  /** The most recently constructed client: for integrations called without one. */
  static active(): Loupe | undefined {
    return Loupe.last;
  }

  constructor(options: LoupeOptions = {}) {
    const o = options ?? {};
    this.enabled = o.enabled ?? bool(env('LOUPE_ENABLED')) ?? true;
    this.evaluationOnly = o.evaluationOnly ?? bool(env('LOUPE_EVALUATION_ONLY')) ?? false;
    this.environment = o.environment ?? env('LOUPE_ENVIRONMENT');
    this.release = o.release ?? env('LOUPE_RELEASE');
    this.onError = o.onError;
    this.context = contextStore(o.asyncLocalStorage);
    const self = this;
    this.rec = {
      enqueue: (type, item, bytes) => self.sender?.enqueue(type, item, bytes),
      opened(span) {
        if (self.open.size >= MAX_OPEN_TRACKED) self.open.delete(self.open.values().next().value!);
        self.open.add(span);
      },
      closed(span) {
        self.open.delete(span);
      },
      internalError: (e) => self.internalError(e),
    };
    Loupe.last = this;
    if (!this.enabled) return;
    const apiKey = o.apiKey ?? env('LOUPE_API_KEY');
    if (!apiKey) this.warnOnce('key', 'Loupe: no apiKey (option or LOUPE_API_KEY): the server will refuse every event, and flush() will say so.');
    const f = o.fetch ?? (globalThis as { fetch?: typeof fetch }).fetch;
    if (!f) {
      this.warnOnce('fetch', 'Loupe: this runtime has no fetch; pass options.fetch. Tracing is disabled.');
      this.enabled = false;
      return;
    }
    this.sender = new Sender({
      baseUrl: (o.baseUrl ?? env('LOUPE_BASE_URL') ?? DEFAULT_BASE_URL).replace(/\/+$/, ''),
      apiKey,
      fetch: f.bind(globalThis),
      flushAt: o.flushAt ?? 100,
      flushIntervalMs: o.flushIntervalMs ?? 1000,
      maxBatchItems: o.maxBatchItems ?? 1000,
      maxBatchBytes: o.maxBatchBytes ?? 2 * 1024 * 1024,
      maxQueueItems: o.maxQueueItems ?? 10_000,
      maxQueueBytes: o.maxQueueBytes ?? 32 * 1024 * 1024,
      requestTimeoutMs: o.requestTimeoutMs ?? 10_000,
      maxRetries: o.maxRetries ?? 5,
      retryBaseMs: o.retryBaseMs ?? 250,
      retryMaxMs: o.retryMaxMs ?? 10_000,
      flushTimeoutMs: o.flushTimeoutMs ?? 30_000,
      onError: o.onError,
      warn: (m) => this.warnOnce(m, m),
      onBusy: (busy) => {
        if (this.exit) markBusy(this.exit, busy);
      },
    });
    if (o.processHooks ?? true) {
      const sender = this.sender;
      this.exit = {
        exitTimeoutMs: o.exitTimeoutMs ?? 2000,
        pending: () => !sender.idle || [...this.open].some((s) => !s.sentOpen),
        flush: (ms) => this.flush(ms),
        abandon: () => sender.abandon(),
        recordCrash: (err) => this.recordCrash(err),
        warn: (m) => this.warnOnce(m, m),
      };
      registerForExit(this.exit);
    }
  }

  /** Starts a trace: a conversation turn, an agent run, a request. */
  trace(options: TraceOptions = {}): Trace {
    try {
      if (!this.enabled || !this.sender) return INERT_TRACE;
      if (this.closed) {
        this.warnOnce('closed', 'Loupe: this client was shut down; later calls record nothing.');
        return INERT_TRACE;
      }
      const o = options ?? {};
      return new Trace(this.rec, o.id ?? newTraceId(), o, { environment: this.environment, release: this.release, evaluationOnly: this.evaluationOnly });
    } catch (e) {
      this.internalError(e);
      return INERT_TRACE;
    }
  }

  /**
   * The innermost observation active here (observe, withObservation), or undefined. An ended one
   * (or one in an ended trace) is not current: a timer made inside an observed call that fires
   * after it must not nest new work into an old trace.
   */
  current(): Observation | undefined {
    try {
      const c = this.context.current();
      if (!c || c.root.ended || (c as { ended?: boolean }).ended) return undefined;
      return c;
    } catch {
      return undefined;
    }
  }

  /** Runs fn with obs as the current observation; returns what fn returns. */
  withObservation<R>(obs: Observation, fn: () => R): R {
    // fn's own errors are the app's and pass through; without an observation fn just runs.
    return obs ? this.context.run(obs, fn) : fn();
  }

  /**
   * Wraps fn (sync or async) so that each call is a span of `kind` (default `span`): its arguments
   * the input, its result the output, a thrown error or rejection the error (then thrown on, as
   * is). Calls inside it, observed or through current(), nest under it; the outermost call starts
   * a trace of its own, named `name`, with the same input and output.
   */
  observe<A extends unknown[], R>(name: string, fn: (...args: A) => R, options: ObserveOptions = {}): (...args: A) => R {
    const loupe = this;
    const o = options ?? {};
    const wrapped = function (this: unknown, ...args: A): R {
      let span: Span | undefined;
      let trace: Trace | undefined;
      try {
        if (loupe.enabled && !loupe.closed) {
          const input = o.captureInput === false ? undefined : args.length === 1 ? args[0] : args;
          const parent = loupe.current();
          if (!parent) trace = loupe.trace({ ...o.trace, name: o.trace?.name ?? name, input });
          span = (parent ?? trace!).span({ kind: o.kind ?? 'span', name: o.name ?? name, input, metadata: o.metadata });
        }
      } catch (e) {
        loupe.internalError(e);
      }
      if (!span) return fn.apply(this, args);
      const s = span;
      const done = (value: unknown): void => {
        try {
          const out = o.captureOutput === false ? undefined : value;
          s.end(out);
          trace?.end(out);
        } catch (e) {
          loupe.internalError(e);
        }
      };
      const failed = (err: unknown): void => {
        try {
          endWithError(s, trace, err);
        } catch (e) {
          loupe.internalError(e);
        }
      };
      let result: R;
      try {
        result = loupe.context.run(s, () => fn.apply(this, args));
      } catch (err) {
        failed(err);
        throw err;
      }
      if (isThenable(result)) {
        if (result instanceof Promise && Object.getPrototypeOf(result) === Promise.prototype) {
          // A native promise: a derived one, equal in all but identity, so that a rejection the
          // app leaves unhandled stays unhandled (a handler on the app's own would hide it).
          return (result as Promise<unknown>).then(
            (v) => { done(v); return v; },
            (err: unknown) => { failed(err); throw err; },
          ) as R;
        }
        // Any other thenable (an SDK's lazy request, an APIPromise with .withResponse()) is the
        // app's to run: returned as it is, never awaited here; the span ends now, its output unknown.
        try {
          s.update({ metadata: { thenable: true } });
        } catch (e) {
          loupe.internalError(e);
        }
        done(undefined);
        return result;
      }
      done(result);
      return result;
    };
    return wrapped;
  }

  /**
   * Sends everything buffered before this call, and spans still open as they are. Resolves once
   * the server acknowledged all of it; otherwise rejects with a LoupeDeliveryError that says how
   * many events were not stored and why. Fit for waitUntil().
   */
  async flush(timeoutMs?: number): Promise<void> {
    if (!this.sender) return;
    this.snapshotOpen();
    await this.sender.flush(timeoutMs);
  }

  /** Flushes (rejecting as flush does) and stops: later calls record nothing. */
  async shutdown(): Promise<void> {
    if (!this.sender) return;
    if (this.closed) {
      this.warnOnce('shutdown', 'Loupe: shutdown() was already called; this call does nothing.');
      return;
    }
    try {
      await this.flush();
    } finally {
      this.closed = true;
      if (this.exit) unregisterForExit(this.exit);
    }
  }

  /**
   * @internal The OpenTelemetry bridge's lane (integrations/otel.ts): an ended OpenTelemetry span,
   * sent as OTLP in this client's buffer, so flush() and stats() answer for it too. `root`: the
   * trace it was placed in; outside one, evaluation-only mode sends nothing (no testId).
   */
  sendOtlp(item: OtlpItem, bytes: number, root?: Trace): void {
    try {
      if (!this.sender || this.closed) return;
      if (root ? root.muted : this.evaluationOnly) return;
      this.sender.enqueue(3, item, bytes);
    } catch (e) {
      this.internalError(e);
    }
  }

  /** @internal An integration's failure: onError and one warning, as the client's own. */
  reportInternal(e: unknown): void {
    this.internalError(e);
  }

  /** Counts since the client started. */
  stats(): Stats {
    return this.sender?.stats() ?? { sent: 0, dropped: 0, retried: 0, failed: 0, buffered: 0, inFlight: 0 };
  }

  /** Open spans go out as they are (no end); their end follows as an update. */
  private snapshotOpen(): void {
    try {
      for (const s of this.open) {
        if (s.sentOpen || s.root.muted) continue;
        s.sentOpen = true;
        this.sender!.enqueue(1, s, s.bytes());
      }
    } catch (e) {
      this.internalError(e);
    }
  }

  private recordCrash(err: unknown): void {
    const traces = new Map<Trace, Observation>();
    const cur = this.current();
    if (cur && !cur.root.ended) traces.set(cur.root, cur);
    for (const s of this.open) if (!traces.has(s.root)) traces.set(s.root, s.root);
    for (const [trace, at] of traces) {
      if (trace.muted || !trace.rec) continue;
      const p = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      at.log(`uncaught exception: ${p}`, undefined, { level: 'error' }).error(err);
    }
  }

  private internalError(e: unknown): void {
    try {
      this.onError?.(new LoupeError('internal', `Loupe: internal error: ${(e as Error)?.message ?? String(e)}`, 0, e));
    } catch {
      // the app's hook failing is not ours to surface
    }
    this.warnOnce('internal', `Loupe: internal error (tracing continues): ${(e as Error)?.stack ?? String(e)}`);
  }

  private warnOnce(key: string, message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    try {
      console.warn(message);
    } catch {
      // no console (some sandboxes)
    }
  }
}
