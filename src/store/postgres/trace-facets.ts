// Store.traceFacets on PostgreSQL: a trace list page's models and scores, two statements for the
// whole page (run side by side on two pooled connections), shaped as the SQLite ones are.
import type pg from 'pg';
import type { TraceInclude } from '../../query/filter.js';
import { LIST_ROW_SCORE_CAP } from '../../model/schemas.js';
import { assembleFacets, type FacetModelRow, type FacetScoreRow, type TraceFacets } from '../trace-facets.js';
import { storable } from './dialect.js';

// spans_by_trace_model answers this from the index alone.
const MODELS_SQL = `SELECT DISTINCT t.id AS trace_id, s.model FROM traces t JOIN spans s ON s.trace_num = t.num
  WHERE t.project_id = $1 AND t.id = ANY($2::text[]) AND s.model IS NOT NULL`;

// A LATERAL LIMIT caps each trace's scores (newest first); COLLATE "C" orders ids by bytes, as SQLite does.
const SCORES_SQL = `SELECT t.id AS trace_id, x.span_id, x.name, x.value_type, x.num_value, x.str_value, x.comment, x.source
  FROM traces t CROSS JOIN LATERAL (
    SELECT sc.span_id, sc.name, sc.value_type, sc.num_value, sc.str_value, sc.comment, sc.source, sc.created_at, sc.id
    FROM scores sc WHERE sc.trace_num = t.num ORDER BY sc.created_at DESC, sc.id COLLATE "C" DESC LIMIT $3
  ) x
  WHERE t.project_id = $1 AND t.id = ANY($2::text[])
  ORDER BY t.num, x.created_at DESC, x.id COLLATE "C" DESC`;

export async function traceFacets(db: pg.Pool, projectId: number, ids: string[], want: TraceInclude): Promise<Map<string, TraceFacets>> {
  // Ids as stored: PostgreSQL text holds no NUL or lone surrogate (dialect.ts).
  const stored = ids.map(storable);
  const [models, scores]: [FacetModelRow[], FacetScoreRow[]] = await Promise.all([
    want.models && ids.length ? db.query<FacetModelRow>(MODELS_SQL, [projectId, stored]).then((r) => r.rows) : [],
    want.scores && ids.length ? db.query<FacetScoreRow>(SCORES_SQL, [projectId, stored, LIST_ROW_SCORE_CAP]).then((r) => r.rows) : [],
  ]);
  // Rows name the stored ids; answer under the ids as given (they differ only where storing changed one).
  const given = new Map(stored.map((s, i) => [s, ids[i]]));
  const asGiven = <R extends { trace_id: string }>(rows: R[]): R[] => rows.map((r) => ({ ...r, trace_id: given.get(r.trace_id) ?? r.trace_id }));
  return assembleFacets(ids, want, asGiven(models), asGiven(scores));
}
