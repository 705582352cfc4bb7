// Fetching pages of the trace list for a URL state: the API's filters, a cursor, and the
// include= that adds each row's models and scores.
import { api } from '../lib/api';
import type { Page, TraceRow } from '../lib/types';
import { apiParams } from './list-params';

export const PAGE = 100;

export interface Fetched extends Page<TraceRow> {
  /** The `from` this page was asked with: a preset range resolved once keeps its pages in step. */
  from: string | null;
}

export function fetchTraces(url: URLSearchParams, cursor: string | null, from: string | null, limit = PAGE): Promise<Fetched> {
  const q = apiParams(url, Date.now());
  if (from) q.set('from', from);
  if (cursor) q.set('cursor', cursor);
  q.set('limit', String(limit));
  q.set('include', 'models,scores');
  return api<Page<TraceRow>>(`/api/v1/traces?${q}`).then((p) => ({ ...p, from: q.get('from') }));
}
