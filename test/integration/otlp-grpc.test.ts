// OTLP/gRPC end to end: the OpenTelemetry gRPC exporter (gzip, key in metadata) against a real
// Loupe, read back through the native API; raw grpc-js calls for the error status codes.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { SpanStatusCode } from '@opentelemetry/api';
import { BasicTracerProvider, BatchSpanProcessor, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { EXPORT_PATH, statusWithRetryInfo } from '../../src/server/grpc.js';
import { createKey } from '../../src/server/keys.js';
import { ProtoReader } from '../../src/ingest/otlp/proto-reader.js';
import type { Span, Trace } from '../../src/model/schemas.js';

let server: RunningServer;
let dir: string;
let key: string;
let client: grpc.Client;

async function detail(traceId: string): Promise<{ trace: Trace; spans: Span[] }> {
  const res = await fetch(`${server.url}/api/v1/traces/${traceId}`, { headers: { 'x-api-key': key } });
  expect(res.status).toBe(200);
  return (await res.json()) as { trace: Trace; spans: Span[] };
}

/** One ExportTraceServiceRequest, protobuf-encoded by the OTel SDK's own serializer. */
function exportRequest(): { body: Buffer; traceId: string } {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] });
  const span = provider.getTracer('raw').startSpan('raw-call', { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'm-1' } });
  span.end();
  const spans = memory.getFinishedSpans();
  return { body: Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!), traceId: spans[0].spanContext().traceId };
}

function call(body: Buffer, metadata: Record<string, string>): Promise<{ err: grpc.ServiceError | null; res?: Buffer }> {
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(metadata)) md.set(k, v);
  return new Promise((resolve) => {
    client.makeUnaryRequest(EXPORT_PATH, (b: Buffer) => b, (b: Buffer) => b, body, md, (err, res) => resolve({ err, res }));
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-grpc-'));
  server = await startServer({ host: '127.0.0.1', port: 0, grpcPort: 0, dataDir: dir });
  key = readFileSync(join(dir, 'admin-key.txt'), 'utf8').trim();
  client = new grpc.Client(`127.0.0.1:${server.grpcPort}`, grpc.credentials.createInsecure());
});

afterAll(async () => {
  client?.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('OTLP/gRPC TraceService/Export', () => {
  test('the OpenTelemetry gRPC exporter (gzip, x-api-key metadata) stores spans readable through the native API', async () => {
    expect(server.grpcPort).toBeGreaterThan(0);
    const metadata = new grpc.Metadata();
    metadata.set('x-api-key', key);
    const exporter = new OTLPTraceExporter({ url: `http://127.0.0.1:${server.grpcPort}`, metadata, compression: CompressionAlgorithm.GZIP });
    const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': 'grpc-e2e', 'deployment.environment.name': 'test' }), spanProcessors: [new BatchSpanProcessor(exporter)] });
    const tracer = provider.getTracer('e2e');
    const root = tracer.startSpan('agent-run');
    const rootCtx = root.spanContext();
    const { trace, context } = await import('@opentelemetry/api');
    const parent = trace.setSpanContext(context.active(), rootCtx);
    const llm = tracer.startSpan('chat gpt-4o', { attributes: {
      'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 25, 'gen_ai.usage.output_tokens': 5,
    } }, parent);
    llm.end();
    const tool = tracer.startSpan('execute_tool lookup', { attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'lookup' } }, parent);
    tool.setStatus({ code: SpanStatusCode.ERROR, message: 'lookup failed' });
    tool.end();
    root.end();
    await provider.forceFlush();
    await provider.shutdown();

    const d = await detail(rootCtx.traceId);
    expect(d.trace).toMatchObject({ name: 'agent-run', environment: 'test', inputTokens: 25, outputTokens: 5, status: 'error', spanCount: 3 });
    const byName = Object.fromEntries(d.spans.map((s) => [s.name, s]));
    expect(byName['chat gpt-4o']).toMatchObject({ kind: 'llm', model: 'gpt-4o', parentId: rootCtx.spanId });
    expect(byName['lookup']).toMatchObject({ kind: 'tool', status: 'error', error: 'lookup failed' });
  });

  test('a raw call with Bearer authorization is answered with an empty ExportTraceServiceResponse', async () => {
    const { body, traceId } = exportRequest();
    const { err, res } = await call(body, { authorization: `Bearer ${key}` });
    expect(err).toBeNull();
    expect(res?.length).toBe(0);
    expect((await detail(traceId)).spans[0]).toMatchObject({ kind: 'llm', model: 'm-1' });
  });

  test('Basic authorization (password = key) works too', async () => {
    const { body } = exportRequest();
    const { err } = await call(body, { authorization: `Basic ${Buffer.from(`any:${key}`).toString('base64')}` });
    expect(err).toBeNull();
  });

  test('no key or an unknown key is UNAUTHENTICATED; a key without the ingest scope is PERMISSION_DENIED', async () => {
    const { body } = exportRequest();
    expect((await call(body, {})).err?.code).toBe(grpc.status.UNAUTHENTICATED);
    expect((await call(body, { 'x-api-key': 'lp_not-a-key' })).err?.code).toBe(grpc.status.UNAUTHENTICATED);
    const { key: readOnly } = await createKey(server.store, 1, ['read'], 'read only');
    const denied = (await call(body, { 'x-api-key': readOnly })).err;
    expect(denied?.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(denied?.details).toContain('ingest');
  });

  test('an undecodable body is INVALID_ARGUMENT and the server keeps serving', async () => {
    const bad = await call(Buffer.from([0x0a, 0x05, 0x01]), { 'x-api-key': key });
    expect(bad.err?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(bad.err?.details).toMatch(/malformed/);
    expect((await call(exportRequest().body, { 'x-api-key': key })).err).toBeNull();
  });

  test('a span with an invalid id is reported as partial success, the others are stored', async () => {
    const { body } = exportRequest();
    // Append a second ResourceSpans whose only span has no ids (field 1 of the request).
    const span = Buffer.from([0x2a, 0x03, 0x62, 0x61, 0x64]); // Span{name: "bad"}
    const scope = Buffer.concat([Buffer.from([0x12, span.length]), span]);
    const rs = Buffer.concat([Buffer.from([0x12, scope.length]), scope]);
    const { err, res } = await call(Buffer.concat([body, Buffer.from([0x0a, rs.length]), rs]), { 'x-api-key': key });
    expect(err).toBeNull();
    const r = new ProtoReader(res!);
    const [field] = r.tag();
    expect(field).toBe(1); // partial_success
    const partial = r.sub();
    expect(partial.tag()).toEqual([1, 0]);
    expect(partial.varint()).toBe(1); // rejected_spans
  });

  test('backpressure answers carry google.rpc.RetryInfo in grpc-status-details-bin', () => {
    const r = new ProtoReader(statusWithRetryInfo(grpc.status.UNAVAILABLE, 'write queue is full', 2));
    expect(r.tag()).toEqual([1, 0]);
    expect(r.varint()).toBe(grpc.status.UNAVAILABLE);
    expect(r.tag()).toEqual([2, 2]);
    expect(r.sub().buf.toString('utf8', r.pos - 'write queue is full'.length, r.pos)).toBe('write queue is full');
    expect(r.tag()).toEqual([3, 2]);
    const any = r.sub();
    expect(any.tag()).toEqual([1, 2]);
    const url = any.sub();
    expect(url.buf.toString('utf8', url.pos, url.end)).toBe('type.googleapis.com/google.rpc.RetryInfo');
    expect(any.tag()).toEqual([2, 2]);
    const retryInfo = any.sub();
    expect(retryInfo.tag()).toEqual([1, 2]);
    const duration = retryInfo.sub();
    expect(duration.tag()).toEqual([1, 0]);
    expect(duration.varint()).toBe(2);
  });
});
