// Reading chat messages out of span input/output: the OpenAI shape Loupe stores, plus the
// request/response wrappers, tool-call shapes and image encodings other SDKs leave in there.
import { isList, isRecord, maybeJson, str } from './values';

export type Msg = Record<string, unknown> & { role: string };

export interface Conversation {
  messages: Msg[];
  /** The rest of a request object that wrapped the messages (model, temperature…). */
  rest?: Record<string, unknown>;
}

function isMsg(v: unknown): v is Msg {
  return isRecord(v) && typeof v.role === 'string';
}

/** The value as chat messages, or null when it is something else (then it is shown as JSON). */
export function asConversation(v: unknown): Conversation | null {
  const value = maybeJson(v);
  if (isList(value)) return value.length && value.every(isMsg) ? { messages: value } : null;
  if (!isRecord(value)) return null;
  if (isMsg(value) && ('content' in value || 'tool_calls' in value || 'parts' in value)) return { messages: [value] };
  // A whole request ({model, messages, …}) when the instrumentation recorded only input.value.
  if (isList(value.messages) && value.messages.length && value.messages.every(isMsg)) {
    const { messages, ...rest } = value;
    return { messages, rest: Object.keys(rest).length ? rest : undefined };
  }
  // A whole chat completion response ({choices: [{message, finish_reason}]}).
  if (isList(value.choices) && value.choices.length) {
    const messages: Msg[] = [];
    for (const c of value.choices) {
      if (!isRecord(c) || !isMsg(c.message)) return null;
      messages.push(typeof c.finish_reason === 'string' ? { ...c.message, finish_reason: c.finish_reason } : c.message);
    }
    const { choices, ...rest } = value;
    return { messages, rest: Object.keys(rest).length ? rest : undefined };
  }
  return null;
}

export type RoleClass = 'system' | 'user' | 'assistant' | 'tool' | 'other';

export function roleClass(role: string): RoleClass {
  const r = role.toLowerCase();
  if (r === 'system' || r === 'developer') return 'system';
  if (r === 'user' || r === 'human') return 'user';
  if (r === 'assistant' || r === 'model' || r === 'ai' || r === 'bot') return 'assistant';
  if (r === 'tool' || r === 'function' || r === 'ipython' || r === 'tool_result') return 'tool';
  return 'other';
}

export interface Call {
  id?: string;
  name: string;
  /** A JSON string (OpenAI), or an object (Anthropic, Vercel, GenAI parts). */
  args: unknown;
}

/**
 * One tool call from any of the shapes seen: OpenAI `{function: {name, arguments}}`, Vercel
 * `{toolCallId, toolName, args}` (ai.response.toolCalls is stored as is), Anthropic `tool_use`
 * and GenAI `tool_call` parts `{id, name, input|arguments}`.
 */
export function toCall(x: unknown): Call | null {
  if (!isRecord(x)) return null;
  const fn = isRecord(x.function) ? x.function : undefined;
  const name = str(fn?.name) ?? str(x.name) ?? str(x.toolName) ?? str(x.tool_name);
  if (name === undefined && !fn) return null;
  const args = fn ? fn.arguments : x.arguments ?? x.args ?? x.input ?? x.parameters;
  const id = str(x.id) ?? str(x.toolCallId) ?? str(x.call_id);
  return { ...(id ? { id } : {}), name: name ?? '', args };
}

export const CALL_PARTS = new Set(['tool_use', 'tool-call', 'tool_call', 'function_call', 'server_tool_use']);
export const RESULT_PARTS = new Set(['tool_result', 'tool-result', 'tool_call_response', 'function_call_output', 'function_response']);
export const THINKING_PARTS = new Set(['thinking', 'reasoning', 'redacted_thinking']);
export const TEXT_PARTS = new Set(['text', 'input_text', 'output_text']);

const SAFE_URL = /^(https?:\/\/|data:image\/)/i;

function mimeOf(p: Record<string, unknown>): string | undefined {
  return str(p.mime_type) ?? str(p.mimeType) ?? str(p.media_type) ?? str(p.mediaType);
}

/**
 * An image part's source as an http(s) URL or data: URI, or null. Shapes: OpenAI
 * `image_url: {url}` (OpenInference stores `image_url` as a plain string), Vercel `image`,
 * Anthropic `source: {type: base64|url}`, GenAI `uri` / `blob` parts with a modality or MIME type.
 */
export function imageSrc(p: Record<string, unknown>): string | null {
  const type = str(p.type) ?? '';
  const mime = mimeOf(p);
  const imagey = /image/i.test(type) || str(p.modality) === 'image' || (mime?.startsWith('image/') ?? false);
  const urlOf = (v: unknown): string | undefined => str(v) ?? (isRecord(v) ? str(v.url) : undefined);
  const candidates = [urlOf(p.image_url), urlOf(p.image), imagey ? str(p.url) ?? str(p.uri) : undefined, isRecord(p.source) ? str(p.source.url) : undefined];
  for (const c of candidates) {
    if (c && SAFE_URL.test(c.trim())) return c.trim();
  }
  if (isRecord(p.source) && typeof p.source.data === 'string') {
    const m = mimeOf(p.source) ?? 'image/png';
    if (m.startsWith('image/')) return `data:${m};base64,${p.source.data}`;
  }
  // Raw base64 with a MIME type beside it (Vercel `image`, GenAI `blob`).
  const raw = str(p.image) ?? str(p.data) ?? (type === 'blob' ? str(p.content) : undefined);
  if (raw && imagey && mime?.startsWith('image/') && /^[A-Za-z0-9+/=\s]+$/.test(raw.slice(0, 200))) return `data:${mime};base64,${raw.replace(/\s/g, '')}`;
  return null;
}

/** A data: URI as a Blob, for opening it in a new tab (browsers refuse top-level data: URLs). */
export function dataUriBlob(uri: string): Blob | null {
  const m = /^data:([^;,]*)(;base64)?,(.*)$/s.exec(uri);
  if (!m) return null;
  try {
    if (!m[2]) return new Blob([decodeURIComponent(m[3])], { type: m[1] });
    const bin = atob(m[3]);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return new Blob([bytes], { type: m[1] });
  } catch {
    return null;
  }
}
