// LLM events carry the raw prompt and completion (the messages) and token counts, never a
// provider's whole response object (ids, logprobs, system fingerprints…): what the dashboard's
// chat view reads, at a fraction of the bytes.
import type { Usage } from './types.js';

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);
const int = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.round(v) : undefined);

/** Usage in the native names, from ours or from OpenAI's/Anthropic's/Gemini's. */
export function normalizeUsage(u: unknown): Usage | undefined {
  if (!isRec(u)) return undefined;
  const details = (k: string): Rec => (isRec(u[k]) ? (u[k] as Rec) : {});
  const out: Usage = {
    inputTokens: int(u.inputTokens ?? u.prompt_tokens ?? u.input_tokens ?? u.promptTokenCount),
    outputTokens: int(u.outputTokens ?? u.completion_tokens ?? u.output_tokens ?? u.candidatesTokenCount),
    totalTokens: int(u.totalTokens ?? u.total_tokens ?? u.totalTokenCount),
    cacheReadTokens: int(u.cacheReadTokens ?? u.cache_read_input_tokens ?? details('prompt_tokens_details').cached_tokens ?? details('input_tokens_details').cached_tokens),
    cacheWriteTokens: int(u.cacheWriteTokens ?? u.cache_creation_input_tokens),
    reasoningTokens: int(u.reasoningTokens ?? details('completion_tokens_details').reasoning_tokens ?? details('output_tokens_details').reasoning_tokens),
  };
  for (const k of Object.keys(out) as Array<keyof Usage>) if (out[k] === undefined) delete out[k];
  return Object.keys(out).length ? out : undefined;
}

/**
 * The completion out of a provider response, if the output is one: OpenAI chat completions
 * (choices[].message), OpenAI Responses (output[] messages), Anthropic messages (role + content).
 * Anything else is kept as given.
 */
export function completionOf(output: unknown): unknown {
  if (!isRec(output)) return output;
  if (Array.isArray(output.choices) && ('object' in output || 'id' in output || 'model' in output)) {
    const msgs = output.choices.map((c) => (isRec(c) ? (c.message ?? c.delta ?? c.text) : c));
    return msgs.length === 1 ? msgs[0] : msgs;
  }
  if (output.object === 'response' && Array.isArray(output.output)) return output.output;
  if (output.type === 'message' && output.role === 'assistant' && 'content' in output) return { role: 'assistant', content: output.content };
  return output;
}

/** A provider response's usage, when the output is one and no usage was given. */
export function usageOf(output: unknown): Usage | undefined {
  return isRec(output) && isRec(output.usage) ? normalizeUsage(output.usage) : undefined;
}

/**
 * The prompt out of a provider request, if the input is one ({model, messages, temperature…}):
 * the messages, with the model and the other settings as the span's model and params.
 */
export function promptOf(input: unknown): { input: unknown; model?: string; params?: Rec } {
  if (!isRec(input) || !(Array.isArray(input.messages) || Array.isArray(input.input) && typeof input.model === 'string')) return { input };
  const { messages, input: responsesInput, model, ...params } = input;
  const system = typeof params.instructions === 'string' ? params.instructions : undefined;
  if (system !== undefined) delete params.instructions;
  const msgs = Array.isArray(messages) ? messages : (responsesInput as unknown[]);
  return {
    input: system !== undefined ? [{ role: 'system', content: system }, ...msgs] : msgs,
    model: typeof model === 'string' ? model : undefined,
    params: Object.keys(params).length ? params : undefined,
  };
}
