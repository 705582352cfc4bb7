// The official OpenTelemetry JS SDK as a client: NodeTracerProvider with the otlp-proto and the
// otlp-http (JSON) exporters, pointed at a real Loupe server with the key in headers. An app
// records OpenInference and GenAI LLM spans; after forceFlush the trace shows model, token
// counts and the input and output messages.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SpanStatusCode, context, trace as otelTrace, type Tracer } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider, type SpanExporter } from '@opentelemetry/sdk-trace-node';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { call, startTestServer, type TestServer } from '../helpers/server.js';

let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer('otel-sdk');
});
afterAll(async () => ts.close());

/** What an instrumented app does for one chat turn: an agent, two LLM calls, a failing tool. */
function chatTurn(tracer: Tracer): string {
  const root = tracer.startSpan('support turn', { attributes: { 'openinference.span.kind': 'AGENT', 'input.value': 'Where is my parcel?', 'session.id': 'sdk-session', 'user.id': 'sdk-user' } });
  const ctx = otelTrace.setSpan(context.active(), root);

  const oi = tracer.startSpan('ChatCompletion', { attributes: {
    'openinference.span.kind': 'LLM', 'llm.model_name': 'gpt-4o-mini', 'llm.provider': 'openai',
    'llm.invocation_parameters': JSON.stringify({ temperature: 0 }),
    'llm.input_messages.0.message.role': 'system', 'llm.input_messages.0.message.content': 'You track parcels.',
    'llm.input_messages.1.message.role': 'user', 'llm.input_messages.1.message.content': 'Where is my parcel?',
    'llm.output_messages.0.message.role': 'assistant',
    'llm.output_messages.0.message.tool_calls.0.tool_call.id': 'call_1',
    'llm.output_messages.0.message.tool_calls.0.tool_call.function.name': 'track',
    'llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments': '{"id":"P-1"}',
    'llm.token_count.prompt': 40, 'llm.token_count.completion': 12, 'llm.token_count.total': 52,
  } }, ctx);
  oi.end();

  const tool = tracer.startSpan('track', { attributes: { 'openinference.span.kind': 'TOOL', 'tool.name': 'track', 'tool.parameters': '{"id":"P-1"}' } }, ctx);
  tool.recordException(new Error('tracking service unavailable'));
  tool.setStatus({ code: SpanStatusCode.ERROR, message: 'tool failed' });
  tool.end();

  const genai = tracer.startSpan('chat claude-sonnet-4', { attributes: {
    'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'anthropic', 'gen_ai.request.model': 'claude-sonnet-4', 'gen_ai.request.max_tokens': 256,
    'gen_ai.usage.input_tokens': 70, 'gen_ai.usage.output_tokens': 25,
    'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'Where is my parcel?' }] }]),
    'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: 'I could not reach the tracker; try again soon.' }], finish_reason: 'stop' }]),
  } }, ctx);
  genai.end();

  root.setAttribute('output.value', 'I could not reach the tracker; try again soon.');
  root.end();
  return root.spanContext().traceId;
}

async function runApp(exporter: SpanExporter, service: string): Promise<string> {
  const results: number[] = [];
  const watched: SpanExporter = {
    export: (spans, done) => exporter.export(spans, (r) => { results.push(r.code); done(r); }),
    shutdown: () => exporter.shutdown(),
    forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
  };
  const provider = new NodeTracerProvider({ resource: resourceFromAttributes({ 'service.name': service, 'deployment.environment.name': 'test' }), spanProcessors: [new BatchSpanProcessor(watched)] });
  const traceId = chatTurn(provider.getTracer('sdk-test-app', '1.0.0'));
  await provider.forceFlush();
  await provider.shutdown();
  expect(results.length).toBeGreaterThan(0);
  expect(results.every((c) => c === 0), `export results ${results}`).toBe(true);
  return traceId;
}

async function checkTrace(traceId: string, service: string): Promise<void> {
  const r = await call(ts.url, `/api/v1/traces/${traceId}`, { key: ts.key });
  expect(r.status).toBe(200);
  const { trace, spans } = r.json as { trace: Record<string, unknown>; spans: Array<Record<string, any>> };
  expect(trace).toMatchObject({ name: 'support turn', status: 'error', spanCount: 4, errorCount: 1, inputTokens: 110, outputTokens: 37, totalTokens: 147,
    sessionId: 'sdk-session', userId: 'sdk-user', environment: 'test', input: 'Where is my parcel?', metadata: { 'service.name': service } });
  const byName = Object.fromEntries(spans.map((s) => [s.name, s]));
  expect(byName.ChatCompletion).toMatchObject({
    kind: 'llm', model: 'gpt-4o-mini', provider: 'openai', params: { temperature: 0 },
    usage: { inputTokens: 40, outputTokens: 12, totalTokens: 52 },
    input: [{ role: 'system', content: 'You track parcels.' }, { role: 'user', content: 'Where is my parcel?' }],
    output: [{ role: 'assistant', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'track', arguments: '{"id":"P-1"}' } }] }],
  });
  expect(byName['chat claude-sonnet-4']).toMatchObject({
    kind: 'llm', model: 'claude-sonnet-4', provider: 'anthropic', params: { max_tokens: 256 },
    usage: { inputTokens: 70, outputTokens: 25, totalTokens: 95 },
    input: [{ role: 'user', content: 'Where is my parcel?' }],
    output: [{ role: 'assistant', content: 'I could not reach the tracker; try again soon.', finish_reason: 'stop' }],
  });
  expect(byName.track).toMatchObject({ kind: 'tool', status: 'error', input: { id: 'P-1' } });
  expect(byName.track.error).toContain('tool failed');
  expect(byName.track.error).toContain('tracking service unavailable');
  expect(byName.track.events[0]).toMatchObject({ name: 'exception' });
  // Every span is a child of the root, and spans come ordered by start time (the SDK may start
  // a parent and its first child in the same microsecond).
  const root = byName['support turn'];
  expect(root.parentId).toBeNull();
  for (const s of spans) if (s !== root) expect(s.parentId).toBe(root.id);
  const starts = spans.map((s) => Date.parse(s.startTime));
  expect([...starts].sort((a, b) => a - b)).toEqual(starts);
}

describe('OpenTelemetry JS SDK as a client', () => {
  test('otlp-proto exporter, configured by the standard environment variables', async () => {
    const saved = { ...process.env };
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = ts.url;
    process.env.OTEL_EXPORTER_OTLP_HEADERS = `authorization=Bearer ${ts.key}`;
    let exporter: SpanExporter;
    try {
      exporter = new ProtoExporter();
    } finally {
      process.env = saved;
    }
    const traceId = await runApp(exporter, 'sdk-proto-app');
    await checkTrace(traceId, 'sdk-proto-app');
  });

  test('otlp-http (JSON) exporter with gzip and x-api-key', async () => {
    const exporter = new JsonExporter({ url: `${ts.url}/v1/traces`, headers: { 'x-api-key': ts.key }, compression: 'gzip' as never });
    const traceId = await runApp(exporter, 'sdk-json-app');
    await checkTrace(traceId, 'sdk-json-app');
  });

  test('a wrong key makes the exporter report failure, and nothing is stored', async () => {
    const exporter = new ProtoExporter({ url: `${ts.url}/v1/traces`, headers: { 'x-api-key': 'lp_not_a_key' } });
    const provider = new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor({
      export: (spans, done) => exporter.export(spans, (r) => { codes.push(r.code); done(r); }),
      shutdown: () => exporter.shutdown(),
    })] });
    const codes: number[] = [];
    const traceId = chatTurn(provider.getTracer('bad-key-app'));
    // The processor passes the export failure on; the app only sees a failed flush.
    await provider.forceFlush().catch(() => undefined);
    await provider.shutdown().catch(() => undefined);
    expect(codes).toContain(1);
    expect((await call(ts.url, `/api/v1/traces/${traceId}`, { key: ts.key })).status).toBe(404);
  });
});
