// Which observation is current, so nested code need not pass parents around. With
// AsyncLocalStorage (Node, Bun, Deno; Workers with nodejs_als) the current observation follows
// async continuations: across awaits, timers and concurrent calls. Without it, a plain stack
// only covers the synchronous part of a call: an observed async function's children created
// after its first await start traces of their own (README, "Runtimes").
import type { Observation } from './observation.js';
import { AsyncLocalStorageImpl, type AsyncLocalStorageLike } from './runtime.js';

export interface ContextStore {
  current(): Observation | undefined;
  run<R>(obs: Observation, fn: () => R): R;
  /** Whether the store follows async continuations. */
  readonly async: boolean;
}

class AlsStore implements ContextStore {
  readonly async = true;
  constructor(private readonly als: AsyncLocalStorageLike<Observation>) {}
  current(): Observation | undefined {
    return this.als.getStore();
  }
  run<R>(obs: Observation, fn: () => R): R {
    return this.als.run(obs, fn);
  }
}

class StackStore implements ContextStore {
  readonly async = false;
  private stack: Observation[] = [];
  current(): Observation | undefined {
    return this.stack[this.stack.length - 1];
  }
  run<R>(obs: Observation, fn: () => R): R {
    this.stack.push(obs);
    try {
      return fn();
    } finally {
      // Popped when fn returns, not when its promise settles: with no async context that is the
      // only moment known to be this call's own.
      this.stack.pop();
    }
  }
}

/** One store for the process: integrations (OpenAI wrapper, OpenTelemetry bridge) see the same. */
let shared: ContextStore | undefined;

export function contextStore(custom?: AsyncLocalStorageLike<Observation>): ContextStore {
  if (custom) return (shared = new AlsStore(custom));
  return (shared ??= AsyncLocalStorageImpl ? new AlsStore(new AsyncLocalStorageImpl<Observation>()) : new StackStore());
}
