// JSON found inside string fields (OpenInference input.value, Avido metadata) is parsed only when
// it nests no deeper than the body limit allows; deeper, it is kept as the text it was. Before,
// a deep value there overflowed the stack after parsing and answered 500 (issue 14, item 6).
import { afterAll, beforeAll, expect, test } from 'vitest';
import { anyValue, nanos } from '../helpers/otlp.js';
import { call, startTestServer, type TestServer } from '../helpers/server.js';

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer('json-in-strings');
});
afterAll(async () => {
  await srv?.close();
});

const deep = (n: number) => `${'['.repeat(n)}1${']'.repeat(n)}`;

test('OTLP input.value nested 5,000 deep is stored as text; a shallow one as JSON', async () => {
  const t = Date.now();
  const span = (spanId: string, value: string) => ({
    traceId: '0af7651916cd43dd8448eb211c80319c', spanId, name: spanId, kind: 1, startTimeUnixNano: nanos(t), endTimeUnixNano: nanos(t + 5),
    attributes: [{ key: 'openinference.span.kind', value: anyValue('CHAIN') }, { key: 'input.value', value: anyValue(value) }, { key: 'input.mime_type', value: anyValue('application/json') }],
  });
  const body = { resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: { name: 't' }, spans: [span('b7ad6b7169203331', deep(5000)), span('b7ad6b7169203332', '{"q":[1,2]}')] }] }] };
  const r = await call(srv.url, '/v1/traces', { key: srv.key, body });
  expect(r.status).toBe(200);
  const d = await call(srv.url, '/api/v1/traces/0af7651916cd43dd8448eb211c80319c', { key: srv.key });
  expect(d.status).toBe(200);
  const byName = Object.fromEntries((d.json.spans as Array<{ name: string; input: unknown }>).map((s) => [s.name, s.input]));
  expect(byName.b7ad6b7169203331).toBe(deep(5000));
  expect(byName.b7ad6b7169203332).toEqual({ q: [1, 2] });
  expect((await call(srv.url, '/api/v1/export', { key: srv.key })).status).toBe(200);
});

test('Avido metadata nested 5,000 deep is kept as text', async () => {
  const body = { events: [{ type: 'trace', timestamp: new Date().toISOString(), referenceId: 'deep-meta-1', metadata: deep(5000) }] };
  const r = await call(srv.url, '/v0/ingest', { key: srv.key, body });
  expect(r.status).toBeLessThan(300);
  const list = await call(srv.url, '/api/v1/traces?limit=10', { key: srv.key });
  expect(list.status).toBe(200);
});
