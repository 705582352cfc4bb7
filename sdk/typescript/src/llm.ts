// LLM events carry the raw prompt and completion (the messages) and token counts, never a
// provider's whole response object (ids, logprobs, system fingerprints…): what the dashboard's
// chat view reads, at a fraction of the bytes.
import type { Metadata, Usage } from './types.js';
import { isRecord as isRec, type Rec } from './util.js';
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
 * (the choices' messages), OpenAI Responses (one assistant message: the text and the function
 * calls as tool calls), Anthropic messages (role + content). Anything else is kept as given.
 * wrapOpenAI stores the same, so a response given to generation.end() and one recorded by the
 * wrapper read alike.
 */
export function completionOf(output: unknown): unknown {
  return mappedCompletion(output).output;
}

/** The completion and what else a response says worth keeping (finish reasons, status). */
export function mappedCompletion(output: unknown): { output: unknown; extra?: Metadata } {
  if (!isRec(output)) return { output };
  if (Array.isArray(output.choices) && ('object' in output || 'id' in output || 'model' in output)) return chatOutput(output);
  if (output.object === 'response' && Array.isArray(output.output)) return responseOutput(output);
  if (output.type === 'message' && output.role === 'assistant' && 'content' in output) return { output: { role: 'assistant', content: output.content } };
  return { output };
}

/** The assistant message(s) of a chat completion, as the dashboard's chat view reads them. */
export function chatOutput(c: Rec): { output: unknown; extra?: Metadata } {
  const choices = Array.isArray(c.choices) ? c.choices : [];
  const messages = choices.map((ch) => (isRec(ch) ? (isRec(ch.message) ? cleanMessage(ch.message) : ch.message ?? ch.delta ?? ch.text) : ch));
  const reasons = choices.map((ch) => (isRec(ch) ? ch.finish_reason : undefined)).filter((r) => typeof r === 'string');
  return { output: messages.length === 1 ? messages[0] : messages, extra: reasons.length ? { finishReason: reasons.length === 1 ? reasons[0] : reasons } : undefined };
}

/** A message without the fields that are null or empty (refusal, annotations, audio). */
function cleanMessage(m: Rec): Rec {
  const out: Rec = {};
  for (const [k, v] of Object.entries(m)) if (v !== null && v !== undefined && !(Array.isArray(v) && v.length === 0)) out[k] = v;
  return out;
}

/** A response's output items as one assistant message: its text, and function calls as tool calls. */
export function responseOutput(r: Rec): { output: unknown; extra?: Metadata } {
  const items = Array.isArray(r.output) ? r.output.filter(isRec) : [];
  let text = '';
  const toolCalls: Rec[] = [];
  for (const item of items) {
    if (item.type === 'message' && Array.isArray(item.content)) {
      for (const part of item.content) if (isRec(part) && typeof part.text === 'string') text += part.text;
    } else if (item.type === 'function_call') {
      toolCalls.push({ id: item.call_id ?? item.id, type: 'function', function: { name: item.name, arguments: item.arguments } });
    }
  }
  const message: Rec = { role: 'assistant', content: text };
  if (toolCalls.length) message.tool_calls = toolCalls;
  return { output: message, extra: typeof r.status === 'string' && r.status !== 'completed' ? { status: r.status } : undefined };
}

/** A provider response's usage, when the output is one and no usage was given. */
export function usageOf(output: unknown): Usage | undefined {
  return isRec(output) && isRec(output.usage) ? normalizeUsage(output.usage) : undefined;
}

/** Responses' input as messages: `instructions` as the system message, a string as the user's. */
export function responsesInput(params: Rec): unknown {
  const input = typeof params.input === 'string' ? [{ role: 'user', content: params.input }] : params.input;
  if (typeof params.instructions !== 'string') return input;
  return [{ role: 'system', content: params.instructions }, ...(Array.isArray(input) ? input : input === undefined ? [] : [input])];
}

/** Whether a value is a provider request: chat's messages, or Responses' input with a model. */
export function isRequest(input: unknown): input is Rec {
  return isRec(input) && (Array.isArray(input.messages) || (input.input !== undefined && typeof input.model === 'string'));
}

/**
 * The prompt out of a provider request, if the input is one ({model, messages, temperature…} or
 * {model, input, instructions…}): the messages, with the model and the other settings as the
 * span's model and params. wrapOpenAI reads requests the same way.
 */
export function promptOf(input: unknown): { input: unknown; model?: string; params?: Rec } {
  if (!isRequest(input)) return { input };
  const { messages, input: _input, instructions: _instructions, model, stream: _s, stream_options: _so, ...params } = input;
  return {
    input: Array.isArray(messages) ? messages : responsesInput(input),
    model: typeof model === 'string' ? model : undefined,
    params: Object.keys(params).length ? params : undefined,
  };
}
