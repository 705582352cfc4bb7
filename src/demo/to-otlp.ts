// Demo traces as OTLP (the decoded OtlpExport shape, which encode-proto/encode-json put on the
// wire), with OpenInference or OpenTelemetry GenAI attributes as real instrumentations set them.
import type { ChatMessage } from '../model/messages.js';
import type { AttrValue, Attributes, OtlpEvent, OtlpExport, OtlpSpan } from '../ingest/otlp/types.js';
import type { DemoDoc, DemoSpan, DemoTrace } from './types.js';

const OI_KIND: Record<DemoSpan['kind'], string> = {
  agent: 'AGENT', chain: 'CHAIN', llm: 'LLM', tool: 'TOOL', retrieval: 'RETRIEVER', reranker: 'RERANKER', embedding: 'EMBEDDING', guardrail: 'GUARDRAIL',
};
const GENAI_OP: Partial<Record<DemoSpan['kind'], string>> = { agent: 'invoke_agent', chain: 'invoke_workflow', llm: 'chat', tool: 'execute_tool', retrieval: 'retrieval', embedding: 'embeddings' };
const SPAN_KIND_CLIENT = 3;
const SPAN_KIND_INTERNAL = 1;

function oiMessages(a: Attributes, prefix: string, msgs: ChatMessage[]): void {
  msgs.forEach((m, i) => {
    const p = `${prefix}.${i}.message`;
    a[`${p}.role`] = m.role;
    if (typeof m.content === 'string') a[`${p}.content`] = m.content;
    if (m.tool_call_id) a[`${p}.tool_call_id`] = m.tool_call_id;
    m.tool_calls?.forEach((tc, j) => {
      const q = `${p}.tool_calls.${j}.tool_call`;
      if (tc.id) a[`${q}.id`] = tc.id;
      a[`${q}.function.name`] = tc.function.name;
      a[`${q}.function.arguments`] = tc.function.arguments;
    });
  });
}

function oiDocs(a: Attributes, prefix: string, docs: DemoDoc[]): void {
  docs.forEach((d, i) => {
    a[`${prefix}.${i}.document.id`] = d.id;
    a[`${prefix}.${i}.document.content`] = d.content;
    a[`${prefix}.${i}.document.score`] = d.score;
  });
}

/** OpenInference reranker attributes (GenAI has no reranker convention, so both encodings use these). */
function oiRerank(a: Attributes, r: NonNullable<DemoSpan['rerank']>): void {
  a['reranker.query'] = r.query;
  a['reranker.model_name'] = r.model;
  a['reranker.top_k'] = r.topK;
  oiDocs(a, 'reranker.input_documents', r.input);
  oiDocs(a, 'reranker.output_documents', r.output);
}

/** GenAI parts-based messages (gen_ai.input.messages / gen_ai.output.messages). */
function genAiMessages(msgs: ChatMessage[], finish?: string): unknown[] {
  return msgs.map((m) => {
    const parts: unknown[] = [];
    if (m.role === 'tool') parts.push({ type: 'tool_call_response', id: m.tool_call_id, response: m.content });
    else if (typeof m.content === 'string') parts.push({ type: 'text', content: m.content });
    for (const tc of m.tool_calls ?? []) parts.push({ type: 'tool_call', id: tc.id, name: tc.function.name, arguments: JSON.parse(tc.function.arguments) as unknown });
    return { role: m.role, parts, ...(finish ? { finish_reason: finish } : {}) };
  });
}

function openInference(t: DemoTrace, s: DemoSpan): Attributes {
  const a: Attributes = { 'openinference.span.kind': OI_KIND[s.kind], 'session.id': t.sessionId, 'user.id': t.userId };
  if (!s.parentId) {
    a.metadata = JSON.stringify(t.metadata);
    a['tag.tags'] = t.tags;
  }
  if (s.llm) {
    const l = s.llm;
    a['llm.model_name'] = l.model;
    a['llm.provider'] = l.provider;
    a['llm.system'] = l.provider;
    a['llm.invocation_parameters'] = JSON.stringify(l.params);
    a['input.value'] = JSON.stringify({ model: l.model, messages: l.input, ...l.params });
    a['input.mime_type'] = 'application/json';
    oiMessages(a, 'llm.input_messages', l.input);
    if (l.output.length) {
      oiMessages(a, 'llm.output_messages', l.output);
      const o = l.output[0];
      a['output.value'] = typeof o.content === 'string' && !o.tool_calls ? o.content : JSON.stringify(o);
      a['output.mime_type'] = typeof o.content === 'string' && !o.tool_calls ? 'text/plain' : 'application/json';
      a['llm.token_count.prompt'] = l.inputTokens;
      a['llm.token_count.completion'] = l.outputTokens;
      a['llm.token_count.total'] = l.inputTokens + l.outputTokens;
      if (l.cacheReadTokens) a['llm.token_count.prompt_details.cache_read'] = l.cacheReadTokens;
      if (l.reasoningTokens) a['llm.token_count.completion_details.reasoning'] = l.reasoningTokens;
    }
  } else if (s.tool) {
    a['tool.name'] = s.tool.name;
    a['tool.description'] = s.tool.description;
    a['tool.parameters'] = JSON.stringify(s.tool.args);
    a['tool_call.id'] = s.tool.callId;
    a['input.value'] = JSON.stringify(s.tool.args);
    a['input.mime_type'] = 'application/json';
    a['output.value'] = s.tool.result;
    a['output.mime_type'] = 'application/json';
  } else if (s.retrieval) {
    a['input.value'] = s.retrieval.query;
    oiDocs(a, 'retrieval.documents', s.retrieval.documents);
  } else if (s.rerank) {
    oiRerank(a, s.rerank);
  } else if (s.embedding) {
    a['embedding.model_name'] = s.embedding.model;
    a['embedding.embeddings.0.embedding.text'] = s.embedding.text;
    a['input.value'] = s.embedding.text;
    a['llm.token_count.prompt'] = s.embedding.inputTokens;
    a['llm.token_count.total'] = s.embedding.inputTokens;
  } else {
    if (s.input !== undefined) a['input.value'] = s.input;
    if (s.output !== undefined) a['output.value'] = s.output;
  }
  return a;
}

function genAi(t: DemoTrace, s: DemoSpan): Attributes {
  const a: Attributes = { 'session.id': t.sessionId, 'user.id': t.userId, 'gen_ai.conversation.id': t.sessionId };
  const op = GENAI_OP[s.kind];
  if (op) a['gen_ai.operation.name'] = op;
  if (!s.parentId) {
    a.metadata = JSON.stringify(t.metadata);
    a['tag.tags'] = t.tags;
  }
  if (s.llm) {
    const l = s.llm;
    const [system, ...rest] = l.input;
    a['gen_ai.provider.name'] = l.provider === 'google' ? 'gcp.gemini' : l.provider;
    a['gen_ai.request.model'] = l.model;
    a['gen_ai.request.temperature'] = l.params.temperature;
    a['gen_ai.request.max_tokens'] = l.params.max_tokens;
    a['gen_ai.system_instructions'] = JSON.stringify([{ type: 'text', content: system.content }]);
    a['gen_ai.input.messages'] = JSON.stringify(genAiMessages(rest));
    if (l.output.length) {
      a['gen_ai.response.model'] = l.model;
      a['gen_ai.response.id'] = l.responseId;
      a['gen_ai.response.finish_reasons'] = [l.finishReason];
      a['gen_ai.output.messages'] = JSON.stringify(genAiMessages(l.output, l.finishReason));
      a['gen_ai.usage.input_tokens'] = l.inputTokens;
      a['gen_ai.usage.output_tokens'] = l.outputTokens;
      if (l.cacheReadTokens) a['gen_ai.usage.cache_read.input_tokens'] = l.cacheReadTokens;
      if (l.reasoningTokens) a['gen_ai.usage.reasoning.output_tokens'] = l.reasoningTokens;
    }
  } else if (s.tool) {
    a['gen_ai.tool.name'] = s.tool.name;
    a['gen_ai.tool.description'] = s.tool.description;
    a['gen_ai.tool.call.id'] = s.tool.callId;
    a['gen_ai.tool.type'] = 'function';
    a['gen_ai.tool.call.arguments'] = JSON.stringify(s.tool.args);
    a['gen_ai.tool.call.result'] = s.tool.result;
  } else if (s.retrieval) {
    a['gen_ai.retrieval.query.text'] = s.retrieval.query;
    a['gen_ai.retrieval.documents'] = JSON.stringify(s.retrieval.documents);
    a['gen_ai.data_source.id'] = 'kb-main';
  } else if (s.rerank) {
    // GenAI has no reranker convention yet: instrumentations fall back to OpenInference's.
    a['openinference.span.kind'] = 'RERANKER';
    oiRerank(a, s.rerank);
  } else if (s.embedding) {
    a['gen_ai.provider.name'] = 'openai';
    a['gen_ai.request.model'] = s.embedding.model;
    a['gen_ai.usage.input_tokens'] = s.embedding.inputTokens;
    a['gen_ai.embeddings.dimension.count'] = 1536;
  } else {
    if (s.kind === 'agent') a['gen_ai.agent.name'] = t.name.split('.')[0];
    if (s.kind === 'guardrail') a['openinference.span.kind'] = 'GUARDRAIL';
    if (s.input !== undefined) a['input.value'] = s.input;
    if (s.output !== undefined) a['output.value'] = s.output;
  }
  return a;
}

function otlpSpan(t: DemoTrace, s: DemoSpan): OtlpSpan {
  const events: OtlpEvent[] = [];
  if (s.error) {
    const attrs: Record<string, AttrValue> = { 'exception.type': s.error.type, 'exception.message': s.error.message };
    if (s.error.stack) attrs['exception.stacktrace'] = s.error.stack;
    events.push({ time: s.end, name: 'exception', attributes: attrs });
  }
  return {
    traceId: t.id, spanId: s.id, parentSpanId: s.parentId ?? '',
    name: s.llm ? (t.style === 'genai' ? `chat ${s.llm.model}` : s.name) : s.tool && t.style === 'genai' ? `execute_tool ${s.tool.name}` : s.name,
    kind: s.llm || s.embedding || s.rerank ? SPAN_KIND_CLIENT : SPAN_KIND_INTERNAL,
    startTime: s.start, endTime: s.end,
    attributes: t.style === 'genai' ? genAi(t, s) : openInference(t, s),
    events, links: [],
    statusCode: s.error ? 2 : 1, statusMessage: s.error ? s.error.message : '',
  };
}

/** One export holding these traces, one resource per service, as an SDK batch would. */
export function toOtlpExport(traces: DemoTrace[]): OtlpExport {
  const byService = new Map<string, DemoTrace[]>();
  for (const t of traces) {
    const list = byService.get(`${t.service}|${t.environment}|${t.release}|${t.style}`) ?? [];
    list.push(t);
    byService.set(`${t.service}|${t.environment}|${t.release}|${t.style}`, list);
  }
  return {
    resourceSpans: [...byService.values()].map((list) => {
      const t0 = list[0];
      return {
        resource: { 'service.name': t0.service, 'service.version': t0.release, 'deployment.environment.name': t0.environment, 'telemetry.sdk.language': 'python', 'telemetry.sdk.name': 'opentelemetry', 'telemetry.sdk.version': '1.29.0' },
        scopeSpans: [{
          scope: t0.style === 'genai' ? { name: 'opentelemetry.instrumentation.openai_v2', version: '2.1b0' } : { name: 'openinference.instrumentation.openai', version: '0.1.18' },
          spans: list.flatMap((t) => t.spans.map((s) => otlpSpan(t, s))),
        }],
      };
    }),
  };
}
