// One set of limits for every format (issue 14, item 2): a trace's input, output and metadata are
// cut at 1,000,000 characters like a span's (they were kept whole), labels at the lengths the
// native API accepts, and an id over 800 characters is refused, whichever format brought them.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { call, startTestServer, type TestServer } from '../helpers/server.js';

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer('large-fields');
});
afterAll(async () => {
  await srv?.close();
});

const BIG = 'q'.repeat(3_000_000);
const LONG_LABEL = 'e'.repeat(1_000);
const now = new Date().toISOString();

async function trace(id: string) {
  const r = await call(srv.url, `/api/v1/traces/${encodeURIComponent(id)}`, { key: srv.key });
  expect(r.status, `${id}: ${r.raw.toString().slice(0, 200)}`).toBe(200);
  return r.json.trace as { input: unknown; output: unknown; metadata: Record<string, unknown>; environment: string | null; name: string | null; tags: string[] };
}

const isCut = (v: unknown) => typeof v === 'string' && v.length < 1_000_100 && v.endsWith('[truncated 2000000 chars]');

test('native: trace input, output and metadata are cut like a span’s', async () => {
  const r = await call(srv.url, '/api/v1/ingest', { key: srv.key, body: { traces: [{ id: 'lf-native', startTime: now, input: BIG, output: { answer: BIG }, metadata: { note: BIG } }] } });
  expect(r.status).toBe(200);
  const t = await trace('lf-native');
  expect(isCut(t.input)).toBe(true);
  expect(isCut((t.output as { answer: string }).answer)).toBe(true);
  expect(isCut(t.metadata.note)).toBe(true);
});

test('Langfuse: the same cuts, and labels held to the native lengths', async () => {
  // (Langfuse's own schema refuses names over 1,000 characters, as Langfuse does.)
  const body = { batch: [{ id: 'ev-big', type: 'trace-create', timestamp: now, body: { id: 'lf-langfuse', name: 'big', environment: 'prod', input: BIG, metadata: { note: BIG }, tags: [LONG_LABEL, ...Array.from({ length: 150 }, (_, i) => `t${i}`)] } }] };
  const r = await call(srv.url, '/api/public/ingestion', { key: srv.key, body });
  expect(r.status).toBeLessThan(300);
  const t = await trace('lf-langfuse');
  expect(isCut(t.input)).toBe(true);
  expect(isCut(t.metadata.note)).toBe(true);
  expect(t.tags.length).toBe(100);
  expect(t.tags[0].length).toBe(200);
});

test('HoneyHive and Evalgate traces are cut too', async () => {
  const hh = await call(srv.url, '/session/start', { key: srv.key, body: { session: { project: 'p', session_name: 'big-session', source: 'prod', session_id: 'lf-honeyhive', inputs: { q: BIG } } } });
  expect(hh.status).toBeLessThan(300);
  const t1 = await trace('lf-honeyhive');
  expect(isCut((t1.input as { q: string }).q)).toBe(true);

  // Evalgate's explicit creation routes (never sampled): the trace, then a span with a big input.
  const eg = await call(srv.url, '/api/traces', { key: srv.key, body: { name: 'big', traceId: 'lf-evalgate', durationMs: 5 } });
  expect(eg.status).toBeLessThan(300);
  const span = await call(srv.url, `/api/traces/${eg.json.id}/spans`, { key: srv.key, body: { name: 's', spanId: 'lf-eg-s', type: 'llm', startTime: now, input: { q: BIG } } });
  expect(span.status).toBeLessThan(300);
  const spans = await call(srv.url, '/api/v1/spans?traceId=' + encodeURIComponent((await call(srv.url, '/api/v1/traces?externalId=lf-evalgate', { key: srv.key })).json.data[0].id), { key: srv.key });
  expect(isCut((spans.json.data[0].input as { q: string }).q)).toBe(true);
});

test('an id over 800 characters is refused in every format, not cut', async () => {
  const longId = 'i'.repeat(801);
  const native = await call(srv.url, '/api/v1/ingest', { key: srv.key, body: { traces: [{ id: longId }] } });
  expect(native.status).toBe(400);
  const lf = await call(srv.url, '/api/public/ingestion', { key: srv.key, body: { batch: [{ id: 'ev-long', type: 'trace-create', timestamp: now, body: { id: longId, userId: 'u' } }] } });
  expect(lf.status).toBe(207);
  expect(lf.json.errors.length).toBe(1);
  const lfUser = await call(srv.url, '/api/public/ingestion', { key: srv.key, body: { batch: [{ id: 'ev-long-user', type: 'trace-create', timestamp: now, body: { id: 'lf-user', userId: longId } }] } });
  expect(lfUser.json.errors.length).toBe(1);
  const list = await call(srv.url, '/api/v1/traces?limit=100', { key: srv.key });
  expect(list.status).toBe(200);
  expect((list.json.data as Array<{ id: string }>).some((t) => t.id.length > 800 || t.id === 'lf-user')).toBe(false);
});
