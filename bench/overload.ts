// Memory and reads under a 10x write overload (issue 14, item 3): 64 clients at 127.0.0.1 send
// 8 MB native batches (2,000 spans of ~4 KB) as fast as they are answered, for a bounded time,
// while one client reads the trace list. Reported: peak RSS (VmHWM) against the in-flight bound,
// 503s, and read latency. `node bin/run-ts.js bench/overload.ts [--seconds 20] [--clients 64]`.
// With --large-fields: issue 14's probe of 60 traces with an 8 MB input, and the RSS it leaves.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServerProcess } from './lib/server.js';

const arg = (name: string, d: number) => {
  const i = process.argv.indexOf(name);
  return i === -1 ? d : Number(process.argv[i + 1]);
};
const SECONDS = arg('--seconds', 20);
const CLIENTS = arg('--clients', 64);
const mib = (b: number) => (b / 1048576).toFixed(0);

function body(c: number, n: number): string {
  const id = `ov-${c}-${n}`;
  const t = Date.now();
  const spans = Array.from({ length: 2000 }, (_, i) => ({ id: `${id}-${i}`, traceId: id, name: 'step', kind: 'llm', startTime: t, endTime: t + 1, input: `${id} ${i} ${'lorem ipsum '.repeat(340)}` }));
  return JSON.stringify({ traces: [{ id, name: 'overload', startTime: t }], spans });
}

const LARGE = process.argv.includes('--large-fields');

/** Issue 14's large-field probe: 60 Langfuse traces, each with an 8 MB input, 4 at a time. */
async function largeFields(url: string, key: string): Promise<void> {
  const input = 'z'.repeat(8 * 1024 * 1024);
  for (let i = 0; i < 60; i += 4) {
    await Promise.all([0, 1, 2, 3].map(async (k) => {
      const body = JSON.stringify({ batch: [{ id: `ev-${i + k}`, type: 'trace-create', timestamp: new Date().toISOString(), body: { id: `big-${i + k}`, name: 'big', input } }] });
      const res = await fetch(`${url}/api/public/ingestion`, { method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/json' }, body });
      await res.arrayBuffer();
    }));
  }
}

const dir = mkdtempSync(join(tmpdir(), 'loupe-overload-'));
const BOUND = process.env.LOUPE_MAX_INFLIGHT_BYTES;
const server = await startServerProcess(dir, BOUND ? { LOUPE_MAX_INFLIGHT_BYTES: BOUND } : {});
try {
  await new Promise((r) => setTimeout(r, 1000));
  const idle = server.peakRss();
  if (LARGE) {
    await largeFields(server.url, server.key);
    await new Promise((r) => setTimeout(r, 2000));
    const now = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
    process.stderr.write(`large fields: peak RSS ${mib(server.peakRss())} MiB, ${mib(now)} MiB 2 s after (idle ${mib(idle)})\n`);
  } else await overload(idle);
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}

async function overload(idle: number): Promise<void> {
  const stopAt = Date.now() + SECONDS * 1000;
  const counts = { ok: 0, refused: 0, other: 0, bytesAcked: 0 };
  const reads: number[] = [];
  // Built before the clock starts: the load generator shares the server's two cores.
  const bodies = Array.from({ length: CLIENTS }, (_, c) => body(c, 0));
  const sample = bodies[0];
  const others: Record<number, number> = {};
  process.stderr.write(`server idle peak RSS ${mib(idle)} MiB; ${CLIENTS} clients × ${(sample.length / 1e6).toFixed(1)} MB bodies for ${SECONDS} s\n`);
  const writer = async (c: number) => {
    while (Date.now() < stopAt) {
      const b = bodies[c];
      const res = await fetch(`${server.url}/api/v1/ingest`, { method: 'POST', headers: { 'x-api-key': server.key, 'content-type': 'application/json' }, body: b }).catch(() => null);
      if (!res) { counts.other++; continue; }
      await res.arrayBuffer();
      if (res.status === 200) { counts.ok++; counts.bytesAcked += b.length; } else if (res.status === 503) {
        counts.refused++;
        await new Promise((r) => setTimeout(r, Number(res.headers.get('retry-after') ?? 1) * 200));
      } else {
        counts.other++;
        others[res.status] = (others[res.status] ?? 0) + 1;
      }
    }
  };
  const reader = async () => {
    while (Date.now() < stopAt) {
      const t0 = performance.now();
      const res = await fetch(`${server.url}/api/v1/traces?limit=50`, { headers: { 'x-api-key': server.key } });
      await res.arrayBuffer();
      reads.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  await Promise.all([...Array.from({ length: CLIENTS }, (_, c) => writer(c)), reader()]);
  reads.sort((a, b) => a - b);
  const pct = (p: number) => reads[Math.min(reads.length - 1, Math.floor((p / 100) * reads.length))].toFixed(0);
  process.stderr.write(`peak RSS ${mib(server.peakRss())} MiB (idle ${mib(idle)}); ${counts.ok} writes acked (${(counts.bytesAcked / 1e6).toFixed(0)} MB), ${counts.refused} refused with 503, ${counts.other} other ${JSON.stringify(others)}; reads p50 ${pct(50)} ms, p95 ${pct(95)} ms, max ${pct(100)} ms over ${reads.length}\n`);
}
