// The settings API's shapes, taken from the server's schemas as types only (nothing of them is
// bundled), and what each built-in redaction rule masks, worded after docs/redaction.md.
import type { CustomRule, RedactionField, RedactionRules } from '../../../src/ingest/redaction/rules';
import type { BuiltinName } from '../../../src/ingest/redaction/builtins';
import type { RetentionSettings } from '../../../src/store/retention';

export type { CustomRule, RedactionField, RedactionRules, BuiltinName, RetentionSettings };

/** GET|PUT /api/v1/project/redaction: the rules in force and what they masked on this server. */
export interface RedactionView extends RedactionRules {
  counters: { since: string; masked: Record<string, number> };
}

/** POST /api/v1/project/redaction/test. */
export interface RedactionTestResult {
  text: string;
  matches: Array<{ rule: string; start: number; end: number; text: string }>;
}

/**
 * A Record so that a built-in added on the server fails the typecheck here until it is described.
 * In the server's order (docs/redaction.md's table), which is also the order overlaps are settled in.
 */
const MASKS: Record<BuiltinName, string> = {
  email: 'E-mail addresses (local@domain.tld); not user@localhost, @mentions or a@b.',
  phone: 'Phone numbers: international (+44 20 7946 0958), North American, national with separators; not bare digit runs, dates or IPs.',
  card: 'Payment card numbers: 13-19 digits starting 2-6 that pass the Luhn check.',
  iban: 'IBANs (country code, check digits, 11-30 characters) that pass the ISO 13616 mod-97 check.',
  api_key: 'API keys of OpenAI, Anthropic, Loupe, Stripe, GitHub, Slack, Google and AWS, JSON Web Tokens, and Bearer credentials (the word Bearer stays).',
  token: 'Random-looking runs of 32-256 characters (unknown secrets, session tokens); may also mask a mixed-case id.',
};

export const BUILTINS = (Object.keys(MASKS) as BuiltinName[]).map((name) => ({ name, masks: MASKS[name] }));

/** Where a custom rule may apply (the server's REDACTION_FIELDS); none chosen means everywhere. */
export const FIELDS: readonly RedactionField[] = ['input', 'output', 'metadata', 'attributes', 'events', 'error', 'comment'];
