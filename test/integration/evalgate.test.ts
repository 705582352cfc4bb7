// Evalgate end to end over the network: the collector (sampled, all-or-nothing), the direct
// trace API, and the results read back through the native query API. One project per test.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { createKey } from '../../src/server/keys.js';
import type { Scope } from '../../src/model/enums.js';

// Answers are read loosely: the shapes are asserted by the expectations themselves.
type Json = Record<string, any>;

let server: RunningServer;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-evalgate-'));
  server = await startServer({ host: '127.0.0.1', port: 0, dataDir: dir });
});

afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const fixture = (name: string) => readFileSync(new URL(`../../src/ingest/evalgate/fixtures/${name}`, import.meta.url), 'utf8');

async function projectKey(name: string, scopes: Scope[] = ['admin', 'ingest', 'read']): Promise<string> {
  const p = await server.store.ensureProject(name);
  return (await createKey(server.store, p.id, scopes)).key;
}

async function call(key: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: Json }> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Json };
}

/** Every trace id of the project, through the native API. */
async function nativeIds(key: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const { json }: { json: Json } = await call(key, 'GET', `/api/v1/traces?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    ids.push(...(json.data as Json[]).map((t) => t.id as string));
    cursor = json.nextCursor as string | null;
  } while (cursor);
  return ids;
}

function collectorBatch(prefix: string, n: number, status: 'success' | 'error') {
  return {
    traces: Array.from({ length: n }, (_, i) => ({
      name: `${prefix}-${status}`,
      traceId: `${prefix}-${status}-${i}`,
      status,
      durationMs: 20,
      spans: [{ name: 'llm', spanId: 'llm', type: 'llm', startTime: '2026-03-01T10:00:00Z', input: 'q', output: 'a', metadata: { latencyMs: 10 } }],
    })),
  };
}

describe('POST /api/collector', () => {
  test('the fixture batch is stored and readable through the native API', async () => {
    const key = await projectKey('eg-fixture');
    expect((await call(key, 'PUT', '/api/v1/project/sampling', { successRate: 1 })).status).toBe(200);
    const res = await call(key, 'POST', '/api/collector', fixture('collector-batch.json'));
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ success: true, received: 3, kept: 3, sampledOut: 0 });

    const chat = (await call(key, 'GET', '/api/v1/traces/req-2026-03-01-0001')).json;
    expect(chat.trace).toMatchObject({ externalId: 'req-2026-03-01-0001', name: 'support-chat', status: 'success', durationMs: 1840, userId: 'u_42', sessionId: 'sess_9', totalTokens: 450 });
    expect(chat.spans.map((s: Json) => [s.id, s.kind])).toEqual([['req-0001-retrieval', 'retrieval'], ['req-0001-llm', 'llm']]);
    expect(chat.spans[1]).toMatchObject({ model: 'gpt-4o-mini', costUsd: 0.000085 });

    const refund = (await call(key, 'GET', '/api/v1/traces?externalId=req-2026-03-01-0002')).json;
    expect(refund.data).toHaveLength(1);
    expect(refund.data[0]).toMatchObject({ status: 'error', errorCount: 1 });

    // A duration without times: the trace shows it.
    const classify = (await call(key, 'GET', '/api/v1/traces/req-2026-03-01-0003')).json;
    expect(classify.trace.durationMs).toBe(95);
  });

  test('one invalid trace refuses the whole batch with a 400 naming it, and nothing is stored', async () => {
    const key = await projectKey('eg-invalid');
    const res = await call(key, 'POST', '/api/collector', fixture('collector-invalid.json'));
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('invalid_body');
    expect(res.json.error.message).toContain('traces[1] (traceId "bad-2")');
    expect(res.json.error.details.invalid.map((i: Json) => i.traceId)).toEqual(['bad-2', 'bad-3']);
    expect(await nativeIds(key)).toEqual([]);
    expect((await call(key, 'GET', '/api/traces')).json.traces).toEqual([]);
  });

  test('sampling: errors always kept, ~10% of successes, a retry stores the same set and no duplicates', async () => {
    const key = await projectKey('eg-sampling');
    const batches = [0, 1, 2, 3].map((b) => collectorBatch(`b${b}`, 250, 'success'));
    batches.push(collectorBatch('e', 50, 'error'));
    const kept = new Set<string>();
    for (const b of batches) {
      const { status, json } = await call(key, 'POST', '/api/collector', b);
      expect(status).toBe(200);
      expect(json.received).toBe(b.traces.length);
      expect(json.kept + json.sampledOut).toBe(json.received);
      for (const id of json.keptTraceIds as string[]) kept.add(id);
    }
    const errors = [...kept].filter((id) => id.startsWith('e-'));
    const successes = kept.size - errors.length;
    expect(errors).toHaveLength(50);
    expect(successes).toBeGreaterThan(60);
    expect(successes).toBeLessThan(140);

    // The retry: same batches, same answers, nothing new stored.
    for (const b of batches) {
      const { json } = await call(key, 'POST', '/api/collector', b);
      for (const id of json.keptTraceIds as string[]) expect(kept.has(id)).toBe(true);
    }
    const stored = await nativeIds(key);
    expect(stored).toHaveLength(kept.size);
    expect(new Set(stored)).toEqual(kept);
    const one = (await call(key, 'GET', `/api/v1/traces/${errors[0]}`)).json;
    expect(one.spans).toHaveLength(1);
  });

  test('latency and cost thresholds keep traces the rate would drop', async () => {
    const key = await projectKey('eg-thresholds');
    const put = await call(key, 'PUT', '/api/v1/project/sampling', { successRate: 0, minDurationMs: 1000, minCostUsd: 0.01 });
    expect(put.json).toEqual({ appliesTo: 'collector', keepErrors: true, minDurationMs: 1000, minCostUsd: 0.01, successRate: 0 });
    const res = await call(key, 'POST', '/api/collector', {
      traces: [
        { name: 'fast-cheap', traceId: 'fast-cheap', status: 'success', durationMs: 30 },
        { name: 'slow', traceId: 'slow', status: 'success', durationMs: 2500 },
        { name: 'costly', traceId: 'costly', status: 'success', durationMs: 30, spans: [{ name: 'gen', spanId: 'g', type: 'llm', startTime: '2026-03-01T10:00:00Z', metadata: { model: 'gpt-4o', costUsd: 0.02 } }] },
        { name: 'failed', traceId: 'failed', status: 'error', durationMs: 30 },
      ],
    });
    expect(res.json).toMatchObject({ received: 4, kept: 3, sampledOut: 1, sampledOutTraceIds: ['fast-cheap'] });
    expect((await nativeIds(key)).sort()).toEqual(['costly', 'failed', 'slow']);
  });
});

describe('the Evalgate trace API', () => {
  test('create, conflict, add spans, read by numeric id with spans ordered by startTime', async () => {
    const key = await projectKey('eg-direct');
    const created = await call(key, 'POST', '/api/traces', fixture('create-trace.json'));
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ traceId: 'chk-5d1f0c', name: 'checkout-assistant', status: 'pending', durationMs: 730, metadata: { model: 'claude-sonnet' } });
    const id = created.json.id as number;
    expect(Number.isInteger(id)).toBe(true);

    const dup = await call(key, 'POST', '/api/traces', { name: 'again', traceId: 'chk-5d1f0c' });
    expect(dup.status).toBe(409);
    expect(dup.json.error.code).toBe('conflict');

    const racing = await Promise.all(Array.from({ length: 5 }, () => call(key, 'POST', '/api/traces', { name: 'race', traceId: 'raced' })));
    expect(racing.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409]);

    const late = await call(key, 'POST', `/api/traces/${id}/spans`, { name: 'later', spanId: 'later', type: 'tool', startTime: '2026-03-01T12:30:01Z' });
    expect(late.status).toBe(201);
    const early = await call(key, 'POST', `/api/traces/${id}/spans`, fixture('add-span.json'));
    expect(early.status).toBe(201);
    expect(early.json).toMatchObject({ traceId: id, spanId: 'chk-5d1f0c-llm-1', type: 'llm', durationMs: 640 });

    const detail = await call(key, 'GET', `/api/traces/${id}`);
    expect(detail.status).toBe(200);
    expect(detail.json.trace.id).toBe(id);
    expect(detail.json.spans.map((s: Json) => s.spanId)).toEqual(['chk-5d1f0c-llm-1', 'later']);

    // The same trace through the native API.
    const native = (await call(key, 'GET', '/api/v1/traces/chk-5d1f0c')).json;
    expect(native.trace).toMatchObject({ numericId: id, externalId: 'chk-5d1f0c', spanCount: 2, inputTokens: 120 });

    expect((await call(key, 'GET', '/api/traces/999999')).status).toBe(404);
    expect((await call(key, 'POST', '/api/traces/999999/spans', { name: 'x' })).status).toBe(404);
    expect((await call(key, 'GET', '/api/traces/chk-5d1f0c')).status).toBe(400);
    expect((await call(key, 'POST', '/api/traces', { traceId: 'no-name' })).status).toBe(400);
    expect((await call(key, 'POST', `/api/traces/${id}/spans`, { name: 'x', type: 'agent' })).status).toBe(400);
  });

  test('GET /api/traces: every format listed with a numeric id; status, name, limit and offset', async () => {
    const key = await projectKey('eg-list');
    for (let i = 0; i < 5; i++) {
      await call(key, 'POST', '/api/traces', { name: i % 2 ? 'Checkout-Flow' : 'search', traceId: `l${i}`, status: i === 4 ? 'error' : 'success', durationMs: 5 });
    }
    // An OTLP trace in the same project is listed too.
    const otlp = await fetch(`${server.url}/v1/traces`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
      body: readFileSync(new URL('../fixtures/examples/01-otlp-minimal-trace.json', import.meta.url)),
    });
    expect(otlp.status).toBe(200);

    const all = (await call(key, 'GET', '/api/traces')).json;
    expect(all).toMatchObject({ limit: 50, offset: 0, hasMore: false });
    expect(all.traces).toHaveLength(6);
    expect(all.traces.every((t: Json) => Number.isInteger(t.id))).toBe(true);
    const otlpTrace = all.traces.find((t: Json) => t.traceId === '5b8efff798038103d269b633813fc60c');
    expect(otlpTrace).toBeDefined();
    expect((await call(key, 'GET', `/api/traces/${otlpTrace.id}`)).json.spans).toHaveLength(1);

    expect((await call(key, 'GET', '/api/traces?status=error')).json.traces.map((t: Json) => t.traceId)).toEqual(['l4']);
    expect((await call(key, 'GET', '/api/traces?name=checkout')).json.traces.map((t: Json) => t.traceId).sort()).toEqual(['l1', 'l3']);
    const page1 = (await call(key, 'GET', '/api/traces?limit=4')).json;
    const page2 = (await call(key, 'GET', '/api/traces?limit=4&offset=4')).json;
    expect(page1.hasMore).toBe(true);
    expect(page2.traces).toHaveLength(2);
    expect(new Set([...page1.traces, ...page2.traces].map((t: Json) => t.id)).size).toBe(6);
    expect((await call(key, 'GET', '/api/traces?limit=500')).json.limit).toBe(100);
    expect((await call(key, 'GET', '/api/traces?status=done')).status).toBe(400);
  });
});

describe('project sampling rules', () => {
  test('admin scope: read and change; others are refused; bad rules are a 400', async () => {
    const admin = await projectKey('eg-rules');
    const reader = await projectKey('eg-rules', ['read', 'ingest']);
    expect((await call(admin, 'GET', '/api/v1/project/sampling')).json).toEqual({ appliesTo: 'collector', keepErrors: true, minDurationMs: null, minCostUsd: null, successRate: 0.1 });
    expect((await call(reader, 'GET', '/api/v1/project/sampling')).status).toBe(403);
    expect((await call(reader, 'PUT', '/api/v1/project/sampling', { successRate: 1 })).status).toBe(403);
    expect((await call(admin, 'PUT', '/api/v1/project/sampling', { successRate: 2 })).status).toBe(400);
    expect((await call(admin, 'PUT', '/api/v1/project/sampling', { rate: 0.5 })).status).toBe(400);
    await call(admin, 'PUT', '/api/v1/project/sampling', { successRate: 0.25, minCostUsd: 1 });
    await call(admin, 'PUT', '/api/v1/project/sampling', { minCostUsd: null });
    expect((await call(admin, 'GET', '/api/v1/project/sampling')).json).toMatchObject({ successRate: 0.25, minCostUsd: null });
    const spec = (await (await fetch(`${server.url}/openapi.json`)).json()) as Json;
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/api/collector', '/api/traces', '/api/traces/{id}', '/api/traces/{id}/spans', '/api/v1/project/sampling']));
  });
});
