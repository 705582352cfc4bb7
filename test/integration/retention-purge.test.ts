// The retention purge on a running server (docs/retention.md): with a retention of 30 days, a
// trace that started 40 days ago disappears on the purge's own timer, with its user, session and
// metrics, while a trace from today stays; ingest keeps answering meanwhile.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { call, startTestServer, type TestServer } from '../helpers/server.js';

let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer('retention-purge', { purge: { intervalMs: 100, batch: 3 } });
});
afterAll(async () => ts.close());

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

function body(traceId: string, userId: string, startMs: number) {
  return {
    traces: [{ id: traceId, name: 'chat', userId, sessionId: `s-${traceId}`, startTime: iso(startMs) }],
    spans: [{ id: 'l', traceId, kind: 'llm', model: 'm', startTime: iso(startMs), endTime: iso(startMs + 1500), usage: { inputTokens: 10, outputTokens: 5 }, costUsd: 0.01 }],
    scores: [{ id: `sc-${traceId}`, traceId, name: 'thumbs', value: 'up', source: 'user', createdAt: iso(startMs + 10) }],
  };
}

test('a trace older than the retention disappears on the timer, a newer one stays, rollups and metrics follow', async () => {
  const now = Date.now();
  for (let i = 0; i < 7; i++) expect((await call(ts.url, '/api/v1/ingest', { key: ts.key, body: body(`old-${i}`, 'old-user', now - 40 * DAY + i * 1000) })).status).toBe(200);
  expect((await call(ts.url, '/api/v1/ingest', { key: ts.key, body: body('new', 'new-user', now - 1000) })).status).toBe(200);
  const range = `from=${encodeURIComponent(iso(now - 60 * DAY))}&to=${encodeURIComponent(iso(now + DAY))}&interval=1d`;
  const total = async () => ((await call(ts.url, `/api/v1/metrics?${range}`, { key: ts.key })).json.data as Array<{ count: number }>).reduce((n, r) => n + r.count, 0);
  expect(await total()).toBe(8);

  expect((await call(ts.url, '/api/v1/project/retention', { key: ts.key, method: 'PUT', body: { days: 30 } })).status).toBe(200);
  const deadline = Date.now() + 10_000;
  while ((await call(ts.url, '/api/v1/traces/old-6', { key: ts.key })).status !== 404) {
    expect(Date.now() < deadline, 'the purge ran within 10 s').toBe(true);
    // ingest keeps answering while the purge works
    expect((await call(ts.url, '/api/v1/ingest', { key: ts.key, body: body('new', 'new-user', now - 1000) })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 50));
  }
  for (let i = 0; i < 7; i++) expect((await call(ts.url, `/api/v1/traces/old-${i}`, { key: ts.key })).status).toBe(404);
  expect((await call(ts.url, '/api/v1/traces/new', { key: ts.key })).status).toBe(200);
  expect((await call(ts.url, '/api/v1/users/old-user', { key: ts.key })).status).toBe(404);
  expect((await call(ts.url, '/api/v1/sessions/s-old-0', { key: ts.key })).status).toBe(404);
  expect((await call(ts.url, '/api/v1/users/new-user', { key: ts.key })).json).toMatchObject({ traceCount: 1, scoreCount: 1 });
  expect((await call(ts.url, '/api/v1/scores', { key: ts.key })).json.data.map((s: { id: string }) => s.id)).toEqual(['sc-new']);
  expect(await total()).toBe(1);
  const spans = await call(ts.url, `/api/v1/metrics?${range}&level=span&groupBy=model`, { key: ts.key });
  expect(spans.json.data).toHaveLength(1);
  expect(spans.json.data[0]).toMatchObject({ group: 'm', count: 1, inputTokens: 10, outputTokens: 5 });
});
