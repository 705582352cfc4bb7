// The OpenTelemetry bridge: spans of real OpenTelemetry instrumentation (the JS SDK's tracer,
// OpenInference attributes) sent through the Loupe client as OTLP, nested under the SDK span
// current where they start, and flushed with the client's own events.
import { context as otelContext, trace as otelTrace } from '@opentelemetry/api';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Loupe, LoupeSpanProcessor, type LoupeError, type OtelSpan } from '@loupe/sdk';
import { startTestServer, type TestServer } from '../../../test/helpers/server.js';
import { readTrace } from './helpers.js';

let srv: TestServer;
let loupe: Loupe;
let provider: NodeTracerProvider;

beforeAll(async () => {
  srv = await startTestServer('sdk-otel');
  loupe = new Loupe({ apiKey: srv.key, baseUrl: srv.url, processHooks: false });
  provider = new NodeTracerProvider({ spanProcessors: [new LoupeSpanProcessor({ loupe })] });
  provider.register();
});

afterAll(async () => {
  await provider.shutdown();
  await loupe.shutdown().catch(() => undefined);
  await srv.close();
});

const tracer = () => otelTrace.getTracer('test-instrumentation', '1.2.3');

describe('LoupeSpanProcessor', () => {
  it('nests instrumented spans under the SDK span they start in, in one trace with one set of rollups', async () => {
    let traceId = '';
    let agentId = '';
    const run = loupe.observe('agent run', async (question: string) => {
      traceId = loupe.current()!.traceId;
      agentId = (loupe.current() as { id: string }).id;
      return tracer().startActiveSpan('retrieve', async (outer) => {
        outer.setAttributes({ 'openinference.span.kind': 'RETRIEVER', 'input.value': question });
        await tracer().startActiveSpan('ChatOpenAI', async (inner) => {
          inner.setAttributes({
            'openinference.span.kind': 'LLM', 'llm.model_name': 'gpt-4o-mini', 'llm.token_count.prompt': 40, 'llm.token_count.completion': 12,
            'llm.input_messages.0.message.role': 'user', 'llm.input_messages.0.message.content': question,
            'llm.output_messages.0.message.role': 'assistant', 'llm.output_messages.0.message.content': 'Forty-two.',
          });
          await new Promise((r) => setTimeout(r, 5));
          inner.end();
        });
        outer.end();
        return 'Forty-two.';
      });
    }, { kind: 'agent' });
    expect(await run('What is the answer?')).toBe('Forty-two.');
    // One flush answers for the client's spans and the bridged ones.
    await loupe.flush();

    const d = (await readTrace(srv.url, srv.key, traceId))!;
    expect(d.spans).toHaveLength(3);
    const agent = d.spans.find((s) => s.id === agentId)!;
    const retrieve = d.spans.find((s) => s.name === 'retrieve')!;
    const llm = d.spans.find((s) => s.name === 'ChatOpenAI')!;
    expect(agent).toMatchObject({ kind: 'agent', parentId: null });
    expect(retrieve).toMatchObject({ kind: 'retrieval', parentId: agentId });
    expect(llm).toMatchObject({ kind: 'llm', parentId: retrieve.id, model: 'gpt-4o-mini' });
    expect(llm.usage).toMatchObject({ inputTokens: 40, outputTokens: 12 });
    expect(llm.durationMs).toBeGreaterThanOrEqual(4);
    expect(d.trace).toMatchObject({ spanCount: 3, inputTokens: 40, outputTokens: 12 });
    expect(loupe.stats().failed).toBe(0);
  });

  it('sends a span started outside any SDK observation as a trace of its own, with its own ids', async () => {
    let otelTraceId = '';
    tracer().startActiveSpan('cron job', (s) => {
      otelTraceId = s.spanContext().traceId;
      s.setAttribute('job.id', 7);
      s.addEvent('checkpoint', { step: 'one' });
      s.end();
    });
    await loupe.flush();
    const d = (await readTrace(srv.url, srv.key, otelTraceId))!;
    expect(d.spans).toHaveLength(1);
    expect(d.spans[0]).toMatchObject({ name: 'cron job', parentId: null });
    expect(d.spans[0].events.map((e) => e.name)).toEqual(['checkpoint']);
  });

  it('a child started after its placed root ended still goes to the Loupe trace, under that root', async () => {
    let traceId = '';
    let rootSpan: ReturnType<ReturnType<typeof tracer>['startSpan']> | undefined;
    loupe.observe('callback later', () => {
      traceId = loupe.current()!.traceId;
      rootSpan = tracer().startSpan('root');
      rootSpan.end();
    })();
    // Later, outside the observation: a callback of the same OpenTelemetry trace.
    await new Promise((r) => setTimeout(r, 10));
    tracer().startSpan('late child', {}, otelTrace.setSpan(otelContext.active(), rootSpan!)).end();
    await loupe.flush();
    const d = (await readTrace(srv.url, srv.key, traceId))!;
    const root = d.spans.find((s) => s.name === 'root')!;
    expect(d.spans.find((s) => s.name === 'late child')).toMatchObject({ parentId: root.id });
  });

  it('an attribute value with a cycle is sent (marked), and a span it cannot read is reported, not lost silently', async () => {
    const errors: LoupeError[] = [];
    const own = new Loupe({ apiKey: srv.key, baseUrl: srv.url, processHooks: false, onError: (e) => errors.push(e) });
    const p = new LoupeSpanProcessor({ loupe: own });
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    const ids = { traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8) };
    const span: OtelSpan = {
      name: 'odd attributes', kind: 0, spanContext: () => ids, startTime: [1_700_000_000, 0], endTime: [1_700_000_001, 0],
      attributes: { cyclic }, events: [], status: { code: 0 },
    };
    p.onStart(span);
    p.onEnd(span);
    p.onEnd({ ...span, spanContext: () => { throw new Error('unreadable span'); } });
    await own.flush();
    const d = (await readTrace(srv.url, srv.key, ids.traceId))!;
    expect(d.spans.map((s) => s.name)).toEqual(['odd attributes']);
    expect(JSON.stringify(d.spans[0])).toContain('[circular]');
    expect(errors.map((e) => e.message)).toEqual([expect.stringContaining('unreadable span')]);
    await own.shutdown();
  });
});
