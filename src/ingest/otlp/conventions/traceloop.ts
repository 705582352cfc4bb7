// OpenLLMetry / Traceloop: traceloop.span.kind, llm.request.type, the flattened
// gen_ai.prompt.N.* / gen_ai.completion.N.* messages and traceloop.entity.input/output.
import type { SpanKind } from '../../../model/enums.js';
import { asObject, fill, fillUsage, fillWith, maybeJson, str, type ConventionMapper } from '../draft.js';
import { traceloopMessages } from '../messages.js';

const SPAN_KINDS: Record<string, SpanKind> = { workflow: 'chain', task: 'chain', agent: 'agent', tool: 'tool' };
const REQUEST_TYPES: Record<string, SpanKind> = { chat: 'llm', completion: 'llm', embedding: 'embedding', rerank: 'reranker' };

/** traceloop.entity.input is often `{"inputs": …}` / `{"outputs": …}` around the real value. */
function entity(v: unknown, key: string): unknown {
  const o = asObject(v);
  if (o && Object.keys(o).length <= 2 && key in o) return o[key];
  return maybeJson(v);
}

export const traceloop: ConventionMapper = {
  name: 'traceloop',
  map({ attrs }, d) {
    const sk = str(attrs['traceloop.span.kind']);
    if (sk) fill(d, 'kind', SPAN_KINDS[sk]);
    const rt = str(attrs['llm.request.type']);
    if (rt) fill(d, 'kind', REQUEST_TYPES[rt]);
    fillWith(d, 'input', () => traceloopMessages(attrs, 'gen_ai.prompt'));
    fillWith(d, 'output', () => traceloopMessages(attrs, 'gen_ai.completion'));
    fillWith(d, 'input', () => entity(attrs['traceloop.entity.input'], 'inputs'));
    fillWith(d, 'output', () => entity(attrs['traceloop.entity.output'], 'outputs'));
    fillUsage(d, 'totalTokens', attrs['llm.usage.total_tokens']);
    fill(d, 'userId', str(attrs['traceloop.association.properties.user_id']));
    fill(d, 'sessionId', str(attrs['traceloop.association.properties.session_id']));
  },
};
