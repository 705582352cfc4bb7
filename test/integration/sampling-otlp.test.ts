// A project switches its sampling rules on for every surface: OTLP traces from the real
// OpenTelemetry SDK are then sampled by trace id, errors kept, and the spans of one trace that
// arrive in separate requests all get the same decision.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanStatusCode, context, trace } from '@opentelemetry/api';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { createKey } from '../../src/server/keys.js';
import { traceFraction } from '../../src/ingest/sampling.js';

let server: RunningServer;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-sampling-'));
  server = await startServer({ host: '127.0.0.1', port: 0, dataDir: dir });
});

afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function projectKey(name: string): Promise<string> {
  const p = await server.store.ensureProject(name);
  return (await createKey(server.store, p.id, ['admin', 'ingest', 'read'])).key;
}

/** A provider exporting every span on its own (SimpleSpanProcessor): one request per span. */
function sdk(key: string) {
  const exporter = new OTLPTraceExporter({ url: `${server.url}/v1/traces`, headers: { 'x-api-key': key }, concurrencyLimit: 500 });
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  return { tracer: provider.getTracer('sampling-test'), provider };
}

/** Trace id → number of stored spans, through the native API. */
async function stored(key: string): Promise<Map<string, number>> {
  const res = await fetch(`${server.url}/api/v1/traces?limit=1000`, { headers: { 'x-api-key': key } });
  const body = (await res.json()) as { data: { id: string; spanCount: number }[] };
  return new Map(body.data.map((t) => [t.id, t.spanCount]));
}

test('OTLP is not sampled by default; switched on, it keeps errors and the hash-chosen rest', async () => {
  const key = await projectKey('otlp-sampled');
  const { tracer, provider } = sdk(key);

  const before: string[] = [];
  for (let i = 0; i < 10; i++) {
    const span = tracer.startSpan(`unsampled-${i}`);
    before.push(span.spanContext().traceId);
    span.end();
  }
  await provider.forceFlush();
  expect([...(await stored(key)).keys()].sort()).toEqual(before.sort());

  const put = await fetch(`${server.url}/api/v1/project/sampling`, {
    method: 'PUT',
    headers: { 'x-api-key': key, 'content-type': 'application/json' },
    body: JSON.stringify({ appliesTo: 'all', successRate: 0.5 }),
  });
  expect(put.status).toBe(200);

  const ok: string[] = [];
  const failed: string[] = [];
  for (let i = 0; i < 60; i++) {
    const span = tracer.startSpan(`sampled-${i}`);
    if (i % 6 === 0) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
      failed.push(span.spanContext().traceId);
    } else ok.push(span.spanContext().traceId);
    span.end();
  }
  await provider.forceFlush();
  const after = await stored(key);
  for (const id of failed) expect(after.has(id)).toBe(true);
  for (const id of ok) expect(after.has(id)).toBe(traceFraction(id) < 0.5);
  await provider.shutdown();
});

test('the spans of one trace, exported in separate requests, are kept or left out together', async () => {
  const key = await projectKey('otlp-pieces');
  await fetch(`${server.url}/api/v1/project/sampling`, {
    method: 'PUT',
    headers: { 'x-api-key': key, 'content-type': 'application/json' },
    body: JSON.stringify({ appliesTo: 'all', successRate: 0.5 }),
  });
  const { tracer, provider } = sdk(key);
  const ids: string[] = [];
  for (let i = 0; i < 30; i++) {
    const root = tracer.startSpan(`root-${i}`);
    ids.push(root.spanContext().traceId);
    const child = tracer.startSpan(`child-${i}`, {}, trace.setSpan(context.active(), root));
    child.end(); // exported alone, before its parent
    root.end();
  }
  await provider.forceFlush();
  const after = await stored(key);
  let kept = 0;
  for (const id of ids) {
    const count = after.get(id);
    if (count !== undefined) kept++;
    expect(count === undefined || count === 2).toBe(true);
    expect(count !== undefined).toBe(traceFraction(id) < 0.5);
  }
  expect(kept).toBeGreaterThan(0);
  expect(kept).toBeLessThan(30);
  await provider.shutdown();
});
