// Metrics and ingest-time cost over a fixed data set, against numbers worked out by hand.
// Real server on port 0, real SQLite file. The data set (all on 2025-06-01, UTC):
//   10:00 bucket: traces a1..a10, one llm span each, a_i starts at 10:0i:00 and lasts i*10 ms;
//     odd i: gpt-4o-2024-08-06, 1000 in (200 cache read), 500 out -> cost by the table;
//     even i: claude-3-5-sonnet-20241022, 1000 in, 500 out;
//     a3 and a7 spans are errors; environment prod for i <= 6, staging above.
//   11:00 bucket: b1 (11:05, 5 ms, openai/gpt-4o-mini-2024-07-18, 2000 in, 1000 out),
//     b2 (11:10, 1 ms, mistral-large-latest, 100 in, 50 out, costUsd 0.5 given),
//     b3 (11:15, 3 ms, a tool span only), b4 (11:20, a trace with no spans and no end: pending,
//     no duration). All production.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../../src/server/index.js';

let server: RunningServer;
let dir: string;
let key: string;

const T = (hhmmss: string, ms = 0) => `2025-06-01T${hhmmss}.${String(ms * 1000).padStart(6, '0')}Z`;
// Trace costs, by the table (per token): gpt-4o 2.50e-6 in, 1.25e-6 cache read, 10e-6 out;
// claude-3-5-sonnet 3e-6 in, 15e-6 out; gpt-4o-mini 0.15e-6 in, 0.60e-6 out.
const GPT4O = 0.00725; // (1000-200)*2.5e-6 + 200*1.25e-6 + 500*10e-6 = 0.002 + 0.00025 + 0.005
const CLAUDE = 0.0105; // 1000*3e-6 + 500*15e-6 = 0.003 + 0.0075
const MINI = 0.0009; // 2000*0.15e-6 + 1000*0.6e-6 = 0.0003 + 0.0006

function dataSet() {
  const traces: unknown[] = [];
  const spans: unknown[] = [];
  for (let i = 1; i <= 10; i++) {
    const odd = i % 2 === 1;
    traces.push({ id: `a${i}`, name: `chat-${odd ? 'odd' : 'even'}`, environment: i <= 6 ? 'prod' : 'staging', userId: `u${i % 3}` });
    spans.push({
      id: `a${i}-s`, traceId: `a${i}`, kind: 'llm', name: 'completion',
      status: i === 3 || i === 7 ? 'error' : 'ok',
      startTime: T(`10:0${i - 1}:00`), endTime: T(`10:0${i - 1}:00`, i * 10),
      model: odd ? 'gpt-4o-2024-08-06' : 'claude-3-5-sonnet-20241022',
      usage: odd ? { inputTokens: 1000, cacheReadTokens: 200, outputTokens: 500 } : { inputTokens: 1000, outputTokens: 500 },
    });
  }
  traces.push({ id: 'b1', environment: 'production' }, { id: 'b2', environment: 'production' }, { id: 'b3', environment: 'production' });
  traces.push({ id: 'b4', name: 'open', environment: 'production', startTime: T('11:20:00') });
  spans.push(
    { id: 'b1-s', traceId: 'b1', kind: 'llm', startTime: T('11:05:00'), endTime: T('11:05:00', 5), model: 'openai/gpt-4o-mini-2024-07-18', usage: { inputTokens: 2000, outputTokens: 1000 } },
    { id: 'b2-s', traceId: 'b2', kind: 'llm', startTime: T('11:10:00'), endTime: T('11:10:00', 1), model: 'mistral-large-latest', usage: { inputTokens: 100, outputTokens: 50 }, costUsd: 0.5 },
    { id: 'b3-s', traceId: 'b3', kind: 'tool', name: 'search', startTime: T('11:15:00'), endTime: T('11:15:00', 3) },
  );
  return { traces, spans };
}

async function get(path: string) {
  const res = await fetch(`${server.url}${path}`, { headers: { 'x-api-key': key } });
  return { status: res.status, body: (await res.json()) as { data: Array<Record<string, unknown>>; error?: { code: string; message: string } } };
}

const RANGE = 'from=2025-06-01T00:00:00Z&to=2025-06-02T00:00:00Z';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-metrics-'));
  server = await startServer({ host: '127.0.0.1', port: 0, dataDir: dir });
  key = readFileSync(join(dir, 'admin-key.txt'), 'utf8').trim();
  const res = await fetch(`${server.url}/api/v1/ingest`, { method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/json' }, body: JSON.stringify(dataSet()) });
  expect(res.status).toBe(200);
});

afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('cost at ingest', () => {
  test('spans without a cost are priced from the table; a given cost is kept; rolled up to the trace', async () => {
    const a1 = (await (await fetch(`${server.url}/api/v1/traces/a1`, { headers: { 'x-api-key': key } })).json()) as { trace: { costUsd: number }; spans: Array<{ costUsd: number }> };
    expect(a1.spans[0].costUsd).toBeCloseTo(GPT4O, 12);
    expect(a1.trace.costUsd).toBeCloseTo(GPT4O, 12);
    const a2 = (await (await fetch(`${server.url}/api/v1/traces/a2`, { headers: { 'x-api-key': key } })).json()) as { trace: { costUsd: number } };
    expect(a2.trace.costUsd).toBeCloseTo(CLAUDE, 12);
    const b1 = (await (await fetch(`${server.url}/api/v1/traces/b1`, { headers: { 'x-api-key': key } })).json()) as { trace: { costUsd: number } };
    expect(b1.trace.costUsd).toBeCloseTo(MINI, 12);
    const b2 = (await (await fetch(`${server.url}/api/v1/traces/b2`, { headers: { 'x-api-key': key } })).json()) as { trace: { costUsd: number } };
    expect(b2.trace.costUsd).toBe(0.5);
  });
});

describe('metrics', () => {
  test('trace level, hourly, no grouping', async () => {
    const { status, body } = await get(`/api/v1/metrics?${RANGE}&interval=1h`);
    expect(status).toBe(200);
    expect(body.data).toHaveLength(2);
    const [a, b] = body.data;
    // 10:00: 10 traces, 2 errors (a3, a7) -> rate 2/10 = 0.2.
    // Latencies 10,20,…,100 ms; nearest rank ceil(p*n): p50 -> rank ceil(0.5*10)=5 -> 50;
    // p95 -> ceil(9.5)=10 -> 100; p99 -> ceil(9.9)=10 -> 100.
    // Tokens 10*1000 in, 10*500 out; cost 5*0.00725 + 5*0.0105 = 0.03625 + 0.0525 = 0.08875.
    expect(a).toMatchObject({ bucket: '2025-06-01T10:00:00.000000Z', group: null, count: 10, errorCount: 2, errorRate: 0.2,
      latencyP50Ms: 50, latencyP95Ms: 100, latencyP99Ms: 100, inputTokens: 10000, outputTokens: 5000 });
    expect(a.costUsd).toBeCloseTo(0.08875, 12);
    // 11:00: b1..b4, no errors. b4 has no duration, so n=3 latencies: sorted 1,3,5 ms;
    // p50 -> ceil(1.5)=2 -> 3; p95 -> ceil(2.85)=3 -> 5; p99 -> ceil(2.97)=3 -> 5.
    // Tokens 2000+100 in, 1000+50 out; cost 0.0009 + 0.5 = 0.5009.
    expect(b).toMatchObject({ bucket: '2025-06-01T11:00:00.000000Z', group: null, count: 4, errorCount: 0, errorRate: 0,
      latencyP50Ms: 3, latencyP95Ms: 5, latencyP99Ms: 5, inputTokens: 2100, outputTokens: 1050 });
    expect(b.costUsd).toBeCloseTo(0.5009, 12);
  });

  test('trace level grouped by environment', async () => {
    const { body } = await get(`/api/v1/metrics?${RANGE}&interval=1h&groupBy=environment`);
    expect(body.data.map((r) => [r.bucket, r.group])).toEqual([
      ['2025-06-01T10:00:00.000000Z', 'prod'], ['2025-06-01T10:00:00.000000Z', 'staging'], ['2025-06-01T11:00:00.000000Z', 'production'],
    ]);
    // prod = a1..a6: 10..60 ms, 1 error (a3) -> 1/6; p50 ceil(3)=3 -> 30; p95 ceil(5.7)=6 -> 60; p99 ceil(5.94)=6 -> 60.
    // cost 3 gpt-4o + 3 claude = 3*0.00725 + 3*0.0105 = 0.05325.
    expect(body.data[0]).toMatchObject({ count: 6, errorCount: 1, latencyP50Ms: 30, latencyP95Ms: 60, latencyP99Ms: 60 });
    expect(body.data[0].errorRate).toBeCloseTo(1 / 6, 15);
    expect(body.data[0].costUsd).toBeCloseTo(0.05325, 12);
    // staging = a7..a10: 70..100 ms, 1 error (a7) -> 0.25; p50 ceil(2)=2 -> 80; p95 ceil(3.8)=4 -> 100.
    expect(body.data[1]).toMatchObject({ count: 4, errorCount: 1, errorRate: 0.25, latencyP50Ms: 80, latencyP95Ms: 100, latencyP99Ms: 100 });
  });

  test('trace level grouped by model: one group per model its spans used, traces without one in null', async () => {
    const { body } = await get(`/api/v1/metrics?${RANGE}&interval=1d&groupBy=model`);
    // One day bucket. Groups ordered by code point, null last.
    expect(body.data.map((r) => [r.group, r.count])).toEqual([
      ['claude-3-5-sonnet-20241022', 5], ['gpt-4o-2024-08-06', 5], ['mistral-large-latest', 1], ['openai/gpt-4o-mini-2024-07-18', 1], [null, 2],
    ]);
    // null group = b3 (3 ms) and b4 (no duration): n=1, every percentile is rank 1 -> 3.
    expect(body.data[4]).toMatchObject({ bucket: '2025-06-01T00:00:00.000000Z', latencyP50Ms: 3, latencyP99Ms: 3, costUsd: null, inputTokens: 0 });
  });

  test('span level grouped by model, with a filter', async () => {
    const { body } = await get(`/api/v1/metrics?${RANGE}&interval=1h&level=span&groupBy=model&kind=llm`);
    expect(body.data.map((r) => r.group)).toEqual(['claude-3-5-sonnet-20241022', 'gpt-4o-2024-08-06', 'mistral-large-latest', 'openai/gpt-4o-mini-2024-07-18']);
    // gpt-4o spans: a1,a3,a5,a7,a9 = 10,30,50,70,90 ms; errors a3,a7 -> 2/5 = 0.4;
    // p50 ceil(2.5)=3 -> 50; p95 ceil(4.75)=5 -> 90; p99 ceil(4.95)=5 -> 90; cost 5*0.00725 = 0.03625.
    const g = body.data[1];
    expect(g).toMatchObject({ count: 5, errorCount: 2, errorRate: 0.4, latencyP50Ms: 50, latencyP95Ms: 90, latencyP99Ms: 90, inputTokens: 5000, outputTokens: 2500 });
    expect(g.costUsd).toBeCloseTo(0.03625, 12);
    // claude spans: 20,40,60,80,100 ms -> p50 rank 3 -> 60; p95 rank 5 -> 100; cost 5*0.0105 = 0.0525.
    expect(body.data[0]).toMatchObject({ count: 5, errorCount: 0, errorRate: 0, latencyP50Ms: 60, latencyP95Ms: 100 });
    expect(body.data[0].costUsd).toBeCloseTo(0.0525, 12);
  });

  test('span level by kind: tokens and cost come from llm and embedding spans only', async () => {
    const { body } = await get(`/api/v1/metrics?from=2025-06-01T11:00:00Z&to=2025-06-01T12:00:00Z&interval=1h&level=span&groupBy=kind`);
    expect(body.data.map((r) => [r.group, r.count, r.inputTokens, r.costUsd])).toEqual([['llm', 2, 2100, expect.closeTo(0.5009, 12)], ['tool', 1, 0, null]]);
  });

  test('the list filters apply (environment, status) and 5m buckets align to the epoch', async () => {
    const { body } = await get(`/api/v1/metrics?${RANGE}&interval=5m&environment=prod&status=error`);
    // Only a3 (10:02) matches: its 5-minute bucket starts at 10:00.
    expect(body.data).toEqual([expect.objectContaining({ bucket: '2025-06-01T10:00:00.000000Z', count: 1, errorCount: 1, errorRate: 1, latencyP50Ms: 30 })]);
  });

  test('trace level grouped by kind: one group per distinct span kind', async () => {
    const { body } = await get(`/api/v1/metrics?${RANGE}&interval=1d&groupBy=kind`);
    // llm: a1..a10, b1, b2 = 12 traces; tool: b3; null: b4 (no spans).
    expect(body.data.map((r) => [r.group, r.count])).toEqual([['llm', 12], ['tool', 1], [null, 1]]);
  });

  test('nearest rank over 200 values, inserted out of order', async () => {
    // One trace on 2025-06-02 with 200 spans lasting 1..200 ms, sent in the order (7i mod 200) + 1.
    const spans = Array.from({ length: 200 }, (_, i) => {
      const ms = ((i * 7) % 200) + 1;
      return { id: `big-${i}`, traceId: 'big', kind: 'tool', startTime: '2025-06-02T00:00:00Z', endTime: `2025-06-02T00:00:00.${String(ms * 1000).padStart(6, '0')}Z` };
    });
    const res = await fetch(`${server.url}/api/v1/ingest`, { method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/json' }, body: JSON.stringify({ spans }) });
    expect(res.status).toBe(200);
    const { body } = await get('/api/v1/metrics?from=2025-06-02T00:00:00Z&to=2025-06-03T00:00:00Z&interval=1d&level=span');
    // n = 200: p50 -> rank ceil(100) = 100 -> 100 ms; p95 -> ceil(190) = 190 -> 190 ms; p99 -> ceil(198) = 198 -> 198 ms.
    expect(body.data).toEqual([expect.objectContaining({ count: 200, errorCount: 0, latencyP50Ms: 100, latencyP95Ms: 190, latencyP99Ms: 198, costUsd: null })]);
  });

  test('bad parameters are 400 with a clear message', async () => {
    for (const [q, text] of [
      ['interval=7x', 'interval'], ['groupBy=colour', 'groupBy'], ['level=session', 'level'], ['limit=5', 'limit'],
      ['interval=1s&from=2025-01-01T00:00:00Z&to=2025-06-01T00:00:00Z', 'buckets'], ['bogus=1', 'bogus'],
    ]) {
      const { status, body } = await get(`/api/v1/metrics?${q}`);
      expect(status, q).toBe(400);
      expect(body.error?.message, q).toContain(text);
    }
  });
});

test('the analytics routes are described in /openapi.json', async () => {
  const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
  expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/metrics', '/api/v1/prices', '/api/v1/export', '/api/v1/import']));
  expect(Object.keys(doc.paths['/api/v1/prices']).sort()).toEqual(['delete', 'get', 'put']);
});
