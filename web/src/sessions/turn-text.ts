// A turn's chat text from whatever a trace's input and output hold: a string, a chat-message
// array, one {role, content} message, a whole request ({messages}) or response ({choices}), or
// some other JSON (shown compactly, so the turn still reads as something).
import { asConversation, roleClass, type Msg } from '../span/messages';
import { compactJson, isList, isRecord, maybeJson, str } from '../span/values';

/** The text of a message's content: a string, or the text parts of a parts array. */
function contentText(content: unknown): string | null {
  if (typeof content === 'string') return content;
  if (isList(content)) {
    const parts = content.map((p) => (typeof p === 'string' ? p : isRecord(p) ? str(p.text) ?? str(p.content) ?? null : null)).filter((p): p is string => p !== null);
    return parts.length ? parts.join('\n') : null;
  }
  return null;
}

function messageText(m: Msg): string | null {
  const text = contentText(m.content) ?? contentText(m.parts);
  if (text) return text;
  // An assistant turn that ended in tool calls has no text; say what it called.
  if (isList(m.tool_calls) && m.tool_calls.length) {
    const names = m.tool_calls.map((c) => (isRecord(c) && isRecord(c.function) ? str(c.function.name) : isRecord(c) ? str(c.name) : undefined) ?? 'tool');
    return `[called ${names.join(', ')}]`;
  }
  return null;
}

/**
 * The text for one side of a turn. From a conversation, the input side is the last user message
 * (what was asked this turn, not the history resent with it) and the output side the last
 * assistant message.
 */
export function turnText(value: unknown, side: 'input' | 'output'): string | null {
  if (value == null) return null;
  const v = maybeJson(value);
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  const conv = asConversation(v);
  if (conv) {
    const want = side === 'input' ? 'user' : 'assistant';
    const msgs = conv.messages;
    for (let i = msgs.length - 1; i >= 0; i--) {
      if (roleClass(msgs[i].role) === want) {
        const t = messageText(msgs[i]);
        if (t) return t;
      }
    }
    for (let i = msgs.length - 1; i >= 0; i--) {
      const t = messageText(msgs[i]);
      if (t) return t;
    }
  }
  if (isRecord(v)) {
    // Common single-field wrappers: {input: "..."}, {question}, {query}, {answer}, {text}…
    for (const k of side === 'input' ? ['input', 'question', 'query', 'prompt', 'message', 'text', 'content'] : ['output', 'answer', 'response', 'completion', 'text', 'content', 'message']) {
      const t = contentText(v[k]);
      if (t) return t;
    }
  }
  return compactJson(v, 400);
}
