// Main-thread side: runs ReadOps on a worker thread (read-worker.ts) and answers with promises.
// From TypeScript sources (tsx, vitest) the worker registers tsx before loading its module.
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { LoupeError, type ErrorCode } from '../../errors.js';
import type { ReadOps } from './reads.js';
import type { ReadReply, ReadRequest } from './read-worker.js';

// A large trace detail allocates tens of MB of short-lived rows: a roomier young generation
// turns most of its garbage collection into cheap scavenges.
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 64 };

type Pending = { resolve: (v: unknown) => void; reject: (e: unknown) => void };

export class ReadPool {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private seq = 0;
  private failed?: Error;

  constructor(file: string) {
    const self = import.meta.url;
    const fromTs = self.endsWith('.ts');
    const workerUrl = new URL(fromTs ? './read-worker.ts' : './read-worker.js', self).href;
    if (fromTs) {
      // require.resolve finds the CommonJS build of tsx's API; the worker needs its ESM twin.
      const tsx = pathToFileURL(createRequire(self).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
      const code = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(workerUrl)}); });`;
      this.worker = new Worker(code, { eval: true, workerData: { file }, resourceLimits: WORKER_LIMITS });
    } else {
      this.worker = new Worker(new URL(workerUrl), { workerData: { file }, resourceLimits: WORKER_LIMITS });
    }
    this.worker.unref();
    this.worker.on('message', (r: ReadReply) => {
      const p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      if (r.ok) p.resolve(r.value);
      else p.reject(r.error.code ? new LoupeError(r.error.code as ErrorCode, r.error.message, r.error.details) : new Error(r.error.message));
    });
    const fail = (e: Error) => {
      this.failed = e;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`read worker exited (${code})`)));
  }

  call<K extends keyof ReadOps>(op: K, ...args: Parameters<ReadOps[K]>): Promise<ReturnType<ReadOps[K]>> {
    if (this.failed) return Promise.reject(this.failed);
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      if (this.pending.size === 1) this.worker.ref();
      const req: ReadRequest = { id, op, args };
      this.worker.postMessage(req);
    }).finally(() => {
      if (this.pending.size === 0) this.worker.unref();
    }) as Promise<ReturnType<ReadOps[K]>>;
  }

  async close(): Promise<void> {
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }
}
