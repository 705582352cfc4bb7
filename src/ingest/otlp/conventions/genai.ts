// OpenTelemetry GenAI semantic conventions, current and older (gen_ai.system, prompt_tokens,
// the v1.26 content events and the ≤v1.36 per-message events).
import type { SpanKind } from '../../../model/enums.js';
import type { ChatMessage } from '../../../model/messages.js';
import { asObject, fill, fillUsage, fillWith, maybeJson, str, type ConventionMapper } from '../draft.js';
import { genAiMessages, openAiMessages, systemInstructions } from '../messages.js';
import type { OtlpEvent } from '../types.js';

const OPERATIONS: Record<string, SpanKind> = {
  chat: 'llm', text_completion: 'llm', generate_content: 'llm', completion: 'llm', generate: 'llm',
  embeddings: 'embedding', retrieval: 'retrieval', execute_tool: 'tool',
  invoke_agent: 'agent', create_agent: 'agent', invoke_workflow: 'chain', plan: 'agent',
};

const PROVIDER_ALIASES: Record<string, string> = { 'az.ai.openai': 'azure.ai.openai', 'az.ai.inference': 'azure.ai.inference', vertex_ai: 'gcp.vertex_ai', gemini: 'gcp.gemini' };

/** Messages carried as span events by older instrumentations. */
function eventMessages(events: OtlpEvent[]): { input?: ChatMessage[]; output?: ChatMessage[] } {
  const input: ChatMessage[] = [];
  const output: ChatMessage[] = [];
  for (const e of events) {
    if (e.name === 'gen_ai.content.prompt') input.push(...(openAiMessages(e.attributes['gen_ai.prompt']) ?? []));
    else if (e.name === 'gen_ai.content.completion') output.push(...(openAiMessages(e.attributes['gen_ai.completion']) ?? []));
    else if (/^gen_ai\.(system|user|assistant|tool)\.message$/.test(e.name)) {
      const role = e.name.split('.')[1];
      const body = asObject(e.attributes.body ?? e.attributes['event.body']) ?? {};
      const content = body.content ?? e.attributes.content;
      input.push({ role, ...(content !== undefined ? { content: typeof content === 'string' ? content : JSON.stringify(content) } : {}),
        ...(Array.isArray(body.tool_calls) ? { tool_calls: body.tool_calls as ChatMessage['tool_calls'] } : {}),
        ...(typeof body.id === 'string' && role === 'tool' ? { tool_call_id: body.id } : {}) });
    } else if (e.name === 'gen_ai.choice') {
      const body = asObject(e.attributes.body ?? e.attributes['event.body']) ?? {};
      const msg = asObject(body.message) ?? {};
      output.push({ role: typeof msg.role === 'string' ? msg.role : 'assistant',
        ...(msg.content !== undefined ? { content: typeof msg.content === 'string' ? msg.content : JSON.stringify(msg.content) } : {}),
        ...(Array.isArray(body.tool_calls) ? { tool_calls: body.tool_calls as ChatMessage['tool_calls'] } : {}),
        ...(typeof body.finish_reason === 'string' ? { finish_reason: body.finish_reason } : {}) });
    }
  }
  return { input: input.length ? input : undefined, output: output.length ? output : undefined };
}

export const genAi: ConventionMapper = {
  name: 'genai',
  map({ attrs, span }, d) {
    const op = str(attrs['gen_ai.operation.name']);
    if (op) fill(d, 'kind', OPERATIONS[op]);
    // wire-formats.md §5C: a GenAI tool span is named by its tool.
    if (op === 'execute_tool') fill(d, 'name', str(attrs['gen_ai.tool.name']));

    fillWith(d, 'input', () => {
      const messages = genAiMessages(attrs['gen_ai.input.messages']);
      const system = systemInstructions(attrs['gen_ai.system_instructions']);
      return messages ? (system ? [system, ...messages] : messages) : system ? [system] : undefined;
    });
    fillWith(d, 'output', () => genAiMessages(attrs['gen_ai.output.messages']));
    fillWith(d, 'input', () => maybeJson(attrs['gen_ai.tool.call.arguments']));
    fillWith(d, 'output', () => maybeJson(attrs['gen_ai.tool.call.result']));
    fill(d, 'input', attrs['gen_ai.retrieval.query.text']);
    fillWith(d, 'output', () => maybeJson(attrs['gen_ai.retrieval.documents']));
    if (span.events.length && (d.input === undefined || d.output === undefined)) {
      const fromEvents = eventMessages(span.events);
      fill(d, 'input', fromEvents.input);
      fill(d, 'output', fromEvents.output);
    }

    fill(d, 'model', str(attrs['gen_ai.response.model']) ?? str(attrs['gen_ai.request.model']));
    const provider = str(attrs['gen_ai.provider.name']) ?? str(attrs['gen_ai.system']);
    fill(d, 'provider', provider ? PROVIDER_ALIASES[provider] ?? provider.toLowerCase() : undefined);

    const params: Record<string, unknown> = {};
    for (const key in attrs) {
      if (key.startsWith('gen_ai.request.') && key !== 'gen_ai.request.model') params[key.slice('gen_ai.request.'.length)] = attrs[key];
    }
    if (Object.keys(params).length) fill(d, 'params', params);

    fillUsage(d, 'inputTokens', attrs['gen_ai.usage.input_tokens'] ?? attrs['gen_ai.usage.prompt_tokens']);
    fillUsage(d, 'outputTokens', attrs['gen_ai.usage.output_tokens'] ?? attrs['gen_ai.usage.completion_tokens']);
    fillUsage(d, 'cacheReadTokens', attrs['gen_ai.usage.cache_read.input_tokens'] ?? attrs['gen_ai.usage.cache_read_input_tokens']);
    fillUsage(d, 'cacheWriteTokens', attrs['gen_ai.usage.cache_write.input_tokens'] ?? attrs['gen_ai.usage.cache_creation.input_tokens'] ?? attrs['gen_ai.usage.cache_creation_input_tokens']);
    fillUsage(d, 'reasoningTokens', attrs['gen_ai.usage.reasoning.output_tokens']);
    fill(d, 'sessionId', str(attrs['gen_ai.conversation.id']));
  },
};
