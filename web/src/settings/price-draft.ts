// A price entry as the form edits it: what the boxes hold (per million tokens, a UTC day), turned
// into the API's body only when sent. An empty box is left out so the API says what it needs
// (a price) or applies its default (cache reads at the input price, "always").
import { ApiError } from '../lib/api';
import { isAlways, perMillion, perToken, type PriceEntry, type PriceInput } from './prices-api';

export interface PriceDraft {
  modelPattern: string;
  input: string;
  output: string;
  cacheRead: string;
  /** YYYY-MM-DD (UTC); empty: always. */
  from: string;
  /** The entry being edited, when it is an edit: its identity may change with the edit. */
  editing: PriceEntry | null;
}

export type PriceField = 'modelPattern' | 'input' | 'output' | 'cacheRead' | 'from';

export const emptyDraft = (): PriceDraft => ({ modelPattern: '', input: '', output: '', cacheRead: '', from: '', editing: null });

const box = (perTokenUsd: number | null) => (perTokenUsd === null ? '' : String(perMillion(perTokenUsd)));

/** A draft from an entry: `editing` it, or a new override starting from a built-in's numbers. */
export function draftOf(p: PriceEntry, editing: boolean): PriceDraft {
  return {
    modelPattern: p.modelPattern,
    input: box(p.inputPrice),
    output: box(p.outputPrice),
    cacheRead: box(p.cacheReadPrice),
    from: editing && !isAlways(p.effectiveFrom) ? p.effectiveFrom.slice(0, 10) : '',
    editing: editing ? p : null,
  };
}

const price = (v: string) => (v.trim() === '' ? undefined : perToken(Number(v)));

export function inputOf(d: PriceDraft): PriceInput {
  const out: PriceInput = { modelPattern: d.modelPattern.trim() };
  const input = price(d.input);
  const output = price(d.output);
  const cacheRead = price(d.cacheRead);
  if (input !== undefined) out.inputPrice = input;
  if (output !== undefined) out.outputPrice = output;
  if (cacheRead !== undefined) out.cacheReadPrice = cacheRead;
  // An edited entry that was not on a day boundary keeps its exact time unless the day is changed.
  if (d.editing && !isAlways(d.editing.effectiveFrom) && d.editing.effectiveFrom.slice(0, 10) === d.from) out.effectiveFrom = d.editing.effectiveFrom;
  else if (d.from !== '') out.effectiveFrom = `${d.from}T00:00:00Z`;
  return out;
}

const API_FIELDS: Record<string, PriceField> = {
  modelPattern: 'modelPattern', inputPrice: 'input', outputPrice: 'output', cacheReadPrice: 'cacheRead', effectiveFrom: 'from',
};

/**
 * The API's refusal pinned to the boxes it is about: zod issues come as details with a path
 * (prices.0.inputPrice), the route's own checks only as a message starting with the path.
 */
export function fieldErrors(e: unknown): Partial<Record<PriceField, string>> {
  if (!(e instanceof ApiError)) return {};
  const out: Partial<Record<PriceField, string>> = {};
  const issues = Array.isArray(e.details) ? (e.details as Array<{ path?: unknown; message?: unknown }>) : [];
  for (const i of issues) {
    const field = typeof i.path === 'string' ? API_FIELDS[i.path.split('.').pop() ?? ''] : undefined;
    if (field && typeof i.message === 'string') out[field] ??= i.message;
  }
  const m = /^prices\.\d+\.(\w+): (.*)$/s.exec(e.message);
  if (m && API_FIELDS[m[1]] && Object.keys(out).length === 0) out[API_FIELDS[m[1]]] = m[2];
  return out;
}
