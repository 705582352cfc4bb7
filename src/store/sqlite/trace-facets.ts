// Store.traceFacets on SQLite: a trace list page's models and scores, two statements for the
// whole page. The page's ids travel as one JSON array (json_each), so the statement text is the
// same whatever the page size and stays in the statement cache.
import type { TraceInclude } from '../../query/filter.js';
import { LIST_ROW_SCORE_CAP } from '../../model/schemas.js';
import { assembleFacets, type FacetModelRow, type FacetScoreRow, type TraceFacets } from '../trace-facets.js';
import type { StatementCache } from './statement-cache.js';

const PAGE_TRACES = 't.project_id = ? AND t.id IN (SELECT value FROM json_each(?))';

// spans_by_trace finds a trace's spans; DISTINCT leaves one row per (trace, model).
const MODELS_SQL = `SELECT DISTINCT t.id AS trace_id, s.model FROM traces t JOIN spans s ON s.trace_num = t.num
  WHERE ${PAGE_TRACES} AND s.model IS NOT NULL`;

// row_number numbers each trace's scores newest first, so the cap holds per trace, not per page.
const SCORES_SQL = `SELECT trace_id, span_id, name, value_type, num_value, str_value, comment, source FROM (
  SELECT t.id AS trace_id, sc.span_id, sc.name, sc.value_type, sc.num_value, sc.str_value, sc.comment, sc.source,
    row_number() OVER (PARTITION BY sc.trace_num ORDER BY sc.created_at DESC, sc.id DESC) AS n
  FROM traces t JOIN scores sc ON sc.trace_num = t.num WHERE ${PAGE_TRACES}
) WHERE n <= ? ORDER BY n`;

export function traceFacets(stmts: StatementCache, projectId: number, ids: string[], want: TraceInclude): Map<string, TraceFacets> {
  const json = JSON.stringify(ids);
  const models = want.models && ids.length ? (stmts.get(MODELS_SQL).all(projectId, json) as FacetModelRow[]) : [];
  const scores = want.scores && ids.length ? (stmts.get(SCORES_SQL).all(projectId, json, LIST_ROW_SCORE_CAP) as FacetScoreRow[]) : [];
  return assembleFacets(ids, want, models, scores);
}
