// A command's arguments, checked before anything runs: an option the command does not take, or a
// number that is not one, is a usage error that names what would have been accepted, rather than
// a default silently taking its place.
import { parseArgs } from 'node:util';
import { COMMANDS } from './usage.js';

/** A mistake in how the CLI was called: main prints it with a pointer to the help. */
export class UsageError extends Error {
  constructor(message: string, readonly command?: string) {
    super(message);
  }
}

// 1, like every other refusal of the CLI (a bad --days or --scopes, an unknown key id, a server's
// 4xx), so a script only has to tell 0 from non-zero.
export const USAGE_EXIT = 1;

export interface ParsedArgs {
  values: Record<string, string | undefined>;
  positionals: string[];
  help: boolean;
}

export function parseCommandArgs(command: string, args: string[]): ParsedArgs {
  const known = COMMANDS[command].options;
  const options: Record<string, { type: 'string' } | { type: 'boolean'; short: string }> = { help: { type: 'boolean', short: 'h' } };
  for (const o of known) options[o] = { type: 'string' };
  const parsed = parse(args, options, known, command);
  const { help, ...rest } = parsed.values as Record<string, string | boolean | Array<string | boolean> | undefined>;
  const values: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(rest)) if (typeof v === 'string') values[k] = v;
  return { values, positionals: parsed.positionals, help: help === true };
}

function parse(args: string[], options: NonNullable<Parameters<typeof parseArgs>[0]>['options'], known: string[], command: string) {
  try {
    return parseArgs({ args, allowPositionals: true, strict: true, options });
  } catch (e) {
    throw new UsageError(explain(e as Error & { code?: string }, known), command);
  }
}

function explain(e: Error & { code?: string }, known: string[]): string {
  const list = known.map((o) => `--${o}`).join(', ');
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const flag = /'([^']+)'/.exec(e.message)?.[1] ?? 'that option';
    return `unknown option ${flag}; this command takes ${list || 'no options'} (and --help)`;
  }
  // a string option given last without a value, or a boolean given one
  return e.message.replace(/^Option '([^']+)'.*argument missing$/, 'option $1 needs a value');
}

/**
 * A whole number from an option (or its environment variable), within [min, max]; `fallback` when
 * neither is given. The name in the message is what the user typed, so they can find it.
 */
export function intOption(raw: string | undefined, name: string, range: { min: number; max: number }, fallback: number, command?: string): number {
  if (raw === undefined) return fallback;
  const text = raw.trim();
  const n = /^-?\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < range.min || n > range.max) {
    throw new UsageError(`${name} must be a whole number from ${range.min} to ${range.max} (got "${raw}")`, command);
  }
  return n;
}
