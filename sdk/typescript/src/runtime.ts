// What the host runtime offers, looked up once and only where it exists: the SDK runs on Node,
// Bun, Deno, Cloudflare Workers and edge functions, so nothing here may import `node:` statically.

/** The parts of Node's `process` the SDK uses; absent on Workers and in browsers. */
export interface ProcessLike {
  env?: Record<string, string | undefined>;
  pid?: number;
  on?(event: string, listener: (...args: never[]) => void): unknown;
  once?(event: string, listener: (...args: never[]) => void): unknown;
  removeListener?(event: string, listener: (...args: never[]) => void): unknown;
  listenerCount?(event: string): number;
  kill?(pid: number, signal?: string): unknown;
  exitCode?: number | string;
}

/** AsyncLocalStorage's surface, as Node, Bun, Deno and Workers (nodejs_als) provide it. */
export interface AsyncLocalStorageLike<T> {
  getStore(): T | undefined;
  run<R>(store: T, fn: () => R): R;
}
export type AsyncLocalStorageClass = new <T>() => AsyncLocalStorageLike<T>;

export function processLike(): ProcessLike | undefined {
  const p = (globalThis as { process?: ProcessLike }).process;
  return p && typeof p === 'object' ? p : undefined;
}

export function env(name: string): string | undefined {
  try {
    const v = processLike()?.env?.[name];
    return v === undefined || v === '' ? undefined : v;
  } catch {
    // Deno without --allow-env throws on env access; the option then just isn't set.
    return undefined;
  }
}

// A specifier held in a variable keeps bundlers (esbuild, webpack, wrangler) from trying to
// resolve it for runtimes that have no such module; the import then fails at run time, caught.
const ASYNC_HOOKS = 'node:async_hooks';
const CRYPTO = 'node:crypto';

async function optionalImport<T>(specifier: string): Promise<T | undefined> {
  try {
    return (await import(/* @vite-ignore */ /* webpackIgnore: true */ specifier)) as T;
  } catch {
    return undefined;
  }
}

async function findAsyncLocalStorage(): Promise<AsyncLocalStorageClass | undefined> {
  const g = (globalThis as { AsyncLocalStorage?: AsyncLocalStorageClass }).AsyncLocalStorage;
  if (typeof g === 'function') return g;
  // Only where `process` exists: elsewhere (browsers, Workers without nodejs_compat) the import
  // would fail anyway, and some hosts log a failed dynamic import loudly.
  if (!processLike()) return undefined;
  const m = await optionalImport<{ AsyncLocalStorage?: AsyncLocalStorageClass }>(ASYNC_HOOKS);
  return m?.AsyncLocalStorage;
}

type RandomFill = (b: Uint8Array) => void;

async function findRandom(): Promise<RandomFill> {
  const c = (globalThis as { crypto?: { getRandomValues?(b: Uint8Array): Uint8Array } }).crypto;
  if (c?.getRandomValues) return (b) => { c.getRandomValues!(b); };
  // Node 18 has webcrypto only as a module, not a global.
  const m = await optionalImport<{ webcrypto?: { getRandomValues(b: Uint8Array): Uint8Array } }>(CRYPTO);
  if (m?.webcrypto) return (b) => { m.webcrypto!.getRandomValues(b); };
  return (b) => {
    for (let i = 0; i < b.length; i++) b[i] = (Math.random() * 256) | 0;
  };
}

/** Found once at load (top-level await: the SDK is ESM only), so no call ever waits for them. */
export const AsyncLocalStorageImpl: AsyncLocalStorageClass | undefined = await findAsyncLocalStorage();
export const fillRandom: RandomFill = await findRandom();

/** Timers must never keep a process alive on the SDK's account. */
export function unref(timer: unknown): void {
  const t = timer as { unref?: () => void } | null;
  if (t && typeof t.unref === 'function') t.unref();
}
