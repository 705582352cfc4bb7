// The write path's statements. Each takes one json parameter: the rows of a round, read with
// json_to_recordset. The merge rules are SQLite's (sqlite/write.ts): COALESCE keeps what a part
// leaves out, maps merge with loupe_merge_patch (= json_patch), a span once `error` stays so; the
// span statements' columns and rules come from the spans column table (shared/span-columns.ts).
import { MERGED_SPAN_COLUMNS, WRITTEN_SPAN_COLUMNS, WRITTEN_SPAN_COLUMN_NAMES, type SpanColumnSpec } from '../shared/span-columns.js';

const TRACE_FIELDS = `num bigint, external_id text, name text, status text, start_time bigint, end_time bigint, duration_us bigint,
  input text, output text, user_id text, session_id text, environment text, release text, metadata jsonb, test_id text`;

export const TRACE_UPDATE_SQL = `UPDATE traces t SET
  external_id = coalesce(r.external_id, t.external_id),
  name = coalesce(r.name, t.name),
  given_status = coalesce(r.status, t.given_status),
  given_start = coalesce(r.start_time, t.given_start),
  -- a duration without an end ends the trace that long after its (given or stored) start
  given_end = coalesce(r.end_time, r.duration_us + coalesce(r.start_time, t.given_start, t.start_time), t.given_end),
  input = coalesce(r.input, t.input),
  output = coalesce(r.output, t.output),
  user_id = coalesce(r.user_id, t.user_id),
  session_id = coalesce(r.session_id, t.session_id),
  environment = coalesce(r.environment, t.environment),
  release = coalesce(r.release, t.release),
  metadata = CASE WHEN r.metadata IS NULL THEN t.metadata ELSE loupe_merge_patch(coalesce(t.metadata, '{}'), r.metadata) END,
  test_id = coalesce(r.test_id, t.test_id)
FROM json_to_recordset($1::json) AS r(${TRACE_FIELDS})
WHERE t.num = r.num`;

/** The write's span rows (postgres/write.ts spanRow): the written span columns (span-columns.ts), and when the write arrived. */
const SPAN_FIELDS = WRITTEN_SPAN_COLUMNS.flatMap((c) => (c.name === 'project_id' ? [`${c.name} ${c.pg}`, 'received_at bigint'] : [`${c.name} ${c.pg}`])).join(', ');

/** How a later part merges into a stored column (span-columns.ts SpanMerge). */
function spanMerge(c: SpanColumnSpec): string {
  const col = c.name;
  if (c.merge === 'errorSticks') return `${col} = CASE WHEN s.${col} = 'error' THEN s.${col} ELSE coalesce(r.${col}, s.${col}) END`;
  if (c.merge === 'patch') return `${col} = CASE WHEN r.${col} IS NULL THEN s.${col} ELSE loupe_merge_patch(coalesce(s.${col}, '{}'), r.${col}) END`;
  return `${col} = coalesce(r.${col}, s.${col})`;
}

/**
 * Later parts of spans already stored. Safe as a plain UPDATE then INSERT (no ON CONFLICT):
 * every writer holds the lock on a span's trace row before it writes the span.
 */
export const SPAN_UPDATE_SQL = `UPDATE spans s SET
  ${MERGED_SPAN_COLUMNS.map(spanMerge).join(',\n  ')}
FROM json_to_recordset($1::json) AS r(${SPAN_FIELDS})
WHERE s.trace_num = r.trace_num AND s.id = r.id`;

/** First parts of new spans: a span that names no start starts when its request arrived. */
export const SPAN_INSERT_SQL = `INSERT INTO spans (${WRITTEN_SPAN_COLUMN_NAMES.join(', ')})
  SELECT ${WRITTEN_SPAN_COLUMNS.map((c) => (c.orReceivedAt ? `coalesce(r.${c.name}, r.received_at)` : `r.${c.name}`)).join(', ')}
  FROM json_to_recordset($1::json) AS r(${SPAN_FIELDS})
  WHERE NOT EXISTS (SELECT 1 FROM spans s WHERE s.trace_num = r.trace_num AND s.id = r.id)`;

export const SCORE_UPSERT_SQL = `INSERT INTO scores (project_id, id, trace_num, span_id, name, value_type, num_value, str_value, comment, source, created_at)
  SELECT r.project_id, r.id, r.trace_num, r.span_id, r.name, r.value_type, r.num_value, r.str_value, r.comment, r.source, r.created_at
  FROM json_to_recordset($1::json) AS r(project_id bigint, id text, trace_num bigint, span_id text, name text, value_type text,
    num_value double precision, str_value text, comment text, source text, created_at bigint)
  ON CONFLICT (project_id, id) DO UPDATE SET trace_num = excluded.trace_num, span_id = excluded.span_id, name = excluded.name,
    value_type = excluded.value_type, num_value = excluded.num_value, str_value = excluded.str_value,
    comment = coalesce(excluded.comment, scores.comment), source = excluded.source`;

const LLM = `s.kind IN ('llm', 'embedding')`;

/**
 * Rollups of the touched traces ($1: their nums), recomputed from all their spans: counts,
 * tokens and cost (llm and embedding spans only), times, then status. Same rules as SQLite.
 */
export const ROLLUP_SQL = `UPDATE traces t SET
  span_count = r.span_count, error_count = r.error_count, open_count = r.open_count,
  input_tokens = r.input_tokens, output_tokens = r.output_tokens, total_tokens = r.total_tokens,
  cost_usd = r.cost_usd, span_start = r.span_start, span_end = r.span_end,
  -- until the root span names it, a trace takes the name of its earliest span
  name = coalesce(t.name, (SELECT s.name FROM spans s WHERE s.trace_num = t.num ORDER BY s.start_time, s.seq LIMIT 1)),
  start_time = coalesce(least(t.given_start, r.span_start), t.created_at),
  end_time = greatest(t.given_end, r.span_end),
  status = CASE
    WHEN t.given_status = 'error' OR r.error_count > 0 THEN 'error'
    WHEN t.given_status IS NOT NULL THEN t.given_status
    WHEN r.open_count > 0 THEN 'pending'
    WHEN r.span_count = 0 AND t.given_end IS NULL THEN 'pending'
    ELSE 'success' END
FROM (
  SELECT n.num,
    count(s.id) AS span_count,
    count(*) FILTER (WHERE s.status = 'error') AS error_count,
    count(*) FILTER (WHERE s.id IS NOT NULL AND s.end_time IS NULL) AS open_count,
    coalesce(sum(s.input_tokens) FILTER (WHERE ${LLM}), 0)::bigint AS input_tokens,
    coalesce(sum(s.output_tokens) FILTER (WHERE ${LLM}), 0)::bigint AS output_tokens,
    coalesce(sum(coalesce(s.total_tokens, coalesce(s.input_tokens, 0) + coalesce(s.output_tokens, 0))) FILTER (WHERE ${LLM}), 0)::bigint AS total_tokens,
    sum(s.cost_usd) FILTER (WHERE ${LLM}) AS cost_usd,
    min(s.start_time) AS span_start,
    max(coalesce(s.end_time, s.start_time)) AS span_end
  FROM unnest($1::bigint[]) AS n(num) LEFT JOIN spans s ON s.trace_num = n.num
  GROUP BY n.num
) r
WHERE t.num = r.num`;
