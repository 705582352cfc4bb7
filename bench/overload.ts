// Memory and reads under a 10x write overload (issue 14, item 3): 64 clients at 127.0.0.1 send
// 8 MB native batches (2,000 spans of ~4 KB) as fast as they are answered, for a bounded time,
// while one client reads the trace list. Reported: peak RSS (VmHWM) against the in-flight bound,
// 503s, and read latency. `node bin/run-ts.js bench/overload.ts [--seconds 20] [--clients 64]`.
// With --large-fields: issue 14's probe of 60 traces with an 8 MB input, and the RSS it leaves.
// Also reported: the server's event-loop delay (a read waits behind whatever holds the loop), and
// the CPU the rest of the machine used meanwhile, so a run sharing the 2 cores with other work says so.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
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

// Preloaded into the server (the server itself carries no probe): its event-loop delay, written
// to a file when it exits. Delays of 10 ms and less are the timer's resolution, not waiting.
const LOOP_PROBE = `import { monitorEventLoopDelay } from 'node:perf_hooks';
import { writeFileSync } from 'node:fs';
const h = monitorEventLoopDelay({ resolution: 10 });
h.enable();
process.on('exit', () => writeFileSync(process.env.LOUPE_BENCH_LOOP_FILE, JSON.stringify({ p50: h.percentile(50) / 1e6, p99: h.percentile(99) / 1e6, max: h.max / 1e6 })));`;

// The same reads from a thread of their own: the reader beside the 64 writers also waits on this
// process's loop (its delay is reported), which a separate client such as the dashboard does not.
const OWN_THREAD_READER = `const { workerData, parentPort } = require('node:worker_threads');
(async () => {
  const reads = [];
  while (Date.now() < workerData.stopAt) {
    const t0 = performance.now();
    const res = await fetch(workerData.url + '/api/v1/traces?limit=50', { headers: { 'x-api-key': workerData.key } });
    await res.arrayBuffer();
    reads.push([Date.now() - workerData.startAt, performance.now() - t0]);
    await new Promise((r) => setTimeout(r, 200));
  }
  parentPort.postMessage(reads);
})();`;

/** Busy CPU seconds of the whole machine so far (every core; /proc/stat counts in 1/100 s). */
function machineBusySeconds(): number {
  const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return (user + nice + system + irq + softirq + steal) / 100;
}

const dir = mkdtempSync(join(tmpdir(), 'loupe-overload-'));
const BOUND = process.env.LOUPE_MAX_INFLIGHT_BYTES;
const loopFile = join(dir, 'loop-delay.json');
const server = await startServerProcess(dir, { LOUPE_BENCH_LOOP_FILE: loopFile, ...(BOUND ? { LOUPE_MAX_INFLIGHT_BYTES: BOUND } : {}) }, ['--import', `data:text/javascript,${encodeURIComponent(LOOP_PROBE)}`]);
let loopReport = () => {};
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
  loopReport();
  rmSync(dir, { recursive: true, force: true });
}

async function overload(idle: number): Promise<void> {
  const stopAt = Date.now() + SECONDS * 1000;
  const counts = { ok: 0, refused: 0, other: 0, bytesAcked: 0 };
  const reads: number[] = [];
  // Built before the clock starts: the load generator shares the server's two cores. As bytes, off
  // the heap: 64 strings of 8.4 MB cost this process's reader long garbage-collection pauses
  // (and an encoding per request), which it counted as the server's read latency.
  const bodies = Array.from({ length: CLIENTS }, (_, c) => Buffer.from(body(c, 0)));
  const sample = bodies[0];
  const others: Record<number, number> = {};
  process.stderr.write(`server idle peak RSS ${mib(idle)} MiB; ${CLIENTS} clients × ${(sample.length / 1e6).toFixed(1)} MB bodies for ${SECONDS} s; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
  const busy0 = machineBusySeconds();
  const server0 = server.cpuSeconds();
  const self0 = process.cpuUsage();
  const t0 = performance.now();
  // The reader shares this process with 64 writers: its own loop's delay is part of what it measures.
  const ownLoop = monitorEventLoopDelay({ resolution: 10 });
  ownLoop.enable();
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
  const ownThread = new Worker(OWN_THREAD_READER, { eval: true, workerData: { url: server.url, key: server.key, stopAt, startAt: Date.now() } });
  const threadReads = new Promise<Array<[number, number]>>((resolve, reject) => ownThread.once('message', resolve).once('error', reject));
  await Promise.all([...Array.from({ length: CLIENTS }, (_, c) => writer(c)), reader()]);
  const timed = await threadReads;
  const apart = timed.map(([, ms]) => ms).sort((a, b) => a - b);
  const slowest = timed.reduce((a, b) => (b[1] > a[1] ? b : a));
  await ownThread.terminate();
  const wall = (performance.now() - t0) / 1000;
  const serverCpu = server.cpuSeconds() - server0;
  const self = process.cpuUsage(self0);
  const selfCpu = (self.user + self.system) / 1e6;
  const othersCpu = Math.max(0, machineBusySeconds() - busy0 - serverCpu - selfCpu);
  const cores = (s: number) => (s / wall).toFixed(2);
  ownLoop.disable();
  process.stderr.write(`cores used: server ${cores(serverCpu)}, load generator ${cores(selfCpu)}, everything else ${cores(othersCpu)} (of 2); load generator's event-loop delay p99 ${(ownLoop.percentile(99) / 1e6).toFixed(0)} ms, max ${(ownLoop.max / 1e6).toFixed(0)} ms\n`);
  loopReport = () => {
    if (!existsSync(loopFile)) return;
    const d = JSON.parse(readFileSync(loopFile, 'utf8')) as { p50: number; p99: number; max: number };
    process.stderr.write(`server event-loop delay p50 ${d.p50.toFixed(0)} ms, p99 ${d.p99.toFixed(0)} ms, max ${d.max.toFixed(0)} ms\n`);
  };
  reads.sort((a, b) => a - b);
  const pcts = (r: number[]) => {
    const at = (p: number) => r[Math.min(r.length - 1, Math.floor((p / 100) * r.length))].toFixed(0);
    return `p50 ${at(50)} ms, p95 ${at(95)} ms, max ${at(100)} ms over ${r.length}`;
  };
  process.stderr.write(`peak RSS ${mib(server.peakRss())} MiB (idle ${mib(idle)}); ${counts.ok} writes acked (${(counts.bytesAcked / 1e6).toFixed(0)} MB), ${counts.refused} refused with 503, ${counts.other} other ${JSON.stringify(others)}; reads p50 ${pcts(reads).slice(4)}\n`);
  process.stderr.write(`reads from a thread of their own: ${pcts(apart)} (the slowest sent ${(slowest[0] / 1000).toFixed(1)} s into the run)\n`);
}
