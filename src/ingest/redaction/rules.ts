// A project's redaction settings (which built-ins are on, its own regexes), how they are
// checked before they are stored, and their compiled form. A custom pattern is refused when it
// does not compile, can match the empty string, uses a back-reference, nests quantifiers (the
// shapes that backtrack exponentially), or is slow on a probe of hostile text; at ingest it then
// runs over windows of at most WINDOW characters, the size the probe timed (redact.ts).
import vm from 'node:vm';
import { z } from 'zod';
import { BUILTIN_DETECTORS, BUILTIN_NAMES, type BuiltinName, type Detector } from './builtins.js';

/** The parts of an item redaction looks at. Ids, names, models, tags and other labels are never redacted. */
export const REDACTION_FIELDS = ['input', 'output', 'metadata', 'attributes', 'events', 'error', 'comment'] as const;
export type RedactionField = (typeof REDACTION_FIELDS)[number];

/** Characters a custom rule runs over at once; longer strings are scanned in overlapping windows. */
export const WINDOW = 4096;
/** How far windows overlap: a custom match up to this long is found wherever it falls. */
export const OVERLAP = 256;
/**
 * Budget for one probe text at PUT. Exponential and cubic patterns blow it at once; a quadratic
 * one (`[a-z]+@x`, common and useful) takes ~13 ms on its worst WINDOW and passes, so at ingest
 * its worst case stays a few ms per 4 KB window, linear in the string.
 */
const PROBE_MS = 50;

export const CustomRule = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - (1-64)').describe('Names the rule in counters and in the default replacement'),
  pattern: z.string().min(1).max(1000).describe('A JavaScript regular expression (without slashes)'),
  flags: z.string().regex(/^(?!.*(.).*\1)[imsu]*$/, 'a subset of i, m, s, u').default('').describe('Any of i, m, s, u (g is implied)'),
  replacement: z.string().max(200).optional().describe('Literal text put in place of a match; default [REDACTED:<name>]'),
  fields: z.array(z.enum(REDACTION_FIELDS)).min(1).optional().describe('Where the rule applies; default everywhere'),
});
export type CustomRule = z.infer<typeof CustomRule>;

const builtinShape = Object.fromEntries(BUILTIN_NAMES.map((n) => [n, z.boolean().default(false)])) as Record<BuiltinName, z.ZodDefault<z.ZodBoolean>>;
const builtinPatch = Object.fromEntries(BUILTIN_NAMES.map((n) => [n, z.boolean().optional()])) as Record<BuiltinName, z.ZodOptional<z.ZodBoolean>>;

export const RedactionRules = z.object({
  builtins: z.object(builtinShape).prefault({}).describe('Built-in detectors switched on (all off by default); see docs/redaction.md'),
  rules: z.array(CustomRule).max(50).default([]).describe('Custom rules, tried before the built-ins'),
});
export type RedactionRules = z.infer<typeof RedactionRules>;

/** A change: built-ins sent are switched key by key; `rules`, when sent, replaces the whole list. */
export const RedactionPatch = z.strictObject({
  builtins: z.strictObject(builtinPatch).optional(),
  rules: z.array(CustomRule).max(50).optional(),
});
export type RedactionPatch = z.infer<typeof RedactionPatch>;

/** The key of the rules inside `projects.settings`. */
export const REDACTION_SETTINGS_KEY = 'redaction';

export const DEFAULT_REDACTION: RedactionRules = RedactionRules.parse({});

/** The stored rules, defaults filled in. Stored rules were checked at PUT; unreadable ones read as the defaults (off). */
export function redactionRulesFrom(settings: Record<string, unknown> | null): RedactionRules {
  const parsed = RedactionRules.safeParse(settings?.[REDACTION_SETTINGS_KEY] ?? {});
  return parsed.success ? parsed.data : DEFAULT_REDACTION;
}

/**
 * Why a pattern's shape can backtrack exponentially, or null: a back-reference, or a group
 * repeated without bound that itself holds a variable quantifier or an alternation
 * (`(a+)+`, `(\w*\s?)*`, `(a|ab)*`). Cheap and conservative: a few safe patterns are refused
 * too, and the message says how to write them.
 */
export function backtrackingRisk(pattern: string): string | null {
  const stack: Array<{ varQuant: boolean; alt: boolean }> = [{ varQuant: false, alt: false }];
  /** Reads a quantifier at i: its length and whether it repeats (max > 1) and varies (min != max). */
  const quantAt = (i: number): { len: number; repeats: boolean; varies: boolean } | null => {
    const c = pattern[i];
    if (c === '*' || c === '+') return { len: pattern[i + 1] === '?' ? 2 : 1, repeats: true, varies: true };
    if (c === '?') return { len: pattern[i + 1] === '?' ? 2 : 1, repeats: false, varies: true };
    const m = c === '{' ? /^\{(\d+)(,(\d*))?\}\??/.exec(pattern.slice(i)) : null;
    if (!m) return null;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
    return { len: m[0].length, repeats: max > 1, varies: max !== min };
  };
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    const top = stack[stack.length - 1];
    if (c === '\\') {
      const n = pattern[i + 1];
      if ((n >= '1' && n <= '9') || n === 'k') return 'a back-reference';
      i++;
    } else if (c === '[') {
      // A class is one atom: skip to its unescaped end.
      for (i++; i < pattern.length && pattern[i] !== ']'; i++) if (pattern[i] === '\\') i++;
    } else if (c === '(') {
      stack.push({ varQuant: false, alt: false });
      continue;
    } else if (c === '|') {
      top.alt = true;
      continue;
    } else if (c === ')') {
      const group = stack.length > 1 ? stack.pop()! : top;
      const q = quantAt(i + 1);
      if (q?.repeats && (group.varQuant || group.alt)) {
        return `a repeated group holding ${group.alt ? 'an alternation' : 'a quantifier'} near "${pattern.slice(Math.max(0, i - 20), i + 1 + q.len)}"`;
      }
      const parent = stack[stack.length - 1];
      if (group.varQuant || q?.varies) parent.varQuant = true;
      if (q) i += q.len;
      continue;
    }
    const q = quantAt(i + 1);
    if (q) {
      if (q.varies) top.varQuant = true;
      i += q.len;
    }
  }
  return null;
}

/** Hostile text for the probe: runs of each character the pattern names, and of common classes, ending in a mismatch. */
function probeTexts(pattern: string): string[] {
  const chars = new Set(['a', 'A', '0', ' ', '-', '.', '_', '@', '/', ':']);
  for (const ch of pattern.replace(/\\./g, '')) if (/[\w@.:/ #=-]/.test(ch)) chars.add(ch);
  const texts = [...chars].slice(0, 24).map((ch) => ch.repeat(WINDOW - 1) + '\u0000');
  texts.push([...chars].join('').repeat(Math.ceil(WINDOW / chars.size)).slice(0, WINDOW - 1) + '\u0000');
  return texts;
}

/** Checks a custom rule; the message for a 400, or null when it may be stored. */
export function customRuleProblem(rule: CustomRule): string | null {
  let re: RegExp;
  try {
    re = new RegExp(rule.pattern, `${rule.flags}g`);
  } catch (e) {
    return `rule "${rule.name}": invalid regular expression: ${(e as Error).message}`;
  }
  if (new RegExp(rule.pattern, rule.flags).test('')) return `rule "${rule.name}": the pattern matches the empty string`;
  const risk = backtrackingRisk(rule.pattern);
  if (risk) {
    return `rule "${rule.name}": the pattern can backtrack catastrophically (${risk}); use bounded repeats such as {1,64} and no repeated group with a quantifier or | inside`;
  }
  // A vm timeout interrupts a regex mid-backtrack: the one way to bound a synchronous match.
  const context = vm.createContext({ re, t: '' });
  const script = new vm.Script('{ re.lastIndex = 0; let m; while ((m = re.exec(t))) if (m[0] === "") re.lastIndex++; }');
  const texts = probeTexts(rule.pattern);
  const within = (ms: number): boolean => {
    try {
      for (const t of texts) {
        context.t = t;
        script.runInContext(context, { timeout: ms });
      }
      return true;
    } catch (e) {
      if ((e as { code?: string }).code !== 'ERR_SCRIPT_EXECUTION_TIMEOUT') throw e;
      return false;
    }
  };
  if (within(PROBE_MS)) return null;
  // The timeout is wall-clock time, which a busy machine stretches for every pattern alike (a
  // pattern taking 13 ms was refused at a load of 6 on 2 cores): time the reference quadratic
  // pattern now and try again with the budget scaled to it. Catastrophic patterns take seconds
  // to forever and still fail.
  const budget = Math.min(MAX_PROBE_MS, Math.ceil(REFERENCE_MULTIPLE * referenceMs()));
  if (budget > PROBE_MS && within(budget)) return null;
  return `rule "${rule.name}": the pattern is too slow on ${WINDOW}-character probe text (over ${PROBE_MS} ms); bound its repeats, e.g. {1,64}`;
}

/** A probe may take this many times the reference pattern's time, when the machine is busy. */
const REFERENCE_MULTIPLE = 4;
/** Whatever the load, no probe waits longer. */
const MAX_PROBE_MS = 1000;

/** How long the quadratic `[a-z]+@x` takes on its worst WINDOW now (~13 ms on a quiet machine). */
function referenceMs(): number {
  const re = /[a-z]+@x/g;
  const t = 'a'.repeat(WINDOW - 1) + '\u0000';
  const start = performance.now();
  while (re.exec(t)) re.lastIndex++;
  return performance.now() - start;
}

/** Checks a whole rule set; the message for a 400, or null. */
export function rulesProblem(rules: RedactionRules): string | null {
  const seen = new Set<string>();
  for (const r of rules.rules) {
    if ((BUILTIN_NAMES as readonly string[]).includes(r.name)) return `rule "${r.name}": the name is a built-in's`;
    if (seen.has(r.name)) return `rule "${r.name}": two rules have this name`;
    seen.add(r.name);
    const p = customRuleProblem(r);
    if (p) return p;
  }
  return null;
}

export interface CompiledRule {
  name: string;
  replacement: string;
  detector: Detector;
  /** Custom patterns run over bounded windows; the built-ins are linear and run over the whole string. */
  windowed: boolean;
}

/** Rules ready to run, per field (in priority order: custom rules, then built-ins); null when nothing is on. */
export type CompiledRedaction = Record<RedactionField, CompiledRule[]> & { all: CompiledRule[] };

export function compileRules(rules: RedactionRules): CompiledRedaction | null {
  const scoped: Array<{ rule: CompiledRule; fields: readonly RedactionField[] }> = [];
  for (const r of rules.rules) {
    let re: RegExp;
    try {
      re = new RegExp(r.pattern, `${r.flags}g`);
    } catch {
      continue; // checked at PUT; a rule stored some other way that does not compile is skipped
    }
    scoped.push({
      rule: { name: r.name, replacement: r.replacement ?? `[REDACTED:${r.name}]`, detector: { name: r.name, patterns: [re] }, windowed: true },
      fields: r.fields ?? REDACTION_FIELDS,
    });
  }
  for (const n of BUILTIN_NAMES) {
    if (!rules.builtins[n]) continue;
    for (const detector of BUILTIN_DETECTORS[n]) scoped.push({ rule: { name: n, replacement: `[REDACTED:${n}]`, detector, windowed: false }, fields: REDACTION_FIELDS });
  }
  if (scoped.length === 0) return null;
  const out = { all: scoped.map((s) => s.rule) } as CompiledRedaction;
  for (const f of REDACTION_FIELDS) out[f] = scoped.filter((s) => s.fields.includes(f)).map((s) => s.rule);
  return out;
}
