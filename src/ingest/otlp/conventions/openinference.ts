// OpenInference (Arize): openinference.span.kind, input/output.value, llm.*, tool.*,
// retrieval.documents, reranker.*, embedding.*, session.id, user.id, metadata, tag.tags.
import type { SpanKind } from '../../../model/enums.js';
import { asObject, fill, fillUsage, fillWith, maybeJson, str, toNum, toTags, under, unflattenList, type ConventionMapper } from '../draft.js';
import { openInferenceMessages } from '../messages.js';
import type { AttrValue, Attributes } from '../types.js';

const KINDS: Record<string, SpanKind> = {
  LLM: 'llm', EMBEDDING: 'embedding', CHAIN: 'chain', RETRIEVER: 'retrieval', RERANKER: 'reranker', TOOL: 'tool',
  AGENT: 'agent', GUARDRAIL: 'guardrail', EVALUATOR: 'evaluator', PROMPT: 'prompt',
};

function value(attrs: Attributes, key: 'input' | 'output'): unknown {
  const v = attrs[`${key}.value`];
  if (v === undefined || v === null) return undefined;
  const mime = str(attrs[`${key}.mime_type`]);
  return mime?.includes('json') ? maybeJson(v) : v;
}

function documents(attrs: Attributes, prefix: string): Array<Record<string, unknown>> | undefined {
  const list = unflattenList(attrs, prefix);
  if (!list?.length) return undefined;
  return list.map((e) => {
    const d = under(e, 'document');
    const doc: Record<string, unknown> = {};
    if (d.id !== undefined) doc.id = str(d.id);
    if (d.content !== undefined) doc.content = d.content;
    if (d.score !== undefined) doc.score = toNum(d.score);
    if (d.metadata !== undefined) doc.metadata = maybeJson(d.metadata);
    return doc;
  });
}

export const openInference: ConventionMapper = {
  name: 'openinference',
  map({ attrs }, d) {
    const kindText = str(attrs['openinference.span.kind']);
    if (kindText) fill(d, 'kind', KINDS[kindText.toUpperCase()]);

    // Each mapping runs only while its field is unset (the first to fill it wins anyway).
    fillWith(d, 'input', () => openInferenceMessages(attrs, 'llm.input_messages'));
    fillWith(d, 'output', () => openInferenceMessages(attrs, 'llm.output_messages'));
    fillWith(d, 'output', () => documents(attrs, 'retrieval.documents'));
    fillWith(d, 'input', () => {
      const rerankIn = documents(attrs, 'reranker.input_documents');
      return rerankIn && { query: attrs['reranker.query'] ?? null, documents: rerankIn };
    });
    fillWith(d, 'output', () => documents(attrs, 'reranker.output_documents'));
    // input.value is often the whole request as JSON: parsed only when the messages did not fill input.
    fillWith(d, 'input', () => value(attrs, 'input'));
    fillWith(d, 'output', () => value(attrs, 'output'));
    fillWith(d, 'input', () => {
      const prompts = unflattenList(attrs, 'llm.prompts')?.map((p) => p['prompt.text'] ?? p['']);
      return prompts?.length ? (prompts.length === 1 ? prompts[0] : prompts) : undefined;
    });
    fillWith(d, 'output', () => {
      const choices = unflattenList(attrs, 'llm.choices')?.map((c) => c['completion.text']);
      return choices?.length ? (choices.length === 1 ? choices[0] : choices) : undefined;
    });

    fill(d, 'model', str(attrs['llm.response.model_name']) ?? str(attrs['llm.model_name']) ?? str(attrs['llm.request.model_name'])
      ?? str(attrs['embedding.model_name']) ?? str(attrs['reranker.model_name']));
    fill(d, 'provider', str(attrs['llm.provider']) ?? str(attrs['llm.system']));
    fill(d, 'params', asObject(attrs['llm.invocation_parameters']) ?? asObject(attrs['embedding.invocation_parameters']));

    fillUsage(d, 'inputTokens', attrs['llm.token_count.prompt']);
    fillUsage(d, 'outputTokens', attrs['llm.token_count.completion']);
    fillUsage(d, 'totalTokens', attrs['llm.token_count.total']);
    fillUsage(d, 'cacheReadTokens', attrs['llm.token_count.prompt_details.cache_read']);
    fillUsage(d, 'cacheWriteTokens', attrs['llm.token_count.prompt_details.cache_write']);
    fillUsage(d, 'reasoningTokens', attrs['llm.token_count.completion_details.reasoning']);
    const prompt = toNum(attrs['llm.cost.prompt']);
    const completion = toNum(attrs['llm.cost.completion']);
    fill(d, 'costUsd', toNum(attrs['llm.cost.total']) ?? (prompt !== undefined || completion !== undefined ? (prompt ?? 0) + (completion ?? 0) : undefined));

    if (d.kind === 'tool' || attrs['tool.name'] !== undefined) fillWith(d, 'input', () => maybeJson(attrs['tool.parameters']));
    fill(d, 'sessionId', str(attrs['session.id']));
    fill(d, 'userId', str(attrs['user.id']));
    fill(d, 'tags', toTags(attrs['tag.tags']));
    const meta = asObject(attrs.metadata);
    if (meta) {
      Object.assign(d.metadata, meta);
      Object.assign(d.traceMetadata, meta);
    }
  },
};

export type { AttrValue };
