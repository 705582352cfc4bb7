// Per-project price tables, cached in memory: built once from the built-in table and the
// project's overrides, dropped when the project's prices change (PUT /api/v1/prices) and after
// a short TTL, so a change made by another server or by the CLI on the same database is seen.
import type { SpanUpsert } from '../model/batch.js';
import { BUILTIN_PRICES } from './prices.js';
import { PriceTable } from './match.js';
import { costOf } from './compute.js';
import type { ModelPrice } from './types.js';

export interface PriceSource {
  listPrices(projectId: number): Promise<ModelPrice[]>;
}

export class PriceBook {
  private readonly cache = new Map<number, { table: Promise<PriceTable>; loadedAt: number }>();

  constructor(private readonly store: PriceSource, private readonly ttlMs = 30_000, private readonly builtin: readonly ModelPrice[] = BUILTIN_PRICES) {}

  table(projectId: number): Promise<PriceTable> {
    const hit = this.cache.get(projectId);
    if (hit && Date.now() - hit.loadedAt < this.ttlMs) return hit.table;
    const table = this.store.listPrices(projectId).then((own) => new PriceTable(this.builtin, own));
    this.cache.set(projectId, { table, loadedAt: Date.now() });
    table.catch(() => this.cache.delete(projectId));
    return table;
  }

  invalidate(projectId: number): void {
    this.cache.delete(projectId);
  }
}

/** Spans whose cost the pipeline should work out: no cost given, a model, and some token count. */
export function needsCost(s: SpanUpsert): boolean {
  return s.costUsd === undefined && !!s.model && (s.usage?.inputTokens !== undefined || s.usage?.outputTokens !== undefined);
}

/**
 * Sets costUsd on spans that carry a model and usage but no cost, at the price effective at the
 * span's start (or, for a span part without a start, when the request arrived). A span whose
 * model and usage arrive in different parts is not priced: the pipeline sees one part at a time.
 */
export async function applyCost(book: PriceBook, projectId: number, spans: SpanUpsert[], receivedAt: number): Promise<void> {
  if (!spans.some(needsCost)) return;
  const table = await book.table(projectId);
  for (const s of spans) {
    if (!needsCost(s)) continue;
    const price = table.lookup(s.model as string, s.startTime ?? receivedAt);
    if (price) s.costUsd = costOf(s.usage, price);
  }
}
