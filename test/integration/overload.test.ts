// Overload (issue 14, item 3): request bodies in flight are bounded in bytes, HTTP and gRPC
// together. Past the bound a write is refused at once with 503 + Retry-After (before its body is
// read), every acknowledged write is stored, reads keep answering, and the bytes are let go.
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { nanos, otlpProto } from '../helpers/otlp.js';
import { rawConnect } from '../helpers/raw-http.js';
import { call, startTestServer, type TestServer } from '../helpers/server.js';

const BOUND = 2 * 1024 * 1024;
let srv: TestServer;

beforeAll(async () => {
  srv = await startTestServer('overload', { grpcPort: 0, limits: { maxInflightBytes: BOUND } });
});
afterAll(async () => {
  await srv?.close();
});

/** A native batch of one trace with ~1 MB of span inputs. */
function batch(id: string): Record<string, unknown> {
  const t = Date.now();
  const spans = Array.from({ length: 100 }, (_, i) => ({ id: `${id}-${i}`, traceId: id, name: 'step', kind: 'llm', startTime: t + i, endTime: t + i + 1, input: `${id} ${i} ${'x'.repeat(10_000)}` }));
  return { traces: [{ id, name: 'overload', startTime: t }], spans };
}

test('past the in-flight bound writes get 503 with Retry-After, the rest are stored, reads answer', async () => {
  // A body held mid-upload keeps 1.5 MiB of the 2 MiB bound, so a 1 MB write cannot fit beside
  // it whatever the timing (24 writes at once used to, and on a fast turn none was refused).
  const held = await rawConnect(srv.url);
  const declared = Math.floor(1.5 * 1024 * 1024);
  held.write(`POST /api/v1/ingest HTTP/1.1\r\nHost: x\r\nx-api-key: ${srv.key}\r\ncontent-type: application/json\r\ncontent-length: ${declared}\r\n\r\n{"traces":[`);
  await expect.poll(() => srv.server.deps.inflight.bytes, { timeout: 10_000 }).toBeGreaterThanOrEqual(declared);
  const refused = await Promise.all(Array.from({ length: 4 }, (_, i) => call(srv.url, '/api/v1/ingest', { key: srv.key, body: batch(`ov-held-${i}`) })));
  for (const r of refused) {
    expect(r.status).toBe(503);
    expect(r.headers.get('retry-after')).toBe('1');
    expect(r.json.error.code).toBe('overloaded');
  }
  expect((await call(srv.url, '/api/v1/traces?limit=5', { key: srv.key })).status).toBe(200);
  // The held upload goes away: its bytes are let go.
  held.destroy();
  await expect.poll(() => srv.server.deps.inflight.bytes, { timeout: 10_000 }).toBe(0);

  // Then 24 writes at once: each is stored or refused the same way, and reads keep answering.
  const ids = Array.from({ length: 24 }, (_, i) => `ov-${i}`);
  const reads: Array<Promise<number>> = [];
  const writes = ids.map(async (id, i) => {
    if (i % 6 === 0) reads.push(call(srv.url, '/api/v1/traces?limit=5', { key: srv.key }).then((r) => r.status));
    return call(srv.url, '/api/v1/ingest', { key: srv.key, body: batch(id) });
  });
  const answers = await Promise.all(writes);
  const statuses = answers.map((a) => a.status);
  expect(statuses.every((s) => s === 200 || s === 503), statuses.join(',')).toBe(true);
  const later = answers.filter((a) => a.status === 503);
  for (const r of later) {
    expect(r.headers.get('retry-after')).toBe('1');
    expect(r.json.error.code).toBe('overloaded');
  }
  expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(0);
  expect(await Promise.all(reads)).toEqual(reads.map(() => 200));

  // Every acknowledged write is there, whole; nothing of a refused one is.
  for (const [i, a] of answers.entries()) {
    if (a.status !== 200) continue;
    const d = await call(srv.url, `/api/v1/traces/${ids[i]}`, { key: srv.key });
    expect(d.status).toBe(200);
    expect(d.json.spans.length).toBe(100);
  }
  for (let i = 0; i < refused.length; i++) expect((await call(srv.url, `/api/v1/traces/ov-held-${i}`, { key: srv.key })).status).toBe(404);
  expect(srv.server.deps.inflight.bytes).toBe(0);
  expect(srv.server.deps.inflight.refused).toBe(refused.length + later.length);
});

test('gRPC exports count against the same bound and are refused with UNAVAILABLE past it', async () => {
  const client = new grpc.Client(`127.0.0.1:${srv.server.grpcPort}`, grpc.credentials.createInsecure());
  const md = new grpc.Metadata();
  md.set('x-api-key', srv.key);
  const now = Date.now();
  const body = (n: number) => otlpProto([{ attrs: { 'service.name': 'ov' }, spans: Array.from({ length: 60 }, (_, i) => ({
    traceId: `${(n + 1).toString(16).padStart(8, '0')}${'a'.repeat(24)}`, spanId: `${(i + 1).toString(16).padStart(16, '0')}`, name: 's', start: nanos(now), end: nanos(now + 1), attrs: { 'input.value': 'y'.repeat(10_000) },
  })) }]);
  // Hold the HTTP side's bound with one slow upload, so every export finds it full.
  srv.server.deps.inflight.take(BOUND);
  try {
    const codes = await Promise.all([0, 1, 2].map((n) => new Promise<number>((resolve) =>
      client.makeUnaryRequest('/opentelemetry.proto.collector.trace.v1.TraceService/Export', (b: Buffer) => b, (b: Buffer) => b, body(n), md, (e) => resolve(e?.code ?? 0)))));
    expect(codes).toEqual([grpc.status.UNAVAILABLE, grpc.status.UNAVAILABLE, grpc.status.UNAVAILABLE]);
  } finally {
    srv.server.deps.inflight.release(BOUND);
    client.close();
  }
  expect(srv.server.deps.inflight.bytes).toBe(0);
});
