// The redaction rules as the page edits them, and the PUT body they make. A draft row keeps what
// the inputs hold (an empty replacement, no fields ticked) and becomes the API's shape only when
// sent, where "empty" means "the default" (the field is left out).
import type { BuiltinName, CustomRule, RedactionField, RedactionRules } from './types';

export interface DraftRule {
  /** Stable across edits and reorders, for React: rule names change as they are typed. */
  id: number;
  name: string;
  pattern: string;
  flags: string;
  replacement: string;
  /** None ticked: every field. */
  fields: RedactionField[];
}

export interface Draft {
  builtins: Record<BuiltinName, boolean>;
  rules: DraftRule[];
}

let nextId = 1;

export function newRule(): DraftRule {
  return { id: nextId++, name: '', pattern: '', flags: '', replacement: '', fields: [] };
}

export function draftOf(rules: RedactionRules): Draft {
  return {
    builtins: { ...rules.builtins },
    rules: rules.rules.map((r) => ({ ...newRule(), name: r.name, pattern: r.pattern, flags: r.flags, replacement: r.replacement ?? '', fields: r.fields ?? [] })),
  };
}

/** The whole rule set: every built-in named (so the dry run, which reads unnamed ones as off, sees the same as a PUT). */
export function bodyOf(d: Draft): { builtins: Record<BuiltinName, boolean>; rules: CustomRule[] } {
  return {
    builtins: d.builtins,
    rules: d.rules.map((r) => ({
      name: r.name.trim(),
      pattern: r.pattern,
      flags: r.flags,
      ...(r.replacement === '' ? {} : { replacement: r.replacement }),
      ...(r.fields.length === 0 ? {} : { fields: r.fields }),
    })),
  };
}

/** Whether two drafts send the same thing (ids aside). */
export function sameRules(a: Draft, b: Draft): boolean {
  return JSON.stringify(bodyOf(a)) === JSON.stringify(bodyOf(b));
}
