// POST /api/v1/scores for a trace the project does not have: a 404 that says what to do, and no
// empty pending trace made; ?createTrace=true scores ahead of the trace on purpose.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { call, startTestServer, type TestServer } from '../helpers/server.js';

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer('score-unknown');
});
afterAll(() => srv.close());

const traces = async () => (await call<{ data: Array<{ id: string }> }>(srv.url, '/api/v1/traces', { key: srv.key })).json.data.map((t) => t.id);

test('a score for an unknown trace is refused with 404 and makes no trace', async () => {
  const r = await call<{ error: { code: string; message: string } }>(srv.url, '/api/v1/scores', { key: srv.key, body: { traceId: 'no-such-trace', name: 'thumbs', value: 'down' } });
  expect(r.status).toBe(404);
  expect(r.json.error.code).toBe('not_found');
  expect(r.json.error.message).toContain('no trace "no-such-trace"');
  expect(r.json.error.message).toContain('createTrace=true');
  expect(await traces()).toEqual([]);
});

test('a score for a stored trace is stored; with createTrace=true one ahead of its trace is too', async () => {
  const ingest = await call(srv.url, '/api/v1/ingest', { key: srv.key, body: { traces: [{ id: 'known', name: 'chat' }] } });
  expect(ingest.status).toBe(200);
  const ok = await call<{ id: string }>(srv.url, '/api/v1/scores', { key: srv.key, body: { traceId: 'known', name: 'thumbs', value: 'up', source: 'user' } });
  expect(ok.status).toBe(200);
  const ahead = await call<{ id: string }>(srv.url, '/api/v1/scores?createTrace=true', { key: srv.key, body: { traceId: 'later', name: 'thumbs', value: 'up' } });
  expect(ahead.status).toBe(200);
  expect((await traces()).sort()).toEqual(['known', 'later']);
  const scores = await call<{ data: Array<{ traceId: string }> }>(srv.url, '/api/v1/scores', { key: srv.key });
  expect(scores.json.data.map((s) => s.traceId).sort()).toEqual(['known', 'later']);
});
