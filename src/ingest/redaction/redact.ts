// Applying compiled rules: to one string (every rule's matches found on the original text, the
// earliest kept where they overlap, the string rebuilt once) and to every free-text part of a
// batch, in place. Counters of what was masked, per project and rule, live here too.
import type { Batch, StoredEvent } from '../../model/batch.js';
import { OVERLAP, WINDOW, type CompiledRedaction, type CompiledRule } from './rules.js';

export interface RedactionMatch {
  rule: string;
  /** Offsets in the original text, end exclusive (UTF-16 units, as JavaScript strings count). */
  start: number;
  end: number;
}

function collect(rule: CompiledRule, priority: number, s: string, from: number, to: number, acceptBefore: number, out: Array<RedactionMatch & { p: number }>): void {
  const text = from === 0 && to === s.length ? s : s.slice(from, to);
  const { patterns, verify, scan, maskGroup } = rule.detector;
  if (scan) {
    for (const [start, end] of scan(text)) {
      if (start + from >= acceptBefore) break;
      if (!verify || verify(text.slice(start, end))) out.push({ rule: rule.name, start: start + from, end: end + from, p: priority });
    }
  }
  for (const re of patterns) {
    re.lastIndex = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      if (m[0] === '') {
        re.lastIndex++; // an empty match masks nothing; step past it
        continue;
      }
      const end = from + m.index + m[0].length;
      const start = maskGroup && m[1] !== undefined ? end - m[1].length : from + m.index;
      // In a window, a match starting in the overlap is left to the next window, which sees it whole.
      if (start >= acceptBefore) break;
      if (!verify || verify(text.slice(start - from, end - from))) out.push({ rule: rule.name, start, end, p: priority });
    }
  }
}

/** Every rule's matches in `s`, overlaps resolved: earliest start wins, then the rule listed first, then the longer. */
export function findMatches(s: string, rules: CompiledRule[]): RedactionMatch[] {
  const found: Array<RedactionMatch & { p: number }> = [];
  for (let p = 0; p < rules.length; p++) {
    const rule = rules[p];
    if (rule.detector.maybe && !rule.detector.maybe(s)) continue;
    if (!rule.windowed || s.length <= WINDOW) {
      collect(rule, p, s, 0, s.length, Infinity, found);
      continue;
    }
    // A custom pattern never runs over more than WINDOW characters at once: the size its probe
    // timed at PUT, so a pattern that is quadratic in its input stays linear in the string's length.
    for (let from = 0; from < s.length; from += WINDOW - OVERLAP) {
      const to = Math.min(s.length, from + WINDOW);
      collect(rule, p, s, from, to, to === s.length ? Infinity : to - OVERLAP, found);
      if (to === s.length) break;
    }
  }
  if (found.length <= 1) return found.map(({ p: _p, ...m }) => m);
  found.sort((a, b) => a.start - b.start || a.p - b.p || b.end - a.end);
  const kept: RedactionMatch[] = [];
  let end = -1;
  for (const { p: _p, ...m } of found) {
    if (m.start >= end) {
      kept.push(m);
      end = m.end;
    }
  }
  return kept;
}

/** Counts per rule name, added to as values are masked. */
export type RuleCounts = Map<string, number>;

/** `s` with every match replaced by its rule's replacement; `s` itself when nothing matched. */
export function redactString(s: string, rules: CompiledRule[], counts?: RuleCounts, matches = findMatches(s, rules)): string {
  if (matches.length === 0) return s;
  const replacement = new Map(rules.map((r) => [r.name, r.replacement]));
  let out = '';
  let at = 0;
  for (const m of matches) {
    out += s.slice(at, m.start) + replacement.get(m.rule)!;
    at = m.end;
    if (counts) counts.set(m.rule, (counts.get(m.rule) ?? 0) + 1);
  }
  return out + s.slice(at);
}

/** Every string inside `v` redacted; containers are changed in place (keys are not redacted). */
function redactValue(v: unknown, rules: CompiledRule[], counts: RuleCounts): unknown {
  if (typeof v === 'string') return redactString(v, rules, counts);
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = redactValue(v[i], rules, counts);
  } else if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    for (const k in o) o[k] = redactValue(o[k], rules, counts);
  }
  return v;
}

function redactEvents(events: StoredEvent[], rules: CompiledRule[], counts: RuleCounts): void {
  // An event's name is a name (exception, log…); its attributes carry the text (exception.message…).
  for (const e of events) redactValue(e.attributes, rules, counts);
}

/**
 * Redacts a batch in place: trace input, output and metadata; span input, output (chat messages
 * live there), metadata, attributes, event attributes and error; score comments and string
 * values (the `comment` field). Returns the
 * masks made per rule.
 */
export function redactBatch(batch: Batch, c: CompiledRedaction): RuleCounts {
  const counts: RuleCounts = new Map();
  const field = <T>(v: T | undefined, rules: CompiledRule[]): T | undefined => (v === undefined || rules.length === 0 ? v : (redactValue(v, rules, counts) as T));
  for (const t of batch.traces) {
    t.input = field(t.input, c.input);
    t.output = field(t.output, c.output);
    t.metadata = field(t.metadata, c.metadata);
  }
  for (const s of batch.spans) {
    s.input = field(s.input, c.input);
    s.output = field(s.output, c.output);
    s.metadata = field(s.metadata, c.metadata);
    s.attributes = field(s.attributes, c.attributes);
    if (s.events && c.events.length) redactEvents(s.events, c.events, counts);
    if (typeof s.error === 'string' && c.error.length) s.error = redactString(s.error, c.error, counts);
  }
  for (const sc of batch.scores) {
    if (c.comment.length === 0) continue;
    if (sc.comment !== undefined) sc.comment = redactString(sc.comment, c.comment, counts);
    // A string value is often free text too (HoneyHive's feedback comment arrives as one).
    if (typeof sc.value === 'string') sc.value = redactString(sc.value, c.comment, counts);
  }
  return counts;
}

/** Masks per project and rule since this process started (not persisted; each server counts its own). */
export class RedactionCounters {
  readonly since = new Date();
  private readonly byProject = new Map<number, RuleCounts>();

  add(projectId: number, counts: RuleCounts): void {
    if (counts.size === 0) return;
    let p = this.byProject.get(projectId);
    if (!p) this.byProject.set(projectId, (p = new Map()));
    for (const [rule, n] of counts) p.set(rule, (p.get(rule) ?? 0) + n);
  }

  of(projectId: number): Record<string, number> {
    return Object.fromEntries(this.byProject.get(projectId) ?? []);
  }
}
