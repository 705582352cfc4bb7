// Queries people expect (issue 19): a model family, relative times, "did you mean" for a
// misspelt parameter or filter field, and a wrong OTLP path answered with the right one.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { call, startTestServer, type TestServer } from '../helpers/server.js';

let srv: TestServer;
type Err = { error: { code: string; message: string } };

beforeAll(async () => {
  srv = await startTestServer('first-run-queries');
  const now = Date.now();
  const r = await call(srv.url, '/api/v1/ingest', {
    key: srv.key,
    body: {
      traces: [{ id: 'recent' }, { id: 'old' }, { id: 'mini' }],
      spans: [
        { id: 'a', traceId: 'recent', kind: 'llm', model: 'gpt-4o-2024-08-06', startTime: now - 10 * 60_000, endTime: now - 10 * 60_000 + 500 },
        { id: 'b', traceId: 'old', kind: 'llm', model: 'gpt-4o', startTime: now - 3 * 86_400_000, endTime: now - 3 * 86_400_000 + 500 },
        { id: 'c', traceId: 'mini', kind: 'llm', model: 'gpt-4o-mini-2024-07-18', startTime: now - 20 * 60_000, endTime: now - 20 * 60_000 + 500 },
      ],
    },
  });
  expect(r.status).toBe(200);
});
afterAll(() => srv.close());

const ids = async (query: string) => {
  const r = await call<{ data: Array<{ id: string }> }>(srv.url, `/api/v1/traces?${query}`, { key: srv.key });
  expect(r.status, JSON.stringify(r.json)).toBe(200);
  return r.json.data.map((t) => t.id).sort();
};

test('model= is a family match; filter= keeps the exact one', async () => {
  expect(await ids('model=gpt-4o')).toEqual(['old', 'recent']);
  expect(await ids('model=gpt-4o-mini')).toEqual(['mini']);
  expect(await ids(`filter=${encodeURIComponent('model = "gpt-4o"')}`)).toEqual(['old']);
});

test('relative times in from/to and in filter expressions', async () => {
  expect(await ids('from=-1h')).toEqual(['mini', 'recent']);
  expect(await ids('from=now-7d&to=now-1d')).toEqual(['old']);
  expect(await ids(`filter=${encodeURIComponent('startTime >= "-15m"')}`)).toEqual(['recent']);
  const bad = await call<Err>(srv.url, '/api/v1/traces?from=yesterday', { key: srv.key });
  expect(bad.status).toBe(400);
  expect(bad.json.error.message).toContain('-1h');
});

test('a misspelt parameter or filter field is answered with the one meant', async () => {
  const p = await call<Err>(srv.url, '/api/v1/traces?userid=alice', { key: srv.key });
  expect(p.status).toBe(400);
  expect(p.json.error.message).toContain('Did you mean "userId"?');
  const f = await call<Err>(srv.url, `/api/v1/traces?filter=${encodeURIComponent('modle = "x"')}`, { key: srv.key });
  expect(f.status).toBe(400);
  expect(f.json.error.message).toContain('Did you mean "model"?');
});

test('a wrong OTLP path names the right one', async () => {
  for (const path of ['/', '/v1/trace', '/v1/traces/v1/traces']) {
    const r = await call<Err>(srv.url, path, { key: srv.key, method: 'POST', body: {} });
    expect(r.status, path).toBe(404);
    expect(r.json.error.message, path).toContain('POST /v1/traces');
  }
  const misspelt = await call<Err>(srv.url, '/api/v1/trace', { key: srv.key });
  expect(misspelt.json.error.message).toContain('did you mean GET /api/v1/traces?');
});
