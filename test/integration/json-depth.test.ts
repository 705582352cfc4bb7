// Deep nesting is refused with a 400, not a 500: every JSON route (as /openapi.json lists them)
// with a value nested thousands deep; each ingest format with the deep value where its adapter
// reads it (a real fixture with one field replaced); OTLP/JSON and OTLP protobuf attribute values
// (AnyValue in arrays and key-value lists) over HTTP and gRPC; the import's JSON Lines. At the
// limit a body is still taken and read back.
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { MAX_JSON_DEPTH } from '../../src/json-depth.js';
import { EXPORT_PATH } from '../../src/server/grpc.js';
import { otlpProtoTooDeep } from '../../src/server/otlp-body.js';
import { call, startTestServer, type TestServer } from '../helpers/server.js';

let ts: TestServer;
let evalgateTrace: number;
beforeAll(async () => {
  ts = await startTestServer('depth', { grpcPort: 0 });
  const created = await call(ts.url, '/api/traces', { key: ts.key, body: { name: 'parent', traceId: 'depth-parent' } });
  expect(created.status).toBe(201);
  evalgateTrace = created.json.id as number;
});
afterAll(async () => ts.close());

const DEEP = 5000;
const nested = (n: number, inner = '1') => '['.repeat(n) + inner + ']'.repeat(n);

/** A fixture with the string "__DEEP__" somewhere replaced by `deep` (as raw text). */
function withDeep(fixture: string, set: (body: Record<string, unknown>) => void, deep = nested(DEEP)): string {
  const body = JSON.parse(readFileSync(new URL(`../../${fixture}`, import.meta.url), 'utf8')) as Record<string, unknown>;
  set(body);
  return JSON.stringify(body).replace('"__DEEP__"', deep);
}

type Obj = Record<string, unknown>;
const arr = (v: unknown) => v as Obj[];

const otlpJson = (value: string) => JSON.stringify({
  resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', name: 'deep', startTimeUnixNano: '1700000000000000000', endTimeUnixNano: '1700000000100000000', attributes: [{ key: 'deep', value: '__DEEP__' }] }] }] }],
}).replace('"__DEEP__"', value);

/** An AnyValue holding `n` array values inside each other around a string. */
function deepAnyValueJson(n: number): string {
  return '{"arrayValue":{"values":['.repeat(n) + '{"stringValue":"x"}' + ']}}'.repeat(n);
}

const cases: Array<{ name: string; path: string; body: () => string; contentType?: string }> = [
  { name: 'native', path: '/api/v1/ingest', body: () => `{"traces":[{"id":"deep-native","input":${nested(DEEP)}}]}` },
  { name: 'Avido', path: '/v0/ingest', body: () => withDeep('src/ingest/avido/fixtures/seed-ingest.json', (b) => { arr(b.events)[1].input = '__DEEP__'; }) },
  { name: 'Evalgate collector', path: '/api/collector', body: () => withDeep('src/ingest/evalgate/fixtures/collector-batch.json', (b) => { arr(arr(b.traces)[0].spans)[0].input = '__DEEP__'; }) },
  { name: 'Evalgate trace', path: '/api/traces', body: () => withDeep('src/ingest/evalgate/fixtures/create-trace.json', (b) => { b.traceId = 'deep-eg'; b.metadata = '__DEEP__'; }) },
  { name: 'Evalgate span', path: '/api/traces/{id}/spans', body: () => withDeep('src/ingest/evalgate/fixtures/add-span.json', (b) => { b.input = '__DEEP__'; }) },
  { name: 'HoneyHive event', path: '/events', body: () => withDeep('src/ingest/honeyhive/fixtures/event-single.json', (b) => { (b.event as Obj).inputs = { deep: '__DEEP__' }; }) },
  { name: 'HoneyHive batch', path: '/events/batch', body: () => withDeep('src/ingest/honeyhive/fixtures/batch-single-session.json', (b) => { arr(b.events)[0].inputs = { deep: '__DEEP__' }; }) },
  { name: 'HoneyHive session', path: '/session/start', body: () => withDeep('src/ingest/honeyhive/fixtures/session-start.json', (b) => { (b.session as Obj).inputs = { deep: '__DEEP__' }; }) },
  { name: 'Langfuse', path: '/api/public/ingestion', body: () => withDeep('test/fixtures/examples/04-langfuse-ingestion-batch.json', (b) => { (arr(b.batch)[0].body as Obj).input = '__DEEP__'; }) },
  { name: 'OTLP/JSON', path: '/v1/traces', body: () => otlpJson(deepAnyValueJson(DEEP / 3)) },
  { name: 'Avido OTel', path: '/v0/otel/traces', body: () => otlpJson(deepAnyValueJson(DEEP / 3)) },
  { name: 'Langfuse OTel', path: '/api/public/otel/v1/traces', body: () => otlpJson(deepAnyValueJson(DEEP / 3)) },
  { name: 'scores', path: '/api/v1/scores', body: () => `{"traceId":"t","name":"n","value":1,"metadata":${nested(DEEP)}}` },
  { name: 'import', path: '/api/v1/import', contentType: 'application/x-ndjson', body: () => `{"trace":{"id":"ok-line"}}\n{"trace":{"id":"deep-import","input":${nested(DEEP)}}}\n` },
  { name: 'sampling settings', path: '/api/v1/project/sampling', body: () => `{"rules":${nested(DEEP)}}` },
];

describe('JSON nested past the limit: 400 invalid_body naming the depth', () => {
  test.each(cases)('$name ($path)', async ({ path, body, contentType }) => {
    const method = path.includes('sampling') ? 'PUT' : 'POST';
    const headers = { 'content-type': contentType ?? 'application/json', 'x-application-id': 'default' };
    const r = await call(ts.url, path.replace('{id}', String(evalgateTrace)), { key: ts.key, method, body: body(), headers });
    expect(r.status, r.raw.toString().slice(0, 300)).toBe(400);
    expect(r.json.error.code).toBe('invalid_body');
    expect(r.json.error.message).toMatch(new RegExp(`more than ${MAX_JSON_DEPTH} deep`));
  });

  test('every JSON route of /openapi.json refuses a deep body with the same answer', async () => {
    const doc = (await call(ts.url, '/openapi.json')).json as { paths: Record<string, Record<string, { requestBody?: { content: Record<string, unknown> } }>> };
    const routes = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops)
      .filter(([, op]) => op.requestBody && Object.keys(op.requestBody.content).some((ct) => ct.includes('json')))
      .map(([method]) => ({ method: method.toUpperCase(), path: path.replace('{id}', String(evalgateTrace)) })));
    expect(routes.length).toBeGreaterThanOrEqual(cases.length);
    for (const r of routes) {
      const res = await call(ts.url, r.path, { key: ts.key, method: r.method, body: `{"x":${nested(DEEP)}}`, headers: { 'content-type': 'application/json', 'x-application-id': 'default' } });
      expect(res.status, `${r.method} ${r.path}`).toBe(400);
      expect(res.json.error.message, `${r.method} ${r.path}`).toMatch(/deep/);
    }
    // The reads of the project still answer.
    expect((await call(ts.url, '/api/v1/traces', { key: ts.key })).status).toBe(200);
  });

  test('at the limit a body is taken and its value read back whole', async () => {
    // {"traces":[{"input": …}]} spends 3 levels; the input gets the rest.
    const input = nested(MAX_JSON_DEPTH - 3, '"core"');
    const ok = await call(ts.url, '/api/v1/ingest', { key: ts.key, body: `{"traces":[{"id":"at-limit","input":${input}}]}`, headers: { 'content-type': 'application/json' } });
    expect(ok.status, ok.raw.toString()).toBe(200);
    const read = await call(ts.url, '/api/v1/traces/at-limit', { key: ts.key });
    expect(read.status).toBe(200);
    expect(JSON.stringify(read.json.trace.input)).toBe(input);
    const over = await call(ts.url, '/api/v1/ingest', { key: ts.key, body: `{"traces":[{"id":"over-limit","input":[${input}]}]}`, headers: { 'content-type': 'application/json' } });
    expect(over.status).toBe(400);
  });
});

describe('OTLP protobuf: attribute values nested past the limit', () => {
  // Built by hand, from the inside out: a recursive encoder would overflow on what is tested here.
  const varint = (n: number): number[] => {
    const out: number[] = [];
    for (; n >= 0x80; n = Math.floor(n / 128)) out.push((n % 128) | 0x80);
    out.push(n);
    return out;
  };
  const field = (no: number, bytes: Uint8Array | string): Buffer => {
    const b = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
    return Buffer.concat([Buffer.from([...varint((no << 3) | 2), ...varint(b.length)]), b]);
  };
  const fixed64 = (no: number, nanos: bigint): Buffer => {
    const b = Buffer.alloc(9);
    b[0] = (no << 3) | 1;
    b.writeBigUInt64LE(nanos, 1);
    return b;
  };

  /** An export whose one span carries an attribute nested `n` lists (alternating arrays and key-value lists) deep. */
  function deepExport(n: number, spanId = 'eee19b7ec3c1b174'): Buffer {
    let any = field(1, 'core'); // AnyValue{string_value}
    for (let i = 0; i < n; i++) {
      any = i % 2 === 0
        ? field(5, field(1, any)) // AnyValue{array_value: ArrayValue{values: [any]}}
        : field(6, field(1, Buffer.concat([field(1, 'k'), field(2, any)]))); // AnyValue{kvlist_value: {values: [{k: any}]}}
    }
    const span = Buffer.concat([
      field(1, Buffer.from('5b8efff798038103d269b633813fc60c', 'hex')), field(2, Buffer.from(spanId, 'hex')), field(5, 'deep'),
      fixed64(7, 1_700_000_000_000_000_000n), fixed64(8, 1_700_000_000_100_000_000n),
      field(9, Buffer.concat([field(1, 'nested'), field(2, any)])),
    ]);
    return field(1, field(2, field(2, span)));
  }

  test('the scan counts arrays and key-value lists, whatever else the export holds', () => {
    expect(otlpProtoTooDeep(deepExport(MAX_JSON_DEPTH))).toBe(false);
    expect(otlpProtoTooDeep(deepExport(MAX_JSON_DEPTH + 1))).toBe(true);
    expect(otlpProtoTooDeep(deepExport(3), 2)).toBe(true);
    expect(otlpProtoTooDeep(Buffer.from([0x0a, 0xff]))).toBe(false); // truncated: the decoder says so
  });

  test('over HTTP: 400 (google.rpc.Status); at the limit: stored and readable', async () => {
    const headers = { 'content-type': 'application/x-protobuf' };
    const deep = await call(ts.url, '/v1/traces', { key: ts.key, body: deepExport(3000), headers });
    expect(deep.status).toBe(400);
    expect(deep.raw.toString('latin1')).toMatch(/more than 128 deep/);
    const ok = await call(ts.url, '/v1/traces', { key: ts.key, body: deepExport(MAX_JSON_DEPTH, 'eee19b7ec3c1b175'), headers });
    expect(ok.status).toBe(200);
    const read = await call(ts.url, '/api/v1/traces/5b8efff798038103d269b633813fc60c', { key: ts.key });
    expect(read.status).toBe(200);
  });

  test('over gRPC: INVALID_ARGUMENT', async () => {
    const client = new grpc.Client(`127.0.0.1:${ts.server.grpcPort!}`, grpc.credentials.createInsecure());
    try {
      const md = new grpc.Metadata();
      md.set('x-api-key', ts.key);
      const err = await new Promise<grpc.ServiceError | null>((resolve) => {
        client.makeUnaryRequest(EXPORT_PATH, (b: Buffer) => b, (b: Buffer) => b, deepExport(3000), md, (e) => resolve(e));
      });
      expect(err?.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(err?.details).toMatch(/more than 128 deep/);
    } finally {
      client.close();
    }
  });
});
