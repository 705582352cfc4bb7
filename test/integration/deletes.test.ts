// The delete API over HTTP (docs/retention.md): admin scope only, counts of what went, 404 for a
// trace that is not (or no longer) there, nothing of another project touched, and /openapi.json
// describing the routes. The store contracts themselves are in test/conformance/deletes.ts.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { call, startTestServer, type TestServer } from '../helpers/server.js';

let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer('deletes');
});
afterAll(async () => ts.close());

const T0 = Date.UTC(2026, 0, 1);
/** ISO time `ms` after T0, as the native API takes times. */
const T = (ms = 0) => new Date(T0 + ms).toISOString();
function body(traceId: string, userId: string) {
  return {
    traces: [{ id: traceId, name: 'chat', userId, sessionId: `s-${userId}`, startTime: T() }],
    spans: [
      { id: 'a', traceId, kind: 'llm', model: 'm', startTime: T(), endTime: T(1000), usage: { inputTokens: 3, outputTokens: 2 } },
      { id: 'b', traceId, kind: 'tool', startTime: T(10), endTime: T(900) },
    ],
    scores: [{ id: `sc-${traceId}`, traceId, name: 'thumbs', value: 'up', source: 'user', createdAt: T(5) }],
  };
}

test('DELETE /api/v1/traces/:id: admin only, counts, then 404', async () => {
  const ingest = await ts.keyFor('default', ['ingest', 'read']);
  expect((await call(ts.url, '/api/v1/ingest', { key: ingest, body: body('t1', 'u1') })).status).toBe(200);
  const otherKey = await ts.keyFor('other', ['admin', 'ingest', 'read']);
  expect((await call(ts.url, '/api/v1/ingest', { key: otherKey, body: body('t1', 'u1') })).status).toBe(200);

  expect((await call(ts.url, '/api/v1/traces/t1', { key: ingest, method: 'DELETE' })).status).toBe(403);
  expect((await call(ts.url, '/api/v1/traces/t1', { method: 'DELETE' })).status).toBe(401);
  const del = await call(ts.url, '/api/v1/traces/t1', { key: ts.key, method: 'DELETE' });
  expect(del.status).toBe(200);
  expect(del.json).toEqual({ traces: 1, spans: 2, scores: 1 });
  expect((await call(ts.url, '/api/v1/traces/t1', { key: ts.key })).status).toBe(404);
  expect((await call(ts.url, '/api/v1/users/u1', { key: ts.key })).status).toBe(404);
  expect((await call(ts.url, '/api/v1/traces/t1', { key: ts.key, method: 'DELETE' })).status).toBe(404);
  // the other project's trace of the same id is untouched
  expect((await call(ts.url, '/api/v1/traces/t1', { key: otherKey })).status).toBe(200);
});

test('DELETE /api/v1/users/:id: every trace of the user, in batches, with counts; no one else', async () => {
  const ingest = await ts.keyFor('default', ['ingest', 'read']);
  for (let i = 0; i < 5; i++) expect((await call(ts.url, '/api/v1/ingest', { key: ingest, body: body(`alice-${i}`, 'alice') })).status).toBe(200);
  expect((await call(ts.url, '/api/v1/ingest', { key: ingest, body: body('bob-1', 'bob') })).status).toBe(200);
  expect((await call(ts.url, '/api/v1/users/alice', { key: ingest, method: 'DELETE' })).status).toBe(403);
  const del = await call(ts.url, '/api/v1/users/alice', { key: ts.key, method: 'DELETE' });
  expect(del.status).toBe(200);
  expect(del.json).toEqual({ traces: 5, spans: 10, scores: 5 });
  expect((await call(ts.url, '/api/v1/users/alice', { key: ts.key })).status).toBe(404);
  expect((await call(ts.url, '/api/v1/sessions/s-alice', { key: ts.key })).status).toBe(404);
  expect((await call(ts.url, '/api/v1/traces?userId=alice', { key: ts.key })).json.data).toEqual([]);
  expect((await call(ts.url, '/api/v1/users/bob', { key: ts.key })).json).toMatchObject({ id: 'bob', traceCount: 1, scoreCount: 1 });
  const again = await call(ts.url, '/api/v1/users/alice', { key: ts.key, method: 'DELETE' });
  expect(again.status).toBe(200);
  expect(again.json).toEqual({ traces: 0, spans: 0, scores: 0 });
});

test('/openapi.json describes the delete routes', async () => {
  const doc = (await call(ts.url, '/openapi.json')).json as { paths: Record<string, Record<string, unknown>> };
  expect(Object.keys(doc.paths['/api/v1/traces/{id}'] ?? {})).toContain('delete');
  expect(Object.keys(doc.paths['/api/v1/users/{id}'] ?? {})).toContain('delete');
});
