// Avido end to end: the seeds' curl bodies and a full run over the network, read back through the
// native query API (GET /api/v1/traces?externalId=…, /api/v1/traces/:id).
import { afterAll, beforeAll, expect, test } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../../src/server/index.js';
import type { Span, Trace } from '../../src/model/schemas.js';

let server: RunningServer;
let dir: string;
let key: string;

const fixture = (name: string) => readFileSync(new URL(`../../src/ingest/avido/fixtures/${name}`, import.meta.url), 'utf8');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-avido-'));
  server = await startServer({ host: '127.0.0.1', port: 0, dataDir: dir });
  key = readFileSync(join(dir, 'admin-key.txt'), 'utf8').trim();
});

afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function post(path: string, body: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/json', ...headers }, body });
  return { status: res.status, json: (await res.json()) as { data: Array<{ success: boolean; id: string; error?: string }>; error?: { code: string; message: string } } };
}

async function get<T>(path: string): Promise<T> {
  const res = await fetch(`${server.url}${path}`, { headers: { 'x-api-key': key } });
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

async function traceByExternalId(externalId: string): Promise<{ trace: Trace; spans: Span[] }> {
  const list = await get<{ data: Trace[] }>(`/api/v1/traces?externalId=${encodeURIComponent(externalId)}`);
  expect(list.data).toHaveLength(1);
  return get(`/api/v1/traces/${encodeURIComponent(list.data[0].id)}`);
}

test('the seed /v0/ingest body is accepted verbatim, and an end sent later completes the same llm span', async () => {
  const first = await post('/v0/ingest', fixture('seed-ingest.json'));
  expect(first.status).toBe(200);
  expect(first.json.data.map((d) => d.success)).toEqual([true, true]);
  const spanId = first.json.data[1].id;

  const end = {
    events: [{
      type: 'llm', event: 'end', traceId: '123e4567-e89b-12d3-a456-426614174000', timestamp: '2025-01-01T12:01:02Z',
      modelId: 'gpt-4o-2024-08-06', output: 'Why did the chicken cross the road?', usage: { promptTokens: 12, completionTokens: 18 },
    }],
  };
  const second = await post('/v0/ingest', JSON.stringify(end));
  expect(second.json.data).toEqual([{ success: true, id: spanId }]);
  // A retried end does not make a second span.
  expect((await post('/v0/ingest', JSON.stringify(end))).json.data).toEqual([{ success: true, id: spanId }]);

  const { trace, spans } = await traceByExternalId('123e4567-e89b-12d3-a456-426614174000');
  expect(trace).toMatchObject({ id: '123e4567-e89b-12d3-a456-426614174000', metadata: { source: 'chatbot' }, status: 'success', totalTokens: 30 });
  expect(spans).toHaveLength(1);
  expect(spans[0]).toMatchObject({
    id: spanId, kind: 'llm', model: 'gpt-4o-2024-08-06', params: { temperature: 1.2 },
    input: [{ role: 'user', content: 'Tell me a joke.' }],
    output: [{ role: 'assistant', content: 'Why did the chicken cross the road?' }],
    usage: { inputTokens: 12, outputTokens: 18, totalTokens: 30 },
    startTime: '2025-01-01T12:01:00.000000Z', endTime: '2025-01-01T12:01:02.000000Z',
  });
});

test('a full run: merged llm calls, tool, retriever, error log; bad events answered in their own slot', async () => {
  const res = await post('/v0/ingest', fixture('full-run.json'));
  expect(res.status).toBe(200);
  expect(res.json.data.filter((d) => !d.success).map((d) => d.id)).toEqual(['events[11]', 'events[12]']);
  expect(res.json.data[11].error).toMatch(/timestamp/);

  const { trace, spans } = await traceByExternalId('conv-42');
  expect(trace).toMatchObject({ status: 'error', userId: 'user-1', environment: 'staging', testId: 'test-7', errorCount: 1, inputTokens: 40, outputTokens: 17 });
  const byKind = (k: string) => spans.filter((s) => s.kind === k);
  expect(byKind('llm')).toHaveLength(2);
  const gpt = byKind('llm').find((s) => s.model === 'gpt-4o-2024-08-06')!;
  expect(gpt).toMatchObject({ params: { temperature: 0.2, max_tokens: 256 }, usage: { inputTokens: 31, outputTokens: 14 }, endTime: '2025-01-01T12:00:02.000000Z' });
  expect((gpt.input as unknown[]).length).toBe(2);
  expect(byKind('tool')[0]).toMatchObject({ name: 'get_weather', input: { city: 'Oslo' }, output: { tempC: -3, sky: 'snow' } });
  expect(byKind('retrieval')[0]).toMatchObject({ input: 'refund policy', output: [{ content: 'Refunds within 30 days of purchase.' }, { content: 'Store credit after 30 days.' }] });
  expect(byKind('log').map((s) => s.status).sort()).toEqual(['error', 'unset']);

  // The trace without a referenceId got a derived id, returned in its slot.
  const batchJob = await get<{ trace: Trace; spans: Span[] }>(`/api/v1/traces/${res.json.data[13].id}`);
  expect(batchJob.trace.status).toBe('error');
  expect(batchJob.spans.find((s) => s.kind === 'llm')).toMatchObject({ parentId: batchJob.spans.find((s) => s.kind === 'chain')!.id, usage: { totalTokens: 9 } });
});

test('the seed /v0/otel/traces body is accepted verbatim for the key\'s application, by name or id', async () => {
  const project = (await server.store.findProject('default'))!;
  const ok = await post('/v0/otel/traces', fixture('seed-otel.json'), { 'x-application-id': 'default' });
  expect(ok.status).toBe(200);
  expect(ok.json.data).toEqual([{ success: true, id: '00f067aa0ba902b7' }]);
  expect((await post('/v0/otel/traces', fixture('seed-otel.json'), { 'x-application-id': String(project.id) })).status).toBe(200);

  const detail = await get<{ trace: Trace; spans: Span[] }>('/api/v1/traces/4bf92f3577b34da6a3ce929d0e0e4736');
  expect(detail.spans).toHaveLength(1);
  expect(detail.spans[0]).toMatchObject({ kind: 'llm', model: 'gpt-4o-2024-08-06', usage: { inputTokens: 12, outputTokens: 18 } });

  const other = await post('/v0/otel/traces', fixture('seed-otel.json'), { 'x-application-id': 'someone-else' });
  expect(other.status).toBe(403);
  expect(other.json.error?.code).toBe('forbidden');
  expect((await post('/v0/otel/traces', fixture('seed-otel.json'))).status).toBe(401);
  expect((await post('/v0/ingest', fixture('seed-ingest.json'), { 'x-application-id': 'someone-else' })).status).toBe(403);
});

test('bad input gets a clear 4xx JSON answer', async () => {
  const notJson = await post('/v0/ingest', '{"events": [');
  expect(notJson.status).toBe(400);
  expect(notJson.json.error?.code).toBe('invalid_body');
  expect((await post('/v0/ingest', '{"events": "x"}')).status).toBe(400);
  const none = await post('/v0/ingest', JSON.stringify({ events: [{ type: 'llm', event: 'start' }, { type: 'nope' }] }));
  expect(none.status).toBe(400);
  expect(none.json.data.map((d) => d.success)).toEqual([false, false]);
  expect(none.json.data[1].error).toMatch(/type/);
  const otlp = await post('/v0/otel/traces', '{"resourceSpans": [{"scopeSpans": [{"spans": [{"name": "x"}]}]}]}', { 'x-application-id': 'default' });
  expect(otlp.status).toBe(400);
  expect(otlp.json.data[0]).toMatchObject({ success: false });
});
