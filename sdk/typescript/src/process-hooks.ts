// What happens at process exit, on SIGTERM/SIGINT and on an uncaught exception, where a `process`
// exists (Node, Bun, Deno). One set of listeners for the process, whatever the number of clients.
// The app's own behaviour is kept: a signal the app handles is the app's to act on; one it does
// not handle still terminates the process, after a bounded flush; an uncaught exception still
// crashes it, after a bounded flush.
import { processLike, type ProcessLike } from './runtime.js';
import { safe } from './util.js';

export interface ExitParticipant {
  /** Anything buffered, in flight, or open that a flush would send. */
  pending(): boolean;
  /** Flush for the exit; rejects with what was not delivered. */
  flush(timeoutMs: number): Promise<void>;
  /** The deadline passed: stop and abort what is in flight. */
  abandon(): void;
  /** Record the crash on the open traces (a log span of level error). */
  recordCrash(err: unknown): void;
  readonly exitTimeoutMs: number;
  warn(message: string): void;
}

// Clients are held weakly where WeakRef exists: a client made per request (a serverless handler)
// and dropped by the app is not kept alive by these hooks. While it holds events (buffered or in
// flight) it is held strongly, so that what it still has to send is sent at exit.
type Ref = { deref(): ExitParticipant | undefined };
const WeakRefImpl = (globalThis as { WeakRef?: new (v: ExitParticipant) => Ref }).WeakRef;
const Registry = (globalThis as { FinalizationRegistry?: new (cb: (ref: Ref) => void) => { register(v: object, held: Ref, token?: object): void; unregister(token: object): void } }).FinalizationRegistry;
/** Every registered client, weakly (strongly where WeakRef is missing). */
const refs = new Set<Ref>();
const refOf = new WeakMap<ExitParticipant, Ref>();
/** Clients holding events: held strongly until they are sent. */
const busyClients = new Set<ExitParticipant>();
const registry = Registry ? new Registry((ref) => {
  refs.delete(ref);
  if (!refs.size) uninstall();
}) : undefined;

/** The clients alive now. */
function live(): ExitParticipant[] {
  const out = new Set<ExitParticipant>(busyClients);
  for (const r of refs) {
    const c = r.deref();
    if (c) out.add(c);
    else refs.delete(r);
  }
  return [...out];
}

/** @internal How many clients the hooks know of (tests). */
export function registeredForExit(): number {
  return live().length;
}
let installed: { p: ProcessLike; listeners: Array<[string, (...a: never[]) => void]> } | undefined;
let exiting = false;
/** The error we throw again to crash as Node would; the monitor must not record it twice. */
let rethrowing = false;
const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

function deadline(list: ExitParticipant[]): number {
  return Math.max(0, ...list.map((c) => c.exitTimeoutMs));
}

/**
 * Flushes every client with pending events, resolved by the deadline at the latest; a ref'd timer
 * keeps the loop alive until then (the SDK's own timers are unref'd). When the process is really
 * exiting (`abandon`), the deadline abandons what is left so that nothing the SDK holds keeps the
 * process from exiting; when the app goes on (it handles the signal or the exception), the
 * deadline only stops the waiting, and the senders carry on.
 */
/** Resolves true when the deadline passed before every flush settled. */
function flushAll(abandon: boolean): Promise<boolean> {
  const busy = live().filter((c) => safe(() => c.pending(), false));
  if (!busy.length) return Promise.resolve(false);
  const ms = deadline(busy);
  return new Promise<boolean>((resolve) => {
    const keep = setTimeout(() => {
      if (abandon) for (const c of busy) safe(() => c.abandon(), undefined);
      resolve(true);
    }, ms);
    void Promise.allSettled(busy.map((c) => c.flush(ms).catch((e: unknown) => {
      c.warn(`Loupe: at exit, ${String((e as Error)?.message ?? e).replace(/^Loupe: /, '')}`);
    }))).then(() => {
      clearTimeout(keep);
      resolve(false);
    });
  });
}

/** beforeExit comes again once our flush lets the loop empty: at most this many rounds in a row that hit the deadline. */
const MAX_EXIT_ROUNDS = 3;
let exitRounds = 0;

function onBeforeExit(): void {
  // Then nothing is pending, unless the app recorded more meanwhile (say, in its own beforeExit
  // listener); each round is bounded by the deadline, and so is the number of rounds in a row
  // that reach it, so a sender that cannot progress never keeps the process alive.
  if (exiting || exitRounds >= MAX_EXIT_ROUNDS) return;
  exiting = true;
  void flushAll(true).then((timedOut) => {
    exitRounds = timedOut ? exitRounds + 1 : 0;
  }, () => undefined).finally(() => {
    exiting = false;
  });
}

function onSignal(p: ProcessLike, signal: string): void {
  const appHandles = (p.listenerCount?.(signal) ?? 1) > 1;
  if (appHandles) {
    // The app decides when to exit; send what we can meanwhile (it may also await shutdown()),
    // and keep sending afterwards: the app may well go on.
    void flushAll(false);
    return;
  }
  if (exiting) return reraise(p, signal); // a second Ctrl-C: stop waiting
  exiting = true;
  void flushAll(true).finally(() => reraise(p, signal));
}

/** Without our listener the signal's default action applies: terminated by that signal. */
function reraise(p: ProcessLike, signal: string): void {
  uninstall();
  try {
    p.kill?.(p.pid ?? 0, signal);
  } catch {
    // No kill (some runtimes): nothing more we can do the way the signal would have.
  }
}

function onUncaught(p: ProcessLike, err: unknown): void {
  if (rethrowing) return;
  for (const c of live()) safe(() => c.recordCrash(err), undefined);
  if ((p.listenerCount?.('uncaughtException') ?? 1) > 0) {
    // The app handles it and keeps running: send the record, don't wait, stop nothing.
    void flushAll(false);
    return;
  }
  // Nobody handles it: Node would print and exit now. A listener added here (the monitor runs
  // first) defers that until the flush; then the same error is thrown again, unhandled, so the
  // process crashes as it would have, with its stack and exit code 1.
  const hold = (): void => {
    void flushAll(true).finally(() => {
      p.removeListener?.('uncaughtException', hold);
      rethrowing = true;
      setTimeout(() => {
        throw err;
      }, 0);
    });
  };
  p.once?.('uncaughtException', hold);
}

function install(): void {
  const p = processLike();
  if (installed || !p || typeof p.on !== 'function') return;
  const listeners: Array<[string, (...a: never[]) => void]> = [
    ['beforeExit', onBeforeExit],
    ['uncaughtExceptionMonitor', ((err: unknown) => onUncaught(p, err)) as (...a: never[]) => void],
    ...SIGNALS.map((s): [string, (...a: never[]) => void] => [s, () => onSignal(p, s)]),
  ];
  for (const [event, fn] of listeners) p.on(event, fn);
  installed = { p, listeners };
}

function uninstall(): void {
  if (!installed) return;
  for (const [event, fn] of installed.listeners) installed.p.removeListener?.(event, fn);
  installed = undefined;
}

export function registerForExit(c: ExitParticipant): void {
  const ref: Ref = WeakRefImpl ? new WeakRefImpl(c) : { deref: () => c };
  refs.add(ref);
  refOf.set(c, ref);
  registry?.register(c, ref, c);
  install();
}

export function unregisterForExit(c: ExitParticipant): void {
  const ref = refOf.get(c);
  if (ref) refs.delete(ref);
  busyClients.delete(c);
  registry?.unregister(c);
  if (!refs.size) uninstall();
}

/** A client holding events is held strongly until they are sent (or failed). */
export function markBusy(c: ExitParticipant, busy: boolean): void {
  if (busy) busyClients.add(c);
  else busyClients.delete(c);
}
