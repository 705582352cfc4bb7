// Keys over HTTP: the three ways to send one, 401 without or with a wrong key, 403 for too
// little scope, and projects that never see each other's traces (list, detail, spans, writes).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { call, startTestServer, type TestServer } from '../helpers/server.js';
import { exportOf, ids, nanos } from '../helpers/otlp.js';

let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer('auth');
});
afterAll(async () => ts.close());

const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

function oneTrace(name: string, traceId = ids().traceId) {
  return { traceId, body: exportOf([{ traceId, spanId: 'aaaaaaaaaaaaaaa1', name, start: nanos(Date.now()), end: nanos(Date.now() + 10) }]) };
}

describe('API keys', () => {
  test('x-api-key, Bearer and Basic (key as password) are all accepted', async () => {
    const { traceId, body } = oneTrace('auth ways');
    const forms: Array<Record<string, string>> = [{ 'x-api-key': ts.key }, { authorization: `Bearer ${ts.key}` }, { authorization: basic('pk-lf-public', ts.key) }, { authorization: basic('', ts.key) }];
    for (const headers of forms) {
      expect((await call(ts.url, '/v1/traces', { body, headers })).status).toBe(200);
      expect((await call(ts.url, `/api/v1/traces/${traceId}`, { headers })).status).toBe(200);
    }
  });

  test('no key, or a wrong one: 401 with a JSON error', async () => {
    const { body } = oneTrace('no key');
    const wrong: Array<Record<string, string>> = [{}, { 'x-api-key': 'lp_wrong' }, { authorization: 'Bearer lp_wrong' }, { authorization: basic('pk', 'lp_wrong') }, { authorization: 'Bearer' }, { authorization: 'Token abc' }];
    for (const headers of wrong) {
      for (const [path, b] of [['/v1/traces', body], ['/api/v1/ingest', { traces: [] }], ['/api/v1/traces', undefined], ['/api/v1/spans', undefined]] as const) {
        const r = await call(ts.url, path, { body: b, headers });
        expect(r.status, `${path} ${JSON.stringify(headers)}`).toBe(401);
        expect(r.json.error.code).toBe('unauthorized');
      }
    }
  });

  test('too little scope: 403; the right scope: 2xx', async () => {
    const readOnly = await ts.keyFor('default', ['read']);
    const ingestOnly = await ts.keyFor('default', ['ingest']);
    const { traceId, body } = oneTrace('scoped');
    const r1 = await call(ts.url, '/v1/traces', { key: readOnly, body });
    expect(r1.status).toBe(403);
    expect(r1.json.error.code).toBe('forbidden');
    expect((await call(ts.url, '/api/v1/ingest', { key: readOnly, body: { traces: [{ id: 'x1' }] } })).status).toBe(403);
    expect((await call(ts.url, '/v1/traces', { key: ingestOnly, body })).status).toBe(200);
    expect((await call(ts.url, '/api/v1/ingest', { key: ingestOnly, body: { traces: [{ id: 'scoped-native' }] } })).status).toBe(200);
    for (const path of ['/api/v1/traces', `/api/v1/traces/${traceId}`, '/api/v1/spans']) {
      expect((await call(ts.url, path, { key: ingestOnly })).status, path).toBe(403);
      expect((await call(ts.url, path, { key: readOnly })).status, path).toBe(200);
    }
  });

  test('health and the API description need no key', async () => {
    for (const path of ['/healthz', '/readyz', '/openapi.json']) expect((await call(ts.url, path)).status, path).toBe(200);
  });
});

describe('project isolation', () => {
  test("a key of project B never sees project A's traces, and B's writes never touch A's", async () => {
    const a = await ts.keyFor('project-a', ['ingest', 'read']);
    const b = await ts.keyFor('project-b', ['ingest', 'read']);
    const { traceId, body } = oneTrace('secret of A');
    expect((await call(ts.url, '/v1/traces', { key: a, body })).status).toBe(200);
    expect((await call(ts.url, '/api/v1/ingest', { key: a, body: { spans: [{ id: 'native-a', traceId: 'native-trace', name: 'A native', startTime: Date.now() }] } })).status).toBe(200);

    const listB = await call(ts.url, '/api/v1/traces?limit=1000', { key: b });
    expect(listB.status).toBe(200);
    expect(listB.json.data).toEqual([]);
    expect((await call(ts.url, `/api/v1/traces/${traceId}`, { key: b })).status).toBe(404);
    expect((await call(ts.url, '/api/v1/traces/native-trace', { key: b })).status).toBe(404);
    expect((await call(ts.url, `/api/v1/spans?traceId=${traceId}`, { key: b })).json.data).toEqual([]);
    expect((await call(ts.url, '/api/v1/spans?limit=1000', { key: b })).json.data).toEqual([]);
    expect((await call(ts.url, '/api/v1/traces?q=secret', { key: b })).json.data).toEqual([]);
    // The admin key of `default` is another project too.
    expect((await call(ts.url, `/api/v1/traces/${traceId}`, { key: ts.key })).status).toBe(404);

    // B writes the very same trace id: a separate trace, A's is unchanged.
    const same = oneTrace('written by B', traceId);
    expect((await call(ts.url, '/v1/traces', { key: b, body: same.body })).status).toBe(200);
    const seenByA = await call(ts.url, `/api/v1/traces/${traceId}`, { key: a });
    const seenByB = await call(ts.url, `/api/v1/traces/${traceId}`, { key: b });
    expect(seenByA.json.trace.name).toBe('secret of A');
    expect(seenByB.json.trace.name).toBe('written by B');
    expect(seenByA.json.trace.projectId).not.toBe(seenByB.json.trace.projectId);
    expect(seenByA.json.spans.map((s: { name: string }) => s.name)).toEqual(['secret of A']);

    const listA = await call(ts.url, '/api/v1/traces?limit=1000', { key: a });
    expect(listA.json.data.map((t: { id: string }) => t.id).sort()).toEqual(['native-trace', traceId].sort());
  });
});
