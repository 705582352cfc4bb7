// Chat messages from each convention's encoding into the one ChatMessage shape.
import type { ChatMessage, ContentPart, ToolCall } from '../../model/messages.js';
import type { AttrValue, Attributes } from './types.js';
import { maybeJson, str, under, unflattenList } from './draft.js';

function argsText(v: unknown): string {
  if (v === undefined || v === null) return '';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function clean(m: ChatMessage): ChatMessage {
  for (const k of Object.keys(m) as (keyof ChatMessage)[]) if (m[k] === undefined) delete m[k];
  return m;
}

/** OpenInference `llm.input_messages.N.message.*` (or output) into messages. */
export function openInferenceMessages(attrs: Attributes, prefix: string): ChatMessage[] | undefined {
  const list = unflattenList(attrs, prefix);
  if (!list?.length) return undefined;
  return list.map((entry) => {
    const m = under(entry, 'message');
    const toolCalls = unflattenList(m, 'tool_calls')?.map((tc): ToolCall => {
      const t = under(tc, 'tool_call');
      const id = str(t.id);
      return { ...(id ? { id } : {}), type: 'function', function: { name: str(t['function.name']) ?? '', arguments: argsText(t['function.arguments']) } };
    });
    const parts = unflattenList(m, 'contents')?.map((c): ContentPart => {
      const p = under(c, 'message_content');
      const type = str(p.type) ?? 'text';
      const part: ContentPart = { type };
      if (p.text !== undefined) part.text = str(p.text);
      if (p['image.image.url'] !== undefined) part.image_url = str(p['image.image.url']);
      return part;
    });
    const content = m.content !== undefined ? str(m.content) : parts?.length ? (parts.every((p) => p.type === 'text') ? parts.map((p) => p.text ?? '').join('') : parts) : undefined;
    const legacyFn = str(m.function_call_name);
    return clean({
      role: str(m.role) ?? 'user',
      content,
      name: str(m.name),
      tool_call_id: str(m.tool_call_id),
      tool_calls: toolCalls?.length ? toolCalls : legacyFn ? [{ type: 'function', function: { name: legacyFn, arguments: argsText(m.function_call_arguments_json) } }] : undefined,
    });
  });
}

interface GenAiPart {
  type?: string;
  content?: unknown;
  id?: string;
  name?: string;
  arguments?: unknown;
  response?: unknown;
  [k: string]: unknown;
}

/** GenAI `gen_ai.input.messages` / `gen_ai.output.messages` (parts-based) into messages. */
export function genAiMessages(v: AttrValue | undefined): ChatMessage[] | undefined {
  const parsed = maybeJson(v);
  if (!Array.isArray(parsed)) return undefined;
  const out: ChatMessage[] = [];
  for (const raw of parsed as Array<Record<string, unknown>>) {
    if (typeof raw !== 'object' || raw === null) continue;
    const role = typeof raw.role === 'string' ? raw.role : 'user';
    const parts = Array.isArray(raw.parts) ? (raw.parts as GenAiPart[]) : [];
    const texts: string[] = [];
    const others: ContentPart[] = [];
    const toolCalls: ToolCall[] = [];
    let toolCallId: string | undefined;
    for (const p of parts) {
      if (p.type === 'text') texts.push(argsText(p.content));
      else if (p.type === 'tool_call') toolCalls.push({ ...(p.id ? { id: p.id } : {}), type: 'function', function: { name: p.name ?? '', arguments: argsText(p.arguments) } });
      else if (p.type === 'tool_call_response') {
        toolCallId = p.id;
        texts.push(argsText(p.response));
      } else others.push({ ...p, type: p.type ?? 'unknown' });
    }
    // Older shapes put plain `content` on the message.
    if (!parts.length && raw.content !== undefined) texts.push(argsText(raw.content));
    const content: ChatMessage['content'] = others.length ? [...texts.map((t): ContentPart => ({ type: 'text', text: t })), ...others] : texts.length ? texts.join('') : undefined;
    out.push(clean({
      role: toolCallId !== undefined && role === 'user' ? 'tool' : role,
      content,
      name: typeof raw.name === 'string' ? raw.name : undefined,
      tool_call_id: toolCallId,
      tool_calls: toolCalls.length ? toolCalls : undefined,
      finish_reason: typeof raw.finish_reason === 'string' ? raw.finish_reason : undefined,
    }));
  }
  return out.length ? out : undefined;
}

/** GenAI `gen_ai.system_instructions` (parts, or text) as one system message. */
export function systemInstructions(v: AttrValue | undefined): ChatMessage | undefined {
  const parsed = maybeJson(v);
  if (typeof parsed === 'string' && parsed) return { role: 'system', content: parsed };
  if (!Array.isArray(parsed)) return undefined;
  const text = (parsed as GenAiPart[]).map((p) => (typeof p === 'string' ? p : argsText(p.content))).join('\n');
  return text ? { role: 'system', content: text } : undefined;
}

/** OpenLLMetry `gen_ai.prompt.N.*` / `gen_ai.completion.N.*` into messages. */
export function traceloopMessages(attrs: Attributes, prefix: string): ChatMessage[] | undefined {
  const list = unflattenList(attrs, prefix);
  if (!list?.length) return undefined;
  return list.map((m) => {
    const toolCalls = unflattenList(m, 'tool_calls')?.map((tc): ToolCall => ({
      ...(str(tc.id) ? { id: str(tc.id) } : {}), type: 'function', function: { name: str(tc.name) ?? '', arguments: argsText(tc.arguments) },
    }));
    return clean({
      role: str(m.role) ?? (prefix.endsWith('completion') ? 'assistant' : 'user'),
      content: m.content === undefined ? undefined : str(m.content),
      tool_call_id: str(m.tool_call_id),
      tool_calls: toolCalls?.length ? toolCalls : undefined,
      finish_reason: str(m.finish_reason),
    });
  });
}

/** OpenAI-format JSON message arrays (legacy GenAI events, Vercel ai.prompt.messages). */
export function openAiMessages(v: unknown): ChatMessage[] | undefined {
  const parsed = maybeJson(v);
  if (!Array.isArray(parsed)) return undefined;
  const msgs = parsed.filter((m): m is ChatMessage => typeof m === 'object' && m !== null && typeof (m as ChatMessage).role === 'string');
  return msgs.length ? msgs : undefined;
}
