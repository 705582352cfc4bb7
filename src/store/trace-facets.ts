// traceFacets' answer (Store.traceFacets: the extras of a trace list page) assembled from rows
// that both backends select in the same shape, so that SQLite and PostgreSQL answer identically.
import type { BriefScore } from '../model/schemas.js';
import type { TraceInclude } from '../query/filter.js';
import type { ScoreRow } from './shared/rows.js';
import { scoreValue } from './shared/rows.js';

/** What traceFacets gives one trace: only the fields that were asked for are set. */
export interface TraceFacets {
  models?: string[];
  scores?: BriefScore[];
}

/** One (trace, model) pair; the backend selects each pair once and leaves null models out. */
export interface FacetModelRow {
  trace_id: string;
  model: string;
}

/** One score of a trace, in the order the trace's list should show them. */
export type FacetScoreRow = Pick<ScoreRow, 'trace_id' | 'span_id' | 'name' | 'value_type' | 'num_value' | 'str_value' | 'comment' | 'source'>;

/**
 * Every id gets an entry, with empty arrays where the trace has none (or is not in the project),
 * so the route needs no "missing" case. Models are sorted here rather than in SQL: the two
 * databases collate text differently, and JavaScript's order is the same whichever answered.
 */
export function assembleFacets(ids: readonly string[], want: TraceInclude, models: FacetModelRow[], scores: FacetScoreRow[]): Map<string, TraceFacets> {
  const out = new Map<string, TraceFacets>();
  for (const id of ids) {
    const f: TraceFacets = {};
    if (want.models) f.models = [];
    if (want.scores) f.scores = [];
    out.set(id, f);
  }
  if (want.models) {
    for (const r of models) out.get(r.trace_id)?.models?.push(r.model);
    for (const f of out.values()) f.models?.sort();
  }
  if (want.scores) {
    for (const r of scores) {
      out.get(r.trace_id)?.scores?.push({ name: r.name, value: scoreValue(r), source: r.source, comment: r.comment, spanId: r.span_id });
    }
  }
  return out;
}
