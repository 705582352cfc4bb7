// HTTP load from this (separate) process: closed-loop clients sending replayed pool bodies, and a
// paced variant (a fixed request rate) for latency under a given load; plus dashboard-like reads.
import { replay, type Pool } from './pool.js';

export interface LoadResult {
  spans: number;
  bytes: number;
  requests: number;
  seconds: number;
  latencies: number[];
  errors: number;
  retries: number;
}

async function post(url: string, key: string, path: string, contentType: string, body: Buffer): Promise<number> {
  const res = await fetch(`${url}${path}`, { method: 'POST', headers: { 'x-api-key': key, 'content-type': contentType }, body });
  await res.arrayBuffer();
  return res.status;
}

export interface LoadOptions {
  url: string;
  key: string;
  pool: Pool;
  /** Stop after this many spans… */
  spans: number;
  /** …or this many seconds, whichever comes first. */
  maxSeconds: number;
  concurrency: number;
  /** Requests per second across all clients (paced); omit for as fast as possible. */
  rate?: number;
  /** First replay round (so successive runs on one database write new traces). */
  round?: number;
}

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const res: LoadResult = { spans: 0, bytes: 0, requests: 0, seconds: 0, latencies: [], errors: 0, retries: 0 };
  const n = o.pool.bodies.length;
  let seq = 0;
  const t0 = performance.now();
  const deadline = t0 + o.maxSeconds * 1000;
  const client = async () => {
    while (res.spans < o.spans && performance.now() < deadline) {
      const k = seq++;
      if (o.rate) {
        const due = t0 + (k * 1000) / o.rate;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
      const b = o.pool.bodies[k % n];
      const body = replay(b, (o.round ?? 1) + Math.floor(k / n));
      const start = performance.now();
      let status = await post(o.url, o.key, b.path, b.contentType, body);
      while (status === 503 || status === 429) {
        res.retries++;
        await new Promise((r) => setTimeout(r, 50));
        status = await post(o.url, o.key, b.path, b.contentType, body);
      }
      res.latencies.push(performance.now() - start);
      if (status !== 200) res.errors++;
      res.spans += b.spans;
      res.bytes += body.length;
      res.requests++;
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, client));
  res.seconds = (performance.now() - t0) / 1000;
  return res;
}

/** Replay rounds a load used, so the next load on the same database starts after them. */
export const roundsUsed = (pool: Pool, r: LoadResult) => Math.ceil(r.requests / pool.bodies.length) + 1;

/** Dashboard-like reads in a loop until stopped: list pages, filters, a search, trace details. */
export function readLoad(url: string, key: string, paths: () => string, clients: number): { stop: () => Promise<number> } {
  let running = true;
  let count = 0;
  const loops = Array.from({ length: clients }, async () => {
    while (running) {
      const res = await fetch(`${url}${paths()}`, { headers: { 'x-api-key': key } });
      await res.arrayBuffer();
      count++;
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      return count;
    },
  };
}
