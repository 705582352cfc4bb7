// OTLP/HTTP over a real server: JSON and protobuf (from the real OTel serializer), gzip,
// partialSuccess, 400/413/415 answers in the request's encoding, empty exports, and random
// bodies that never take the server down.
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { ProtoReader } from '../../src/ingest/otlp/proto-reader.js';
import { call, startTestServer, type TestServer } from '../helpers/server.js';
import { exportOf, ids, nanos, otlpProto, prng, type ResourceSpec } from '../helpers/otlp.js';

let ts: TestServer;
let small: TestServer;
const JSON_CT = { 'content-type': 'application/json' };
const PROTO_CT = { 'content-type': 'application/x-protobuf' };

beforeAll(async () => {
  ts = await startTestServer('otlp-http');
  small = await startTestServer('otlp-small', { bodyLimit: 4096 });
});
afterAll(async () => {
  await ts.close();
  await small.close();
});

/** google.rpc.Status {code = 1, message = 2} from protobuf bytes. */
function rpcStatus(buf: Buffer): { code: number; message: string } {
  const r = new ProtoReader(buf);
  const out = { code: 0, message: '' };
  while (!r.done()) {
    const [f, w] = r.tag();
    if (f === 1 && w === 0) out.code = r.varint();
    else if (f === 2 && w === 2) out.message = r.string();
    else r.skip(w);
  }
  return out;
}

function llmSpans(): { traceId: string; res: ResourceSpec[] } {
  const { traceId, spanId } = ids();
  const root = spanId();
  const base = Date.UTC(2026, 0, 5, 10, 0, 0);
  return {
    traceId,
    res: [{
      attrs: { 'service.name': 'otlp-http-test', 'deployment.environment.name': 'staging' },
      spans: [
        { traceId, spanId: root, name: 'agent run', start: nanos(base, 123456), end: nanos(base + 2000, 654321), status: { code: 1 } },
        { traceId, spanId: spanId(), parentId: root, name: 'chat gpt-4o', kind: 3, start: nanos(base + 10), end: nanos(base + 900),
          attrs: { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 100, 'gen_ai.usage.output_tokens': 20,
            'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'hello' }] }]),
            'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: 'hi there' }], finish_reason: 'stop' }]) } },
      ],
    }],
  };
}

async function detail(traceId: string) {
  const r = await call(ts.url, `/api/v1/traces/${traceId}`, { key: ts.key });
  expect(r.status).toBe(200);
  return r.json as { trace: Record<string, any>; spans: Array<Record<string, any>> };
}

describe('OTLP/HTTP ingest', () => {
  test('JSON export: 200 {} and readable at once', async () => {
    const { traceId, res } = llmSpans();
    const r = await call(ts.url, '/v1/traces', { key: ts.key, body: { resourceSpans: exportOf(res[0].spans, res[0].attrs).resourceSpans } });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('application/json');
    expect(r.json).toEqual({});
    const d = await detail(traceId);
    expect(d.trace).toMatchObject({ id: traceId, name: 'agent run', status: 'success', spanCount: 2, inputTokens: 100, outputTokens: 20, totalTokens: 120, environment: 'staging' });
    expect(d.trace.startTime).toBe('2026-01-05T10:00:00.000123Z');
    expect(d.trace.endTime).toBe('2026-01-05T10:00:02.000654Z');
    expect(d.spans[1]).toMatchObject({ model: 'gpt-4o', kind: 'llm', input: [{ role: 'user', content: 'hello' }], output: [{ role: 'assistant', content: 'hi there', finish_reason: 'stop' }] });
  });

  test('protobuf export from the real serializer: 200 with an empty protobuf answer; same trace as JSON', async () => {
    const { traceId, res } = llmSpans();
    const r = await call(ts.url, '/v1/traces', { key: ts.key, body: otlpProto(res), headers: PROTO_CT });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('application/x-protobuf');
    expect(ProtobufTraceSerializer.deserializeResponse(new Uint8Array(r.raw))).toEqual({});
    const d = await detail(traceId);
    expect(d.trace).toMatchObject({ name: 'agent run', status: 'success', spanCount: 2, totalTokens: 120, startTime: '2026-01-05T10:00:00.000123Z' });
    expect(d.spans.map((s) => s.name)).toEqual(['agent run', 'chat gpt-4o']);
  });

  test('gzip, for JSON and protobuf', async () => {
    const a = llmSpans();
    const b = llmSpans();
    const r1 = await call(ts.url, '/v1/traces', { key: ts.key, body: gzipSync(JSON.stringify(exportOf(a.res[0].spans))), headers: { ...JSON_CT, 'content-encoding': 'gzip' } });
    const r2 = await call(ts.url, '/v1/traces', { key: ts.key, body: gzipSync(otlpProto(b.res)), headers: { ...PROTO_CT, 'content-encoding': 'gzip' } });
    expect([r1.status, r2.status]).toEqual([200, 200]);
    expect((await detail(a.traceId)).trace.spanCount).toBe(2);
    expect((await detail(b.traceId)).trace.spanCount).toBe(2);
  });

  test('bad spans: partialSuccess with rejectedSpans (int64 as string) and an errorMessage; the good spans are stored', async () => {
    const { traceId, spanId } = ids();
    const spans = [
      { traceId, spanId: spanId(), name: 'good', start: nanos(Date.now()), end: nanos(Date.now() + 5) },
      { traceId: 'xyz', spanId: spanId(), name: 'bad trace id', start: nanos(Date.now()) },
      { traceId, spanId: '0000000000000000', name: 'zero span id', start: nanos(Date.now()) },
    ];
    const r = await call(ts.url, '/v1/traces', { key: ts.key, body: exportOf(spans) });
    expect(r.status).toBe(200);
    expect(r.json.partialSuccess.rejectedSpans).toBe('2');
    expect(r.json.partialSuccess.errorMessage).toMatch(/traceId/);
    expect(r.json.partialSuccess.errorMessage).toMatch(/spanId/);
    expect((await detail(traceId)).spans.map((s) => s.name)).toEqual(['good']);

    const p = await call(ts.url, '/v1/traces', { key: ts.key, body: otlpProto([{ spans: [{ ...spans[0], spanId: spanId() }, { ...spans[2] }] }]), headers: PROTO_CT });
    expect(p.status).toBe(200);
    const decoded = ProtobufTraceSerializer.deserializeResponse(new Uint8Array(p.raw));
    expect(Number(decoded.partialSuccess?.rejectedSpans)).toBe(1);
    expect(decoded.partialSuccess?.errorMessage).toMatch(/spanId/);
  });

  test('undecodable bodies: 400 in the request encoding, nothing stored', async () => {
    const j = await call(ts.url, '/v1/traces', { key: ts.key, body: '{"resourceSpans": [', headers: JSON_CT });
    expect(j.status).toBe(400);
    expect(j.json.error.code).toBe('invalid_body');
    expect(j.json.message).toMatch(/JSON/);

    const p = await call(ts.url, '/v1/traces', { key: ts.key, body: Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]), headers: PROTO_CT });
    expect(p.status).toBe(400);
    expect(p.headers.get('content-type')).toContain('application/x-protobuf');
    expect(rpcStatus(p.raw).message).toMatch(/malformed/);

    const g = await call(ts.url, '/v1/traces', { key: ts.key, body: Buffer.from('not gzip at all'), headers: { ...PROTO_CT, 'content-encoding': 'gzip' } });
    expect(g.status).toBe(400);
    expect(g.headers.get('content-type')).toContain('application/x-protobuf');

    const logs = await call(ts.url, '/v1/traces', { key: ts.key, body: { resourceLogs: [] } });
    expect(logs.status).toBe(400);
  });

  test('unknown content type: 415 with a JSON error', async () => {
    const r = await call(ts.url, '/v1/traces', { key: ts.key, body: 'hello', headers: { 'content-type': 'text/plain' } });
    expect(r.status).toBe(415);
    expect(r.json.error.code).toBe('unsupported_media_type');
    const e = await call(ts.url, '/v1/traces', { key: ts.key, body: JSON.stringify(exportOf([])), headers: { ...JSON_CT, 'content-encoding': 'zstd' } });
    expect(e.status).toBe(415);
  });

  test('oversized bodies: 413, before and after decompression', async () => {
    const { traceId, spanId } = ids();
    const big = exportOf([{ traceId, spanId: spanId(), name: 'x', start: nanos(Date.now()), attrs: { blob: 'a'.repeat(10_000) } }]);
    const plain = await call(small.url, '/v1/traces', { key: small.key, body: big });
    expect(plain.status).toBe(413);
    expect(plain.json.error.code).toBe('payload_too_large');
    const zipped = gzipSync(JSON.stringify(big));
    expect(zipped.length).toBeLessThan(4096);
    const bomb = await call(small.url, '/v1/traces', { key: small.key, body: zipped, headers: { ...JSON_CT, 'content-encoding': 'gzip' } });
    expect(bomb.status).toBe(413);
    const proto = await call(small.url, '/v1/traces', { key: small.key, body: gzipSync(otlpProto([{ spans: big.resourceSpans ? [{ traceId, spanId: spanId(), name: 'x', start: nanos(Date.now()), attrs: { blob: 'a'.repeat(10_000) } }] : [] }])), headers: { ...PROTO_CT, 'content-encoding': 'gzip' } });
    expect(proto.status).toBe(413);
    expect(proto.headers.get('content-type')).toContain('application/x-protobuf');
    expect((await call(small.url, '/healthz')).status).toBe(200);
  });

  test('empty exports: 200', async () => {
    for (const body of ['{}', '{"resourceSpans":[]}', '{"resourceSpans":[{"scopeSpans":[{"spans":[]}]}]}']) {
      const r = await call(ts.url, '/v1/traces', { key: ts.key, body, headers: JSON_CT });
      expect(r.status, body).toBe(200);
      expect(r.json).toEqual({});
    }
    const p = await call(ts.url, '/v1/traces', { key: ts.key, body: Buffer.alloc(0), headers: PROTO_CT });
    expect(p.status).toBe(200);
    expect(p.raw.length).toBe(0);
  });

  test('random bodies never break the server: only 200 or 400, in the request encoding', async () => {
    const rnd = prng(7);
    const valid = otlpProto(llmSpans().res);
    for (let i = 0; i < 40; i++) {
      const proto = i % 2 === 0;
      let body: Buffer;
      if (i % 4 < 2) body = Buffer.from(Array.from({ length: 1 + Math.floor(rnd() * 120) }, () => Math.floor(rnd() * 256)));
      else body = Buffer.from(valid.subarray(0, Math.floor(rnd() * valid.length)));
      const r = await call(ts.url, '/v1/traces', { key: ts.key, body, headers: proto ? PROTO_CT : JSON_CT });
      expect([200, 400], `body #${i}`).toContain(r.status);
      expect(r.headers.get('content-type')).toContain(proto ? 'application/x-protobuf' : 'application/json');
    }
    expect((await call(ts.url, '/healthz')).status).toBe(200);
    expect((await call(ts.url, '/api/v1/traces?limit=1000', { key: ts.key })).status).toBe(200);
  });

  test('absurd timestamps do not poison reads', async () => {
    const { traceId, spanId } = ids();
    const spans = [
      { traceId, spanId: spanId(), name: 'far future', start: '99999999999999999999999', end: '99999999999999999999999' },
      { traceId, spanId: spanId(), name: 'tiny', start: '5', end: '999' },
    ];
    const r = await call(ts.url, '/v1/traces', { key: ts.key, body: exportOf(spans) });
    expect(r.status).toBe(200);
    expect(r.json.partialSuccess.rejectedSpans).toBe('1');
    expect((await call(ts.url, '/api/v1/traces?limit=1000', { key: ts.key })).status).toBe(200);
    expect((await call(ts.url, '/api/v1/spans?limit=1000', { key: ts.key })).status).toBe(200);
    const d = await call(ts.url, `/api/v1/traces/${traceId}`, { key: ts.key });
    expect(d.status).toBe(200);
    expect(d.json.spans.map((s: { name: string }) => s.name)).toEqual(['tiny']);
  });
});
