// The TypeScript SDK's cost to the app (issue 15): `node bin/run-ts.js bench/sdk.ts [--spans N]`.
// 1. App time per span created and ended (median, p99), timed one span at a time, with the
//    background sender running against a real server (`loupe serve`, a child process): the app
//    makes bursts of 100 spans paced at --rate spans/s (default 5,000) and yields to the event
//    loop between them, so batches are serialised and sent meanwhile. One server stores ~10-15k
//    events/s from one client here (one request in flight), so a faster rate measures drops.
// 2. The SDK's heap with the server down (connection refused): it must stay bounded by the
//    buffer limits however many spans the app makes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Loupe } from '@loupe/sdk';
import { startServerProcess } from './lib/server.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const arg = (name: string, d: number): number => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : d;
};
const SPANS = arg('--spans', 100_000);
/** Spans a second the app makes: a busy app's rate, well under what one server stores. */
const RATE = arg('--rate', 5_000);
const SPANS_PER_TRACE = 10;
const yieldLoop = (): Promise<void> => new Promise((r) => setImmediate(r));
const pct = (sorted: Float64Array, p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
const f2 = (n: number): string => n.toFixed(2);

/** One trace's worth of a chat-like app: a message, a retrieval, a generation with usage, a tool. */
function makeSpans(loupe: Loupe, n: number, times: Float64Array | undefined, offset: number): number {
  let made = 0;
  let trace = loupe.trace({ name: 'bench', userId: 'u1', sessionId: 's1' });
  for (let i = 0; i < n; i++) {
    if (i % SPANS_PER_TRACE === 0 && i) {
      trace.end('done');
      trace = loupe.trace({ name: 'bench', userId: 'u1', sessionId: 's1' });
    }
    const input = [{ role: 'user', content: `question ${i}: what is the weather in Paris today?` }];
    const t0 = performance.now();
    const g = trace.generation({ model: 'gpt-4o-mini', params: { temperature: 0.2 }, input });
    g.end({ output: { role: 'assistant', content: 'It is sunny, 21 degrees.' }, usage: { inputTokens: 20, outputTokens: 8 } });
    const dt = performance.now() - t0;
    if (times) times[offset + i] = dt * 1000;
    made++;
  }
  trace.end('done');
  return made;
}

async function hotPath(): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'loupe-bench-sdk-'));
  const server = await startServerProcess(dir);
  try {
    const loupe = new Loupe({ apiKey: server.key, baseUrl: server.url, processHooks: false });
    // Warm-up: JIT, connection, the server's first writes.
    for (let i = 0; i < 50; i++) {
      makeSpans(loupe, 100, undefined, 0);
      await yieldLoop();
    }
    await loupe.flush();
    const before = loupe.stats();
    const times = new Float64Array(SPANS);
    // The timer's own cost, to read the figures against.
    const empty = new Float64Array(10_000);
    for (let i = 0; i < empty.length; i++) {
      const t0 = performance.now();
      empty[i] = (performance.now() - t0) * 1000;
    }
    empty.sort();
    const cpu0 = process.cpuUsage();
    const wall0 = performance.now();
    for (let done = 0; done < SPANS; done += 100) {
      makeSpans(loupe, Math.min(100, SPANS - done), times, done);
      // Paced at RATE: wait for the next burst's time (or just yield when behind).
      const due = wall0 + ((done + 100) / RATE) * 1000;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      else await yieldLoop();
    }
    const appWall = performance.now() - wall0;
    await loupe.flush();
    const totalWall = performance.now() - wall0;
    const cpu = process.cpuUsage(cpu0);
    const s = loupe.stats();
    times.sort();
    return {
      spans: SPANS,
      medianUs: pct(times, 0.5),
      p99Us: pct(times, 0.99),
      p999Us: pct(times, 0.999),
      timerMedianUs: pct(empty, 0.5),
      spansPerSecApp: SPANS / (appWall / 1000),
      rate: RATE,
      // Everything the SDK did on the app's thread, the sender's serialising and fetch included.
      cpuUsPerSpanAll: (cpu.user + cpu.system) / SPANS,
      secondsToAllAcked: totalWall / 1000,
      sent: s.sent - before.sent,
      dropped: s.dropped - before.dropped,
      failed: s.failed - before.failed,
      retried: s.retried - before.retried,
    };
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function heapServerDown(): Promise<Array<{ spans: number; heapMiB: number; buffered: number; dropped: number }>> {
  // Nothing listens on port 9 here: every request is refused, and retried with backoff.
  const loupe = new Loupe({ apiKey: 'k', baseUrl: 'http://127.0.0.1:9', processHooks: false, onError: () => undefined });
  const warn = console.warn;
  console.warn = () => undefined;
  const rows: Array<{ spans: number; heapMiB: number; buffered: number; dropped: number }> = [];
  gc();
  const base = process.memoryUsage().heapUsed;
  rows.push({ spans: 0, heapMiB: 0, buffered: 0, dropped: 0 });
  let made = 0;
  const big = 'x'.repeat(1000); // ~1 KB of prompt per span
  for (const target of [10_000, 50_000, 100_000, 200_000, 400_000]) {
    while (made < target) {
      const t = loupe.trace({ name: 'down' });
      for (let i = 0; i < 100; i++) t.tool(`${big}${made + i}`).end(big);
      made += 100;
      await yieldLoop();
    }
    gc();
    const s = loupe.stats();
    rows.push({ spans: made, heapMiB: (process.memoryUsage().heapUsed - base) / 2 ** 20, buffered: s.buffered + s.inFlight, dropped: s.dropped });
  }
  console.warn = warn;
  return rows;
}

const hot = await hotPath();
console.log('\nHot path (app time per span created + ended, sender running against a real server):');
console.log(`  spans ${hot.spans}: median ${f2(hot.medianUs)} µs, p99 ${f2(hot.p99Us)} µs, p99.9 ${f2(hot.p999Us)} µs (the timer alone: ${f2(hot.timerMedianUs)} µs)`);
console.log(`  paced at ${hot.rate} spans/s (achieved ${Math.round(hot.spansPerSecApp)}); all SDK CPU incl. sending ${f2(hot.cpuUsPerSpanAll)} µs/span; all acked after ${f2(hot.secondsToAllAcked)} s`);
console.log(`  sent ${hot.sent}, dropped ${hot.dropped}, failed ${hot.failed}, retried ${hot.retried}`);
const heap = await heapServerDown();
console.log('\nHeap with the server down (default bounds: 10,000 events, 32 MiB estimated; ~2 KB a span):');
for (const r of heap) console.log(`  after ${String(r.spans).padStart(7)} spans: heap +${f2(r.heapMiB)} MiB, buffered ${r.buffered}, dropped ${r.dropped}`);
process.exit(0);
