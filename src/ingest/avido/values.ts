// Avido's loose JSON fields (object, array or string "parsed when it is JSON") normalised into
// the model's shapes: records for metadata and params, chat messages for llm input and output,
// documents for retrieved chunks.
import { maybeJson } from '../../json-depth.js';
import type { ChatMessage } from '../../model/messages.js';

type Loose = string | Record<string, unknown> | unknown[];


function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** metadata / params: an object as is; JSON text parsed; anything else kept under `raw`. */
export function asRecord(v: Loose | undefined): Record<string, unknown> | undefined {
  if (v === undefined) return undefined;
  const parsed = maybeJson(v);
  if (isRecord(parsed)) return Object.keys(parsed).length ? parsed : undefined;
  return { raw: parsed };
}

function isMessage(v: unknown): v is ChatMessage {
  return isRecord(v) && typeof v.role === 'string';
}

/** The prompt: a message list stays one; a bare message or plain text becomes a one-message list. */
export function inputMessages(v: Loose): unknown {
  const parsed = maybeJson(v);
  if (Array.isArray(parsed) && parsed.length && parsed.every(isMessage)) return parsed;
  if (isMessage(parsed)) return [parsed];
  if (typeof parsed === 'string') return [{ role: 'user', content: parsed }];
  return parsed;
}

/** The completion, likewise, with plain text (or Avido's `{message}` wrapper) as the assistant's message. */
export function outputMessages(v: Loose | undefined): unknown {
  if (v === undefined) return undefined;
  const parsed = maybeJson(v);
  if (Array.isArray(parsed) && parsed.length && parsed.every(isMessage)) return parsed;
  if (isMessage(parsed)) return [parsed];
  if (typeof parsed === 'string') return [{ role: 'assistant', content: parsed }];
  if (isRecord(parsed) && typeof parsed.message === 'string' && Object.keys(parsed).length === 1) return [{ role: 'assistant', content: parsed.message }];
  return parsed;
}

/** Retrieved chunks as documents (`{content, …}`), the shape OpenInference retrievals are stored in. */
export function documents(v: Loose): unknown {
  const parsed = maybeJson(v);
  const one = (d: unknown) => (isRecord(d) ? d : { content: typeof d === 'string' ? d : JSON.stringify(d) });
  if (Array.isArray(parsed)) return parsed.map(one);
  if (typeof parsed === 'string') return [{ content: parsed }];
  return parsed;
}

/** Text of a log line, for the span's error message. */
export function text(v: Loose): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export function stringField(rec: Record<string, unknown> | undefined, ...keys: string[]): string | undefined {
  if (!rec) return undefined;
  for (const k of keys) {
    const v = rec[k];
    if (typeof v === 'string' && v) return v;
    if (typeof v === 'number') return String(v);
  }
  return undefined;
}

/** The shared parse of JSON inside strings (json-depth.ts), for the modules that import it from here. */
export { maybeJson };
