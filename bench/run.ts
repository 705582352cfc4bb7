// `npm run bench [-- --quick]`: drives the real server (a child process on 127.0.0.1) over HTTP
// from this process and measures ingest per wire format against two in-process floors (the full
// floor: Loupe's own adapter, pipeline and writer; the lean floor: a hand-written decoder and one
// row per span) and the background compactor's backlog (from /readyz), then
// queries on a large reusable database, then ingest latency under a dashboard-like read load.
// Writes bench/results/<date>.json, prints a markdown table, appends it to bench/README.md.
import { execSync } from 'node:child_process';
import { setFlagsFromString } from 'node:v8';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { WireFormat } from '../src/demo/index.js';
import { drainBacklog, untilFileSettles, watchBacklog } from './lib/backlog.js';
import { runFloor } from './lib/floor.js';
import { runLeanFloor } from './lib/lean-floor.js';
import { readLoad, runLoad } from './lib/load.js';
import { buildPool, buildSmallPool, type Pool } from './lib/pool.js';
import { ensureQueryDb } from './lib/query-db.js';
import { dirBytes, startServerProcess } from './lib/server.js';
import { int, latency, mib, ms, type Latency } from './lib/stats.js';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    'skip-ingest': { type: 'boolean', default: false },
    'skip-queries': { type: 'boolean', default: false },
    spans: { type: 'string' },
    concurrency: { type: 'string' },
    'no-readme': { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    'ingest-rate': { type: 'string' },
    'max-seconds': { type: 'string' },
    formats: { type: 'string' },
  },
});

const quick = args.quick;
// The floor runs in this process: give it the young generation `loupe serve` uses (src/cli/serve.ts).
setFlagsFromString('--max-semi-space-size=64');
const CFG = {
  spans: Number(args.spans ?? (quick ? 20_000 : 1_000_000)),
  poolSpans: quick ? 4_000 : 50_000,
  floorSpans: quick ? 10_000 : 100_000,
  // Each ingest format's load stops at `spans` or after this long (0: only at `spans`); the
  // default keeps a full run under 10 minutes here. The floor gets its own, shorter cap.
  maxSeconds: Number(args['max-seconds'] ?? (quick ? 60 : 75)),
  floorSeconds: quick ? 60 : 30,
  concurrency: Number(args.concurrency ?? 8),
  spansPerRequest: 100,
  queryTraces: quick ? 20_000 : 1_000_000,
  spansPerTrace: 10,
  queryIterations: quick ? 40 : 100,
  underLoadSeconds: quick ? 8 : 30,
};
/** What runLoad takes for CFG.maxSeconds: 0 means no cap. */
const loadSeconds = CFG.maxSeconds || Infinity;
const ROOT = new URL('../', import.meta.url).pathname;
const log = (s: string) => process.stderr.write(`${s}\n`);
const started = Date.now();

interface IngestRow {
  format: string;
  spans: number;
  seconds: number;
  spansPerSec: number;
  mbPerSec: number;
  bytesPerSpanWire: number;
  latency: Latency;
  peakRssMiB: number;
  /** Server CPU (all threads) per span: steadier than spans/s on a shared machine. */
  cpuUsPerSpan: number;
  coresUsed: number;
  diskBytesPerSpan: number;
  errors: number;
  retries: number;
  floorSpansPerSec: number;
  /** The floor's time per span in the adapter (decode, mapping) and in the rest (pipeline, writer, SQLite). */
  floorAdapterUs: number;
  floorStoreUs: number;
  ratio: number;
  /** The lean floor (bench/lib/lean-floor.ts): spans/s, its CPU per span, and the server against it. */
  leanSpansPerSec: number;
  leanCpuUsPerSpan: number;
  /** Of the lean floor's wall time per span: decoding (the rest is SQLite). */
  leanDecodeUs: number;
  leanStoreUs: number;
  /** Server spans/s / lean floor spans/s. */
  leanRatio: number;
  /** Server CPU µs/span / lean floor CPU µs/span. */
  cpuVsLean: number;
  /** Compaction backlog from GET /readyz, sampled each second of the load; null: the server reports none. */
  backlogMaxSpans: number | null;
  /** Each second's sample of the load: [s, backlog spans, behind s] (backlog.ts). */
  backlogSeries: Array<[number, number, number]>;
  behindMaxSeconds: number | null;
  /** From the load's end until backlogSpans read 0 (at most 120 s: then drainTimedOut). */
  drainSeconds: number | null;
  drainTimedOut: boolean;
  /**
   * Server CPU per span over load + drain, split: background = the compactor's cpuSeconds delta,
   * hot path = all threads (/proc) minus background. Without compaction: hot = cpuUsPerSpan, background null.
   */
  hotCpuUsPerSpan: number;
  backgroundCpuUsPerSpan: number | null;
}

async function ingestRun(pool: Pool, label: string): Promise<IngestRow> {
  const dir = mkdtempSync(join(tmpdir(), 'loupe-bench-'));
  const server = await startServerProcess(dir, {}, args.profile ? ['--cpu-prof', `--cpu-prof-dir=${join(ROOT, 'bench/results/profiles')}`] : []);
  log(`  ${label}: server ${server.url}, ${pool.bodies.length} pool bodies, ${int(pool.bytes / pool.spans)} B/span on the wire`);
  const watch = await watchBacklog(server.url);
  const cpu0 = server.cpuSeconds();
  const r = await runLoad({ url: server.url, key: server.key, pool, spans: CFG.spans, maxSeconds: loadSeconds, concurrency: CFG.concurrency });
  const cpu = server.cpuSeconds() - cpu0;
  const backlog = await watch.stop();
  const drain = backlog.reported ? await drainBacklog(server.url, 120) : { seconds: null, timedOut: false, last: null };
  const cpuThroughDrain = server.cpuSeconds() - cpu0;
  // Before the first write the compactor has not started: its CPU then counts as 0.
  const bgEnd = drain.last?.cpuSeconds ?? null;
  const background = bgEnd === null ? null : bgEnd - (backlog.first?.cpuSeconds ?? 0);
  const rss = server.peakRss();
  await untilFileSettles(join(dir, 'loupe.db'));
  await server.stop();
  const disk = dirBytes(dir);
  rmSync(dir, { recursive: true, force: true });
  log(`  ${label}: ${int(r.spans / r.seconds)} spans/s over ${int(r.spans)} spans; floor…`);
  const f = await runFloor(pool, Math.min(CFG.floorSpans, r.spans), CFG.concurrency, CFG.floorSeconds);
  log(`  ${label}: full floor ${int(f.spans / f.seconds)} spans/s; lean floor…`);
  const lf = await runLeanFloor(pool, Math.min(CFG.floorSpans, r.spans), CFG.concurrency, CFG.floorSeconds);
  const cpuUsPerSpan = (cpu * 1e6) / r.spans;
  const leanCpuUsPerSpan = (lf.cpuSeconds * 1e6) / lf.spans;
  const lat = latency(r.latencies);
  const row: IngestRow = {
    format: label, spans: r.spans, seconds: r.seconds, spansPerSec: r.spans / r.seconds, mbPerSec: r.bytes / r.seconds / 1e6,
    bytesPerSpanWire: r.bytes / r.spans, latency: lat, peakRssMiB: rss / 1048576, diskBytesPerSpan: disk / r.spans,
    cpuUsPerSpan, coresUsed: cpu / r.seconds,
    errors: r.errors, retries: r.retries, floorSpansPerSec: f.spans / f.seconds, ratio: r.spans / r.seconds / (f.spans / f.seconds),
    floorAdapterUs: (f.adapterSeconds * 1e6) / f.spans, floorStoreUs: ((f.seconds - f.adapterSeconds) * 1e6) / f.spans,
    leanSpansPerSec: lf.spans / lf.seconds, leanCpuUsPerSpan, leanRatio: r.spans / r.seconds / (lf.spans / lf.seconds), cpuVsLean: cpuUsPerSpan / leanCpuUsPerSpan,
    leanDecodeUs: (lf.decodeSeconds * 1e6) / lf.spans, leanStoreUs: ((lf.seconds - lf.decodeSeconds) * 1e6) / lf.spans,
    backlogMaxSpans: backlog.maxBacklogSpans, backlogSeries: backlog.series, behindMaxSeconds: backlog.maxBehindSeconds, drainSeconds: drain.seconds, drainTimedOut: drain.timedOut,
    hotCpuUsPerSpan: background === null ? cpuUsPerSpan : ((cpuThroughDrain - background) * 1e6) / r.spans,
    backgroundCpuUsPerSpan: background === null ? null : (background * 1e6) / r.spans,
  };
  log(`  ${label}: full floor ratio ${(row.ratio * 100).toFixed(0)}%; lean floor ${int(row.leanSpansPerSec)} spans/s, ${row.leanCpuUsPerSpan.toFixed(1)} CPU µs/span, ratio ${(row.leanRatio * 100).toFixed(0)}%, CPU ×${row.cpuVsLean.toFixed(2)}; p99 ${ms(lat.p99)} ms, RSS ${mib(rss)} MiB, ${int(row.diskBytesPerSpan)} B/span on disk`);
  log(`  ${label}: compaction ${backlog.reported ? `backlog max ${int(row.backlogMaxSpans ?? NaN)} spans, behind max ${row.behindMaxSeconds?.toFixed(1)} s, drain ${drainText(row)} s` : 'not reported by /readyz'}`);
  return row;
}

const drainText = (x: IngestRow) => (x.drainSeconds === null ? '–' : `${x.drainTimedOut ? '>' : ''}${x.drainSeconds.toFixed(1)}`);

interface AgentDisk {
  spans: number;
  rawJsonBytesPerSpan: number;
  diskBytesPerSpan: number;
  ratio: number;
}

async function agentDiskRun(): Promise<AgentDisk> {
  const pool = buildPool('otlp-json', quick ? 3000 : 20_000, CFG.spansPerRequest, { mix: { chat: 0, rag: 0, agent: 1 } });
  const dir = mkdtempSync(join(tmpdir(), 'loupe-bench-agent-'));
  const server = await startServerProcess(dir);
  const target = quick ? 15_000 : 100_000;
  const r = await runLoad({ url: server.url, key: server.key, pool, spans: target, maxSeconds: loadSeconds, concurrency: CFG.concurrency });
  await drainBacklog(server.url, 120);
  await untilFileSettles(join(dir, 'loupe.db'));
  await server.stop();
  const disk = dirBytes(dir);
  rmSync(dir, { recursive: true, force: true });
  const out = { spans: r.spans, rawJsonBytesPerSpan: r.bytes / r.spans, diskBytesPerSpan: disk / r.spans, ratio: disk / r.bytes };
  log(`  agent workload: ${int(out.rawJsonBytesPerSpan)} B/span as OTLP JSON, ${int(out.diskBytesPerSpan)} B/span on disk (1/${(1 / out.ratio).toFixed(1)})`);
  return out;
}

interface QueryRow {
  name: string;
  p50: number;
  p95: number;
  n: number;
  rows: number;
}

async function queryRuns(measuredProtoSpansPerSec: number | undefined): Promise<{ meta: unknown; rows: QueryRow[]; underLoad: { idle: Latency; loaded: Latency; rate: number; reads: number } }> {
  const dir = join(ROOT, 'bench/data', quick ? 'query-quick' : 'query-full');
  const meta = await ensureQueryDb(dir, CFG.queryTraces, CFG.spansPerTrace, log);
  log(`  query db: ${int(meta.traces)} traces, ${int(meta.spans)} spans (${dir})`);
  const server = await startServerProcess(dir);
  const day = 86_400_000;
  const iso = (t: number) => new Date(t).toISOString();
  const now = Date.now();
  const lists: Array<[string, string]> = [
    ['list, no filter', ''], ['status=error', 'status=error'], ['userId', `userId=${meta.sampleUser}`], ['sessionId', `sessionId=${meta.sampleSession}`],
    ['environment', 'environment=staging'], ['tag', 'tag=agent'], ['model', `model=${meta.sampleModel}`], ['kind', 'kind=retrieval'],
    ['name (substring)', 'name=docs'], ['minDurationMs', 'minDurationMs=20000'], ['metadata.app', 'metadata.app=docs-qa'],
    ['from/to (1 day)', `from=${iso(now - 3 * day)}&to=${iso(now - 2 * day)}`], ['q (full text)', 'q=refund invoice'],
  ];
  const rows: QueryRow[] = [];
  const time = async (name: string, path: string, count: (j: unknown) => number) => {
    const samples: number[] = [];
    let n = 0;
    for (let i = 0; i < CFG.queryIterations + 3; i++) {
      const t = performance.now();
      const res = await fetch(`${server.url}${path}`, { headers: { 'x-api-key': server.key } });
      const text = await res.text();
      // The clock stops at the last byte: parsing the answer is the client's time, not the server's.
      if (i >= 3) samples.push(performance.now() - t);
      const j = JSON.parse(text) as unknown;
      if (res.status !== 200) throw new Error(`${path}: ${res.status} ${text.slice(0, 200)}`);
      n = count(j);
    }
    const l = latency(samples);
    rows.push({ name, p50: l.p50, p95: l.p95, n: l.n, rows: n });
    log(`  ${name}: p50 ${ms(l.p50)} ms, p95 ${ms(l.p95)} ms (${n} rows)`);
  };
  for (const [name, qs] of lists) await time(`list: ${name}`, `/api/v1/traces?limit=50${qs ? `&${qs}` : ''}`, (j) => (j as { data: unknown[] }).data.length);
  await time('trace detail, 50 spans', `/api/v1/traces/${meta.detail50}`, (j) => (j as { spans: unknown[] }).spans.length);
  await time('trace detail, 5,000 spans', `/api/v1/traces/${meta.detail5000}`, (j) => (j as { spans: unknown[] }).spans.length);

  // Metrics over 30 days grouped by model, as the dashboard asks for them (fewer runs: heavy).
  const iterations = CFG.queryIterations;
  CFG.queryIterations = Math.max(5, Math.round(iterations / 10));
  await time('metrics 30 d by model (level=span, 1d buckets)', `/api/v1/metrics?from=${iso(now - 30 * day)}&interval=1d&groupBy=model&level=span`, (j) => (j as { data: unknown[] }).data.length);
  CFG.queryIterations = iterations;

  // Ingest p99 at a fixed rate, idle and then under dashboard-like reads.
  const pool = buildPool('otlp-proto', quick ? 4000 : 20_000, CFG.spansPerRequest);
  // Half of the measured OTLP protobuf maximum (the issue's "half of max load"), in 100-span requests.
  // Half of the OTLP protobuf rate this run measured; without an ingest phase, --ingest-rate
  // (spans/s) or 1,000, about half of what this machine sustains (a rate past it measures a queue).
  const spansPerSec = measuredProtoSpansPerSec ? measuredProtoSpansPerSec / 2 : Number(args['ingest-rate'] ?? 1000);
  const rate = Math.max(1, spansPerSec / CFG.spansPerRequest);
  const base = Math.floor(Date.now() / 1000) % 0x7fffffff;
  // Warm-up (unmeasured): the server has not ingested yet, so JIT and caches would land on "idle".
  await runLoad({ url: server.url, key: server.key, pool, spans: Infinity, maxSeconds: quick ? 3 : 5, concurrency: CFG.concurrency, rate, round: base + 200_000 });
  const idle = await runLoad({ url: server.url, key: server.key, pool, spans: Infinity, maxSeconds: CFG.underLoadSeconds, concurrency: CFG.concurrency, rate, round: base });
  const paths = [
    '/api/v1/traces?limit=50', '/api/v1/traces?limit=50&status=error', `/api/v1/traces?limit=50&userId=${meta.sampleUser}`, '/api/v1/traces?limit=50&q=refund',
    `/api/v1/traces/${meta.detail50}`, '/api/v1/traces?limit=50&tag=agent', `/api/v1/spans?limit=50&model=${meta.sampleModel}`, `/api/v1/traces/${meta.detail5000}`,
  ];
  let pi = 0;
  const reads = readLoad(server.url, server.key, () => paths[pi++ % paths.length], 2);
  const loaded = await runLoad({ url: server.url, key: server.key, pool, spans: Infinity, maxSeconds: CFG.underLoadSeconds, concurrency: CFG.concurrency, rate, round: base + 100_000 });
  const readCount = await reads.stop();
  await server.stop();
  const out = { idle: latency(idle.latencies), loaded: latency(loaded.latencies), rate: rate * CFG.spansPerRequest, reads: readCount };
  log(`  ingest at ${int(out.rate)} spans/s: p99 idle ${ms(out.idle.p99)} ms, under reads ${ms(out.loaded.p99)} ms (${readCount} reads)`);
  return { meta, rows, underLoad: out };
}

function markdown(r: Record<string, unknown>, ingest: IngestRow[], agent: AgentDisk | undefined, q: Awaited<ReturnType<typeof queryRuns>> | undefined): string {
  const lines: string[] = [];
  if (ingest.length) {
    lines.push('| ingest | spans | spans/s | MB/s | B/span wire | p50 ms | p95 ms | p99 ms | server CPU µs/span | cores | peak RSS MiB | B/span disk | full floor spans/s | full floor µs/span: adapter + store | server/full floor | lean floor spans/s | lean µs/span | server/lean | server CPU/lean CPU | backlog max spans | behind max s | drain s | CPU µs/span hot + background |');
    lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const x of ingest) {
      lines.push(`| ${x.format} | ${int(x.spans)} | ${int(x.spansPerSec)} | ${x.mbPerSec.toFixed(1)} | ${int(x.bytesPerSpanWire)} | ${ms(x.latency.p50)} | ${ms(x.latency.p95)} | ${ms(x.latency.p99)} | ${int(x.cpuUsPerSpan)} | ${x.coresUsed.toFixed(2)} | ${x.peakRssMiB.toFixed(0)} | ${int(x.diskBytesPerSpan)} | ${int(x.floorSpansPerSec)} | ${int(x.floorAdapterUs)} + ${int(x.floorStoreUs)} | ${(x.ratio * 100).toFixed(0)}% | ${int(x.leanSpansPerSec)} | ${x.leanCpuUsPerSpan.toFixed(1)} | ${(x.leanRatio * 100).toFixed(0)}% | ${x.cpuVsLean.toFixed(2)}× | ${int(x.backlogMaxSpans ?? NaN)} | ${x.behindMaxSeconds?.toFixed(1) ?? '–'} | ${drainText(x)} | ${int(x.hotCpuUsPerSpan)} + ${int(x.backgroundCpuUsPerSpan ?? NaN)} |`);
    }
  }
  const over = ingest.filter((x) => x.backlogSeries.length > 1);
  if (over.length) {
    lines.push('', 'Compaction backlog over each load (spans behind / seconds behind, at each tenth of the load):');
    for (const x of over) lines.push(`- ${x.format}: ${tenths(x.backlogSeries).map(([, b, s]) => `${int(b)}/${s.toFixed(1)}`).join(', ')}`);
  }
  if (agent) lines.push('', `Agent workload: ${int(agent.rawJsonBytesPerSpan)} B/span as OTLP JSON, ${int(agent.diskBytesPerSpan)} B/span on disk = 1/${(1 / agent.ratio).toFixed(1)} of the raw JSON (${int(agent.spans)} spans).`);
  if (q) {
    const m = q.meta as { traces: number; spans: number };
    lines.push('', `| query (${int(m.traces)} traces / ${int(m.spans)} spans) | p50 ms | p95 ms | rows |`, '|---|---:|---:|---:|');
    for (const x of q.rows) lines.push(`| ${x.name} | ${ms(x.p50)} | ${ms(x.p95)} | ${x.rows} |`);
    const u = q.underLoad;
    lines.push('', `Ingest (OTLP protobuf, 100-span batches) at ${int(u.rate)} spans/s on that database: p50/p99 idle ${ms(u.idle.p50)}/${ms(u.idle.p99)} ms; under dashboard reads (${u.reads} reads, 2 readers) ${ms(u.loaded.p50)}/${ms(u.loaded.p99)} ms (p99 ×${(u.loaded.p99 / u.idle.p99).toFixed(2)}).`);
  }
  lines.push('', `Run: ${r.mode}, ${r.commit}, ${r.date}, ${r.seconds} s, node ${process.version}, ${r.cpus} CPUs, load average at start ${r.loadavg}; this machine's JSON.stringify of span-like JSON: ${r.stringifyNsPerChar} ns/char (a yardstick for comparing runs).`);
  return lines.join('\n');
}

/** The samples nearest each tenth of the series' span of time, first and last included. */
function tenths<T extends [number, ...number[]]>(series: T[]): T[] {
  const end = series[series.length - 1][0];
  return Array.from({ length: 11 }, (_, k) => series.reduce((a, b) => (Math.abs(b[0] - (end * k) / 10) < Math.abs(a[0] - (end * k) / 10) ? b : a)));
}

/** ns per character of JSON.stringify over span-like objects, best of 5: how fast this machine is right now. */
function yardstick(): string {
  const spans = Array.from({ length: 2000 }, (_, i) => ({ id: i.toString(16), name: `llm call ${i}`, attributes: { 'llm.model_name': 'gpt-4o', 'input.value': `${'What is the refund policy for order '.repeat(8)}${i}`, n: i } }));
  let best = Infinity;
  let chars = 0;
  for (let k = 0; k < 5; k++) {
    const t = performance.now();
    chars = JSON.stringify(spans).length;
    best = Math.min(best, performance.now() - t);
  }
  return ((best * 1e6) / chars).toFixed(2);
}

async function main(): Promise<void> {
  const commit = (() => {
    if (process.env.LOUPE_BENCH_COMMIT) return process.env.LOUPE_BENCH_COMMIT;
    try {
      const head = execSync('git rev-parse --short HEAD', { cwd: ROOT }).toString().trim();
      const dirty = execSync('git status --porcelain --untracked-files=no', { cwd: ROOT }).toString().trim() ? '+dirty' : '';
      return head + dirty;
    } catch {
      return 'unknown';
    }
  })();
  const os = await import('node:os');
  const loadavg = os.loadavg().map((x) => x.toFixed(2)).join(' ');
  const stringifyNsPerChar = yardstick();
  log(`loupe bench (${quick ? 'quick' : 'full'}): ${JSON.stringify(CFG)}`);
  const ingest: IngestRow[] = [];
  let agent: AgentDisk | undefined;
  if (!args['skip-ingest']) {
    const only = args.formats?.split(',');
    for (const f of ['otlp-proto', 'otlp-json', 'native'] as WireFormat[]) {
      if (only && !only.includes(f)) continue;
      log(`ingest ${f}: building the request pool…`);
      ingest.push(await ingestRun(buildPool(f, CFG.poolSpans, CFG.spansPerRequest), f));
    }
    if (!only || only.includes('small')) {
      log('ingest small spans…');
      ingest.push(await ingestRun(buildSmallPool(CFG.poolSpans, CFG.spansPerRequest), 'otlp-proto, small spans'));
    }
    if (!only || only.includes('agent')) {
      log('agent workload bytes on disk…');
      agent = await agentDiskRun();
    }
  }
  const q = args['skip-queries'] ? undefined : (log('queries…'), await queryRuns(ingest.find((x) => x.format === 'otlp-proto')?.spansPerSec));
  const date = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
  const result = { date, mode: quick ? 'quick' : 'full', commit, seconds: Math.round((Date.now() - started) / 1000), cpus: os.cpus().length, loadavg, stringifyNsPerChar, config: CFG, ingest, agent, queries: q };
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, `bench/results/${date}.json`), JSON.stringify(result, null, 2));
  const md = markdown(result, ingest, agent, q);
  process.stdout.write(`${md}\n`);
  if (!args['no-readme']) appendFileSync(join(ROOT, 'bench/README.md'), `\n## ${date} · ${result.mode} · ${commit}\n\n${md}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${(e as Error).stack ?? e}\n`);
  process.exitCode = 1;
});
