// HoneyHive end to end over the network with Bearer auth, read back through the native query API.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../../src/server/index.js';
import type { Score, Span, Trace } from '../../src/model/schemas.js';

let server: RunningServer;
let dir: string;
let key: string;

const fixture = (name: string) => readFileSync(new URL(`../../src/ingest/honeyhive/fixtures/${name}`, import.meta.url), 'utf8');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-honeyhive-'));
  server = await startServer({ host: '127.0.0.1', port: 0, dataDir: dir });
  key = readFileSync(join(dir, 'admin-key.txt'), 'utf8').trim();
});

afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function post(path: string, body: string) {
  const res = await fetch(`${server.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> & { error?: { code: string; message: string } } };
}

async function get<T>(path: string): Promise<T> {
  const res = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

type Detail = { trace: Trace; spans: Span[]; scores: Score[] };

async function bySession(id: string): Promise<Detail> {
  const list = await get<{ data: Trace[] }>(`/api/v1/traces?externalId=${encodeURIComponent(id)}`);
  expect(list.data).toHaveLength(1);
  expect((await get<{ data: Trace[] }>(`/api/v1/traces?sessionId=${encodeURIComponent(id)}`)).data).toHaveLength(1);
  return get(`/api/v1/traces/${encodeURIComponent(list.data[0].id)}`);
}

test('a single-session batch: tree, model span, error, feedback scores, session fields', async () => {
  const res = await post('/events/batch', fixture('batch-single-session.json'));
  expect(res.status).toBe(200);
  expect(res.json).toMatchObject({ session_id: 'c1f5a0f2-6d1e-4b7a-9a55-0e2f3b7d9a10', success: true });
  const ids = res.json.event_ids as string[];
  expect(ids.slice(0, 3)).toEqual(['7b0f1f3e-0000-4000-8000-000000000001', '7b0f1f3e-0000-4000-8000-000000000002', '7b0f1f3e-0000-4000-8000-000000000003']);
  expect(ids[3]).toMatch(/^[0-9a-f-]{36}$/);

  const { trace, spans, scores } = await bySession('c1f5a0f2-6d1e-4b7a-9a55-0e2f3b7d9a10');
  expect(trace).toMatchObject({
    name: 'support-chat', sessionId: 'c1f5a0f2-6d1e-4b7a-9a55-0e2f3b7d9a10', environment: 'production', userId: 'user-77',
    status: 'error', errorCount: 1, inputTokens: 42, outputTokens: 6, totalTokens: 48, input: { query: 'Where is my order #1234?' },
    startTime: '2025-01-16T18:40:00.000000Z', endTime: '2025-01-16T18:40:02.100000Z',
  });
  const span = (id: string) => spans.find((s) => s.id === id)!;
  const model = span('7b0f1f3e-0000-4000-8000-000000000003');
  expect(model).toMatchObject({
    kind: 'llm', model: 'gpt-4o', provider: 'openai', params: { temperature: 0.3, max_tokens: 200 },
    input: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Where is my order #1234?' }],
    output: [{ role: 'assistant', content: 'It ships tomorrow.' }],
    usage: { inputTokens: 42, outputTokens: 6, totalTokens: 48 }, costUsd: 0.00018,
    parentId: '7b0f1f3e-0000-4000-8000-000000000001', durationMs: 1500,
  });
  expect(span('7b0f1f3e-0000-4000-8000-000000000002')).toMatchObject({ kind: 'tool', parentId: '7b0f1f3e-0000-4000-8000-000000000001', durationMs: 300 });
  expect(span('7b0f1f3e-0000-4000-8000-000000000001')).toMatchObject({ kind: 'chain', parentId: 'c1f5a0f2-6d1e-4b7a-9a55-0e2f3b7d9a10' });
  expect(span(ids[3])).toMatchObject({ kind: 'tool', status: 'error', error: 'SMTP connection refused' });
  expect(span('c1f5a0f2-6d1e-4b7a-9a55-0e2f3b7d9a10')).toMatchObject({ parentId: null, name: 'support-chat' });
  expect(scores.map((s) => [s.name, s.value, s.spanId, s.source, s.comment]).sort()).toEqual([
    ['rating', 5, null, 'user', 'quick and right'],
    ['thumbs_up', true, '7b0f1f3e-0000-4000-8000-000000000003', 'user', null],
  ]);

  // A retry upserts every event that carries its id (an event sent without one gets a fresh id, as in HoneyHive).
  await post('/events/batch', fixture('batch-single-session.json'));
  const again = await bySession('c1f5a0f2-6d1e-4b7a-9a55-0e2f3b7d9a10');
  expect(again.scores).toHaveLength(2);
  expect(again.trace.totalTokens).toBe(48);
});

test('/session/start then /events build one trace; the v1 batch route groups events by session', async () => {
  const start = await post('/session/start', fixture('session-start.json'));
  expect(start.status).toBe(200);
  const sessionId = start.json.session_id as string;
  expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);

  const event = JSON.parse(fixture('event-single.json'));
  event.event.session_id = sessionId;
  const ev = await post('/events', JSON.stringify(event));
  expect(ev.json).toMatchObject({ success: true, event_id: expect.any(String) });

  const { trace, spans, scores } = await bySession(sessionId);
  expect(trace).toMatchObject({ name: 'checkout-assistant', environment: 'staging', userId: 'u-9', status: 'success', metadata: { ab: 'B' }, totalTokens: 9 });
  expect(spans.find((s) => s.id === ev.json.event_id)).toMatchObject({ parentId: sessionId, model: 'gpt-4o-mini', output: [{ role: 'assistant', content: 'Offer B' }] });
  expect(scores).toMatchObject([{ name: 'correct', value: false, comment: 'should be A', source: 'user', spanId: ev.json.event_id }]);

  const v1 = await post('/v1/events/batch', fixture('batch-v1-sessions.json'));
  expect(v1.json).toMatchObject({ session_id: 's-alpha', success: true });
  const alpha = await bySession('s-alpha');
  expect(alpha.spans.map((s) => s.kind).sort()).toEqual(['llm', 'tool']);
  expect(alpha.trace).toMatchObject({ environment: 'staging', userId: 'ana@example.com', totalTokens: 129 });
});

test('bad input: 400 naming the event, nothing stored; no key: 401', async () => {
  const before = (await get<{ data: Trace[] }>('/api/v1/traces?externalId=s-bad')).data.length;
  const bad = await post('/events/batch', JSON.stringify({ events: [{ event_type: 'tool', session_id: 's-bad', inputs: {} }, { event_type: 'agent', session_id: 's-bad' }] }));
  expect(bad.status).toBe(400);
  expect(bad.json.error).toMatchObject({ code: 'invalid_body', message: expect.stringContaining('events.1.event_type') });
  expect((await get<{ data: Trace[] }>('/api/v1/traces?externalId=s-bad')).data.length).toBe(before);
  expect((await post('/events', '{"event": ')).status).toBe(400);
  const noKey = await fetch(`${server.url}/events/batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"events":[]}' });
  expect(noKey.status).toBe(401);
});

test('/openapi.json describes the HoneyHive and Avido routes', async () => {
  const doc = await get<{ paths: Record<string, Record<string, unknown>> }>('/openapi.json');
  for (const p of ['/events/batch', '/v1/events/batch', '/session/start', '/events', '/v0/ingest', '/v0/otel/traces']) expect(doc.paths[p]?.post, p).toBeDefined();
});
