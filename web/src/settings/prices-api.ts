// The model price API's shapes (GET|PUT|DELETE /api/v1/prices, docs/cost.md) and the units the
// page speaks. The API stores USD per token; people read and write prices per million tokens (as
// the built-in table's source and the CLI do), so the page converts at its edges only.
import { api } from '../lib/api';

/** One price entry as the API answers it. */
export interface PriceEntry {
  modelPattern: string;
  /** USD per input token that was not a cache read. */
  inputPrice: number;
  outputPrice: number;
  /** null: cache reads cost the input price. */
  cacheReadPrice: number | null;
  /** ISO time; the epoch means "always". */
  effectiveFrom: string;
}

export interface PriceList {
  data: PriceEntry[];
  builtin: PriceEntry[];
  match?: { model: string; at: string; price: (PriceEntry & { source: 'builtin' | 'project' }) | null };
}

/** What PUT takes for one entry; absent fields get the API's defaults. */
export interface PriceInput {
  modelPattern: string;
  inputPrice?: number;
  outputPrice?: number;
  cacheReadPrice?: number;
  effectiveFrom?: string;
}

export const PATH = '/api/v1/prices';
export const QUERY = ['settings', 'prices'];

export const getPrices = () => api<PriceList>(PATH);

export const putPrice = (p: PriceInput) => api<{ data: PriceEntry[] }>(PATH, { method: 'PUT', body: JSON.stringify({ prices: [p] }) });

export function deletePrice(p: Pick<PriceEntry, 'modelPattern' | 'effectiveFrom'>) {
  const q = new URLSearchParams({ modelPattern: p.modelPattern, effectiveFrom: p.effectiveFrom });
  return api<{ deleted: number }>(`${PATH}?${q}`, { method: 'DELETE' });
}

export function lookupPrice(model: string) {
  return api<PriceList>(`${PATH}?${new URLSearchParams({ model })}`);
}

const MILLION = 1_000_000;

/** USD per token as USD per million tokens, without the float dust of the multiplication (2.4999999999999996). */
export function perMillion(perToken: number): number {
  return Number((perToken * MILLION).toPrecision(12));
}

export function perToken(perMillionUsd: number): number {
  return Number((perMillionUsd / MILLION).toPrecision(12));
}

export function fmtPerMillion(perTokenUsd: number | null): string {
  if (perTokenUsd === null) return '–';
  return `$${perMillion(perTokenUsd).toLocaleString('en-US', { maximumFractionDigits: 6 })}`;
}

export const isAlways = (iso: string) => Date.parse(iso) === 0;

/** The day an entry starts (UTC, as the table's dates are written), or "always". */
export function fmtEffective(iso: string): string {
  if (isAlways(iso)) return 'always';
  const d = new Date(iso);
  const day = d.toISOString().slice(0, 10);
  // Entries made through the API may start mid-day; the time is then part of when it applies.
  return d.getUTCHours() || d.getUTCMinutes() || d.getUTCSeconds() ? `${day} ${d.toISOString().slice(11, 19)} UTC` : day;
}

/** An entry's identity for the API's upsert and delete: (pattern, effective time). */
export const entryKey = (p: Pick<PriceEntry, 'modelPattern' | 'effectiveFrom'>) => `${p.modelPattern}@${Date.parse(p.effectiveFrom)}`;
