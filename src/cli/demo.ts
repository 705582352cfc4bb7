// `loupe demo --traces N`: generates realistic traces (chat, RAG, agents; several models, users
// and sessions; spread over the last 7 days) and sends them through the real ingest path over
// HTTP, rotating OTLP protobuf, OTLP JSON and the native batch, plus some user feedback scores.
import { encodeRequest, generateTraces, type DemoTrace, type EncodedRequest, type WireFormat } from '../demo/index.js';
import { Rng } from '../demo/rng.js';
import { adminKeyFrom, serverFetch } from './remote.js';

export interface DemoOptions {
  traces: number;
  url: string;
  key?: string;
  dataDir: string;
  seed?: number;
  /** Traces per request. */
  batch?: number;
  concurrency?: number;
  /** Where the summary goes (stdout by default). */
  out?: (line: string) => void;
}

export interface DemoSummary {
  traces: number;
  spans: number;
  requests: Record<WireFormat | 'scores', number>;
  bytes: number;
  ms: number;
}

const FORMATS: WireFormat[] = ['otlp-proto', 'otlp-json', 'native'];

async function send(base: string, key: string, req: { path: string; contentType: string; body: Buffer }): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const res = await serverFetch(`${base}${req.path}`, { method: 'POST', headers: { 'x-api-key': key, 'content-type': req.contentType }, body: req.body });
    const text = await res.text();
    if (res.ok) return;
    if ((res.status === 503 || res.status === 429) && attempt < 10) {
      await new Promise((r) => setTimeout(r, Number(res.headers.get('retry-after') ?? 1) * 1000));
      continue;
    }
    throw new Error(`POST ${req.path} answered ${res.status}: ${text.slice(0, 300)}`);
  }
}

function scoresFor(traces: DemoTrace[], seed: number): { scores: unknown[] } {
  const rng = new Rng(seed, 0x5c0);
  const scores: unknown[] = [];
  for (const t of traces) {
    if (!rng.chance(0.2)) continue;
    const end = t.spans[0].end;
    const good = t.tags.includes('failed') ? rng.chance(0.1) : rng.chance(0.8);
    scores.push({ traceId: t.id, name: 'thumbs', value: good ? 1 : 0, source: 'user', createdAt: new Date(Math.floor(end / 1000) + 30_000).toISOString(), ...(good ? {} : { comment: 'The answer did not solve my problem.' }) });
    if (rng.chance(0.5)) scores.push({ traceId: t.id, name: 'relevance', value: Math.round(rng.next() * 100) / 100, source: 'eval' });
  }
  return { scores };
}

export async function runDemo(o: DemoOptions): Promise<DemoSummary> {
  const key = o.key ?? adminKeyFrom(o.dataDir);
  const base = o.url.replace(/\/+$/, '');
  const seed = o.seed ?? Math.floor(Date.now() / 1000);
  const t0 = performance.now();
  const traces = generateTraces({ count: o.traces, seed });
  const per = o.batch ?? 10;
  const requests: EncodedRequest[] = [];
  for (let i = 0; i < traces.length; i += per) requests.push(encodeRequest(traces.slice(i, i + per), FORMATS[(i / per) % FORMATS.length]));

  const counts: DemoSummary['requests'] = { 'otlp-proto': 0, 'otlp-json': 0, native: 0, scores: 0 };
  let bytes = 0;
  let next = 0;
  const worker = async () => {
    while (next < requests.length) {
      const r = requests[next++];
      await send(base, key, r);
      counts[r.format]++;
      bytes += r.body.length;
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.concurrency ?? 4, requests.length) }, worker));
  const scores = Buffer.from(JSON.stringify(scoresFor(traces, seed)));
  await send(base, key, { path: '/api/v1/ingest', contentType: 'application/json', body: scores });
  counts.scores = 1;
  return { traces: traces.length, spans: requests.reduce((n, r) => n + r.spans, 0), requests: counts, bytes: bytes + scores.length, ms: performance.now() - t0 };
}

export async function demo(o: DemoOptions): Promise<number> {
  const out = o.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  if (!Number.isInteger(o.traces) || o.traces < 1) {
    process.stderr.write('--traces must be a positive integer\n');
    return 1;
  }
  const s = await runDemo(o);
  out(`Sent ${s.traces} traces (${s.spans} spans) to ${o.url} in ${(s.ms / 1000).toFixed(1)} s: ` +
    `${s.requests['otlp-proto']} OTLP/protobuf, ${s.requests['otlp-json']} OTLP/JSON and ${s.requests.native} native requests, ` +
    `${(s.bytes / 1e6).toFixed(1)} MB, plus feedback scores.`);
  out(`Open ${o.url.replace(/\/+$/, '')}/api/v1/traces to see them.`);
  return 0;
}
