// Export as a stream of JSONL lines: pages of traces through the keyset cursor, one line a trace,
// produced only as fast as the consumer reads (an async generator is pulled, never pushed), so
// memory holds one page whatever the size of the export.
import { LoupeError } from '../errors.js';
import type { Store } from '../store/store.js';
import { parseTraceQuery, type Order, type RawQuery, type TraceFilter } from '../query/filter.js';
import { decodeCursor } from '../query/cursor.js';

export interface ExportQuery {
  filter: TraceFilter;
  order: Order;
  cursor?: string;
  /** Most traces to export; all that match when absent. */
  limit?: number;
}

/** The trace-list filters; `limit` caps the whole export (not a page), `order` defaults to asc (oldest first). */
export function parseExportQuery(raw: RawQuery): ExportQuery {
  const { limit: rawLimit, order: rawOrder, ...rest } = raw;
  const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[v.length - 1] : v);
  const lim = one(rawLimit);
  let limit: number | undefined;
  if (lim !== undefined) {
    limit = Number(lim);
    if (!Number.isSafeInteger(limit) || limit < 1) throw new LoupeError('invalid_query', `limit: expected a positive integer, got "${lim}"`);
  }
  const order = one(rawOrder) ?? 'asc';
  if (order !== 'asc' && order !== 'desc') throw new LoupeError('invalid_query', `order: expected asc or desc, got "${order}"`);
  const { filter, page } = parseTraceQuery(rest);
  if (page.cursor) decodeCursor(page.cursor); // refuse a bad cursor before the stream starts
  return { filter, order, cursor: page.cursor, limit };
}

export const EXPORT_PAGE_SIZE = 200;

export async function* exportLines(store: Store, projectId: number, q: ExportQuery, pageSize = EXPORT_PAGE_SIZE): AsyncGenerator<string> {
  let cursor = q.cursor;
  let left = q.limit ?? Number.POSITIVE_INFINITY;
  while (left > 0) {
    const page = await store.exportTraces(projectId, q.filter, { limit: Math.min(pageSize, left), cursor, order: q.order });
    for (const record of page.data) yield `${JSON.stringify(record)}\n`;
    left -= page.data.length;
    if (!page.nextCursor) return;
    cursor = page.nextCursor;
  }
}
