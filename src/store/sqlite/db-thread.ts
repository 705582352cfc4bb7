// Main-thread side of a database worker thread: the reads (read-worker.ts, a read-only connection)
// or the compactor (compact-worker.ts, with the checkpoints), each with its own connection. Calls are posted by name and answered with promises; a LoupeError thrown on the
// worker arrives as the same LoupeError.
// From TypeScript sources (tsx, vitest) the worker registers tsx before loading its module.
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { LoupeError, type ErrorCode } from '../../errors.js';
/** Asks the worker to close its connection (so the last one to close checkpoints the WAL). */
export const CLOSE_OP = '__close';

export interface ThreadRequest {
  id: number;
  op: string;
  args: unknown[];
}

export type ThreadReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: { message: string; code?: string; details?: unknown } };

// A large trace detail, or a group of writes, allocates tens of MB of short-lived objects: a
// roomier young generation turns most of their garbage collection into cheap scavenges.
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 64 };

type Pending = { resolve: (v: unknown) => void; reject: (e: unknown) => void };

/** `Ops` names the worker's operations: each takes plain arguments and returns a plain value. */
export class DbThread<Ops extends { [K in keyof Ops]: (...args: never[]) => unknown }> {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private seq = 0;
  private failed?: Error;
  /** Called once when the worker fails or exits. */
  onFail?: (e: Error) => void;

  /** `onEvent`: what the worker posts of its own accord (messages without a call id). */
  constructor(script: 'read-worker' | 'compact-worker', workerData: Record<string, unknown>, onEvent?: (event: unknown) => void) {
    const self = import.meta.url;
    const fromTs = self.endsWith('.ts');
    const workerUrl = new URL(`./${script}.${fromTs ? 'ts' : 'js'}`, self).href;
    if (fromTs) {
      // require.resolve finds the CommonJS build of tsx's API; the worker needs its ESM twin.
      const tsx = pathToFileURL(createRequire(self).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
      const code = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(workerUrl)}); });`;
      this.worker = new Worker(code, { eval: true, workerData, resourceLimits: WORKER_LIMITS });
    } else {
      this.worker = new Worker(new URL(workerUrl), { workerData, resourceLimits: WORKER_LIMITS });
    }
    this.worker.unref();
    this.worker.on('message', (r: ThreadReply) => {
      if (r.id === undefined) {
        onEvent?.(r);
        return;
      }
      const p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      if (r.ok) p.resolve(r.value);
      else p.reject(r.error.code ? new LoupeError(r.error.code as ErrorCode, r.error.message, r.error.details) : new Error(r.error.message));
    });
    const fail = (e: Error) => {
      if (!this.failed) this.onFail?.(e);
      this.failed = e;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`${script} exited (${code})`)));
  }

  call<K extends keyof Ops & string>(op: K, ...args: Parameters<Ops[K]>): Promise<Awaited<ReturnType<Ops[K]>>> {
    if (this.failed) return Promise.reject(this.failed);
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      if (this.pending.size === 1) this.worker.ref();
      const req: ThreadRequest = { id, op, args };
      this.worker.postMessage(req);
    }).finally(() => {
      if (this.pending.size === 0 && !this.held) this.worker.unref();
    }) as Promise<Awaited<ReturnType<Ops[K]>>>;
  }

  private held = false;

  /** Keeps the process alive for the worker while `on` (something awaits what it will post), as a pending call does. */
  hold(on: boolean): void {
    this.held = on;
    if (on) this.worker.ref();
    else if (this.pending.size === 0) this.worker.unref();
  }

  async close(): Promise<void> {
    if (!this.failed) {
      await new Promise<void>((resolve) => {
        const id = ++this.seq;
        this.pending.set(id, { resolve: () => resolve(), reject: () => resolve() });
        this.worker.ref();
        this.worker.postMessage({ id, op: CLOSE_OP, args: [] } satisfies ThreadRequest);
      });
    }
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }
}
