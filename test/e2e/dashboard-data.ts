// What the browser tests read: an OpenInference agent trace sent over OTLP/JSON (an LLM call that
// asks for a tool, the tool failing while a retrieval with scored documents runs beside it, the
// final answer: so the retrieval is off the critical path), and a
// trace in the native shape; each with the user, session and metadata the filters look for.
import { anyValue, nanos } from '../helpers/otlp.js';

const attrs = (o: Record<string, string | number>) => Object.entries(o).map(([key, v]) => ({ key, value: anyValue(v) }));

export const AGENT_TRACE = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
export const NATIVE_TRACE = 'native-nightly-0001';

export function agentExport(startMs: number): Record<string, unknown> {
  const t = (ms: number) => nanos(startMs + ms);
  const span = (spanId: string, parent: string | undefined, name: string, from: number, to: number, a: Record<string, string | number>, extra: Record<string, unknown> = {}) => ({
    traceId: AGENT_TRACE, spanId, ...(parent ? { parentSpanId: parent } : {}), name, kind: 1,
    startTimeUnixNano: t(from), endTimeUnixNano: t(to), attributes: attrs(a), ...extra,
  });
  return {
    resourceSpans: [{
      resource: { attributes: attrs({ 'service.name': 'weather-bot', 'deployment.environment': 'production' }) },
      scopeSpans: [{
        scope: { name: 'openinference' },
        spans: [
          span('0000000000000001', undefined, 'weather-agent', 0, 2400, {
            'openinference.span.kind': 'AGENT', 'input.value': 'Do I need an umbrella in Oslo today?', 'output.value': 'Yes: rain is likely in Oslo this afternoon.',
            'user.id': 'u-alice', 'session.id': 'sess-oslo', metadata: JSON.stringify({ plan: 'pro', region: 'eu' }), 'tag.tags': JSON.stringify(['weather']),
          }),
          span('0000000000000002', '0000000000000001', 'plan-step', 20, 900, {
            'openinference.span.kind': 'LLM', 'llm.model_name': 'gpt-4o-mini', 'llm.provider': 'openai',
            'llm.input_messages.0.message.role': 'system', 'llm.input_messages.0.message.content': 'You are a helpful weather assistant.',
            'llm.input_messages.1.message.role': 'user', 'llm.input_messages.1.message.content': 'Do I need an umbrella in Oslo today?',
            'llm.output_messages.0.message.role': 'assistant',
            'llm.output_messages.0.message.tool_calls.0.tool_call.id': 'call_1',
            'llm.output_messages.0.message.tool_calls.0.tool_call.function.name': 'get_weather',
            'llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments': '{"city":"Oslo","unit":"celsius"}',
            'llm.invocation_parameters': '{"temperature":0.2}',
            'llm.token_count.prompt': 182, 'llm.token_count.completion': 24, 'llm.token_count.total': 206,
          }),
          span('0000000000000003', '0000000000000001', 'get_weather', 910, 1200, {
            'openinference.span.kind': 'TOOL', 'tool.name': 'get_weather', 'input.value': '{"city":"Oslo","unit":"celsius"}', 'input.mime_type': 'application/json',
          }, {
            status: { code: 2, message: 'WeatherServiceTimeout: upstream did not answer in 250 ms' },
            events: [{ name: 'exception', timeUnixNano: t(1199), attributes: attrs({ 'exception.type': 'WeatherServiceTimeout', 'exception.message': 'upstream did not answer in 250 ms', 'exception.stacktrace': 'WeatherServiceTimeout: upstream did not answer in 250 ms\n    at fetchForecast (tools/weather.ts:41:11)\n    at getWeather (tools/weather.ts:12:5)' }) }],
          }),
          span('0000000000000004', '0000000000000001', 'search-forecasts', 950, 1150, {
            'openinference.span.kind': 'RETRIEVER', 'input.value': 'Oslo rain forecast',
            'retrieval.documents.0.document.id': 'doc-met-no', 'retrieval.documents.0.document.content': 'Met.no: heavy rain expected in Oslo after 14:00.', 'retrieval.documents.0.document.score': 0.92,
            'retrieval.documents.1.document.id': 'doc-yr', 'retrieval.documents.1.document.content': 'Yr: showers over eastern Norway.', 'retrieval.documents.1.document.score': 0.71,
          }),
          span('0000000000000005', '0000000000000001', 'answer', 1510, 2390, {
            'openinference.span.kind': 'LLM', 'llm.model_name': 'gpt-4o-mini', 'llm.provider': 'openai',
            'llm.input_messages.0.message.role': 'user', 'llm.input_messages.0.message.content': 'Do I need an umbrella in Oslo today?',
            'llm.output_messages.0.message.role': 'assistant', 'llm.output_messages.0.message.content': 'Yes: rain is likely in Oslo this afternoon.',
            'llm.token_count.prompt': 240, 'llm.token_count.completion': 16, 'llm.token_count.total': 256,
          }),
        ],
      }],
    }],
  };
}

export function nativeBatch(startMs: number): Record<string, unknown> {
  return {
    traces: [{
      id: NATIVE_TRACE, name: 'nightly-report', status: 'error', startTime: new Date(startMs).toISOString(), endTime: new Date(startMs + 5000).toISOString(),
      userId: 'u-batch', environment: 'staging', tags: ['batch'], metadata: { plan: 'free' }, input: { job: 'report' }, output: null,
    }],
    spans: [
      { id: 'n1', traceId: NATIVE_TRACE, name: 'render-report', kind: 'chain', startTime: new Date(startMs).toISOString(), endTime: new Date(startMs + 5000).toISOString(), status: 'error', error: 'template not found' },
    ],
    scores: [{ traceId: NATIVE_TRACE, name: 'thumbs', value: 0, source: 'user', comment: 'report never arrived' }],
  };
}

export function lateTrace(startMs: number, id: string): Record<string, unknown> {
  return { traces: [{ id, name: 'late-arrival', startTime: new Date(startMs).toISOString(), endTime: new Date(startMs + 120).toISOString(), status: 'success', userId: 'u-late' }] };
}
