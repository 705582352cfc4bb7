// Text with the search needle(s) marked, case-insensitively, wherever the span panel shows text.
import type { ReactNode } from 'react';

const cache = new Map<string, RegExp | null>();

// A regex rather than indexOf on lowercased text: toLowerCase can change a string's length
// (e.g. "İ"), which would shift every mark after it.
function needleRegex(needles: readonly string[]): RegExp | null {
  const clean = needles.map((n) => n.trim()).filter(Boolean);
  if (!clean.length) return null;
  const key = clean.join('\u0000');
  let re = cache.get(key);
  if (re === undefined) {
    // Longest first, so "token" does not win over "tokens" where both are searched.
    const alt = [...new Set(clean)].sort((a, b) => b.length - a.length).map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    re = new RegExp(`(${alt.join('|')})`, 'gi');
    if (cache.size > 200) cache.clear();
    cache.set(key, re);
  }
  return re;
}

export function needles(search: string | readonly string[] | undefined): string[] {
  if (!search) return [];
  return typeof search === 'string' ? [search] : [...search];
}

export function Highlight({ text, search }: { text: string; search?: string | readonly string[] }): ReactNode {
  const re = needleRegex(needles(search));
  if (!re || !text) return text;
  const parts = text.split(re);
  if (parts.length === 1) return text;
  // split() with one capture group alternates plain text and matches: odd indices are matches.
  return parts.map((p, i) => (i % 2 === 1 ? <mark key={i}>{p}</mark> : p));
}
