// Matching a span's model name to a price: provider prefixes are dropped, a family pattern
// matches its dated snapshots, the most specific pattern wins, and among the entries of that
// pattern the latest one effective at the span's start time applies.
import type { Micros } from '../model/time.js';
import type { ModelPrice, PriceSource, ResolvedPrice } from './types.js';

// Bedrock ids carry a region and a vendor before the model (`us.anthropic.claude-…`).
const REGION = /^(us|eu|apac|global|jp|au|ca|us-gov)\./;
const VENDOR = /^(anthropic|meta|mistral|amazon|cohere|openai|google|deepseek|ai21|writer)\./;

/** Lower-cased model name without provider prefixes (`openai/gpt-4o`, `models/gemini-…`, `anthropic.claude-…`). */
export function normalizeModel(model: string): string {
  let m = model.trim().toLowerCase();
  const slash = m.lastIndexOf('/');
  if (slash !== -1) m = m.slice(slash + 1);
  m = m.replace(REGION, '').replace(VENDOR, '');
  return m;
}

// A family name is followed in its snapshots' names by one of these (`gpt-4o-2024-08-06`,
// `claude-3-5-sonnet@20241022`, `…-v1:0`); a dot is not one, so `gpt-4` never matches `gpt-4.1`.
const SEPARATORS = new Set(['-', '@', ':', '_']);

/** Whether a (normalised, lower-case) pattern matches a normalised model name. */
export function patternMatches(pattern: string, name: string): boolean {
  const p = pattern.toLowerCase();
  if (p.includes('*')) {
    const re = new RegExp(`^${p.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
    return re.test(name);
  }
  if (name === p) return true;
  return name.length > p.length && name.startsWith(p) && SEPARATORS.has(name[p.length]);
}

/** More literal characters = more specific; a glob's wildcards count for nothing. */
export function specificity(pattern: string): number {
  return pattern.replace(/\*/g, '').length;
}

interface Candidate {
  pattern: string;
  spec: number;
  /** Per source, entries sorted by effectiveFrom descending. */
  project: ModelPrice[];
  builtin: ModelPrice[];
}

/** A project's effective price list (its overrides over the built-in table), with a per-name memo. */
export class PriceTable {
  private readonly groups: Candidate[];
  private readonly memo = new Map<string, Candidate[]>();

  constructor(builtin: readonly ModelPrice[], project: readonly ModelPrice[] = []) {
    const byPattern = new Map<string, Candidate>();
    const add = (p: ModelPrice, source: PriceSource) => {
      const key = p.modelPattern.toLowerCase();
      let c = byPattern.get(key);
      if (!c) byPattern.set(key, (c = { pattern: key, spec: specificity(key), project: [], builtin: [] }));
      c[source].push(p);
    };
    for (const p of builtin) add(p, 'builtin');
    for (const p of project) add(p, 'project');
    this.groups = [...byPattern.values()];
    for (const c of this.groups) {
      c.project.sort((a, b) => b.effectiveFrom - a.effectiveFrom);
      c.builtin.sort((a, b) => b.effectiveFrom - a.effectiveFrom);
    }
  }

  private candidates(name: string): Candidate[] {
    let found = this.memo.get(name);
    if (!found) {
      found = this.groups.filter((c) => patternMatches(c.pattern, name)).sort((a, b) => b.spec - a.spec || a.pattern.localeCompare(b.pattern));
      if (this.memo.size > 10_000) this.memo.clear();
      this.memo.set(name, found);
    }
    return found;
  }

  /**
   * The price for `model` at time `at`: the most specific matching pattern that has an entry
   * effective at `at` (a project entry before a built-in one for the same pattern; the latest
   * effectiveFrom <= at within a source). A pattern with no entry effective yet falls through
   * to the next, less specific one (a new snapshot override does not blank out its family).
   */
  lookup(model: string, at: Micros): ResolvedPrice | undefined {
    for (const c of this.candidates(normalizeModel(model))) {
      const p = c.project.find((e) => e.effectiveFrom <= at);
      if (p) return { ...p, source: 'project' };
      const b = c.builtin.find((e) => e.effectiveFrom <= at);
      if (b) return { ...b, source: 'builtin' };
    }
    return undefined;
  }
}
