// Trace-wide text search over spans: one lowercased text per span, built on first use and cached
// by the span object, so typing in the search box over 5,000 spans re-scans strings, not JSON.
import type { Span } from '../lib/types';

const spanText = new WeakMap<Span, string>();
const valueText = new WeakMap<object, string>();

/** Keys and scalar values, raw (not JSON-escaped, so quotes and line breaks match as typed). */
function collect(v: unknown, out: string[], depth: number): void {
  if (v === null || v === undefined) return;
  if (typeof v === 'string') out.push(v);
  else if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') out.push(String(v));
  else if (typeof v === 'object' && depth < 64) {
    if (Array.isArray(v)) for (const x of v) collect(x, out, depth + 1);
    else {
      for (const [k, x] of Object.entries(v)) {
        out.push(k);
        collect(x, out, depth + 1);
      }
    }
  }
}

/** A value's searchable text, lowercased; cached for objects (they are immutable once fetched). */
export function searchText(v: unknown): string {
  if (typeof v !== 'object' || v === null) {
    const out: string[] = [];
    collect(v, out, 0);
    return out.join('\n').toLowerCase();
  }
  let text = valueText.get(v);
  if (text === undefined) {
    const out: string[] = [];
    collect(v, out, 0);
    text = out.join('\n').toLowerCase();
    valueText.set(v, text);
  }
  return text;
}

function textOf(span: Span): string {
  let text = spanText.get(span);
  if (text === undefined) {
    const out: string[] = [span.id, span.kind];
    for (const v of [span.name, span.error, span.model, span.provider, span.input, span.output, span.attributes, span.metadata, span.events]) {
      collect(v, out, 0);
    }
    text = out.join('\n').toLowerCase();
    spanText.set(span, text);
  }
  return text;
}

/** Whether the span mentions the needle anywhere (case-insensitive); an empty needle matches all. */
export function spanMatches(span: Span, needle: string): boolean {
  const n = needle.trim().toLowerCase();
  if (!n) return true;
  return textOf(span).includes(n);
}

/** Whether a value (tree, text) mentions the needle; used to flag folded or closed parts. */
export function valueMatches(v: unknown, needle: string): boolean {
  const n = needle.trim().toLowerCase();
  return n !== '' && searchText(v).includes(n);
}
