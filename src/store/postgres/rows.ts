// Column lists that make PostgreSQL rows look exactly like the SQLite backend's (JSON as text,
// tags as a JSON array, the spans' seq as `rowid`), so both share one row → model conversion
// (shared/rows.ts) and answer identically.
import { READ_SPAN_COLUMNS } from '../shared/span-columns.js';

export const TRACE_COLUMNS = `t.num, t.project_id, t.id, t.external_id, t.name, t.status, t.start_time, t.end_time,
  t.duration_ms, t.input, t.output, t.user_id, t.session_id, t.environment, t.release, array_to_json(t.tags)::text AS tags,
  t.metadata::text AS metadata, t.test_id, t.span_count, t.error_count, t.input_tokens, t.output_tokens, t.total_tokens, t.cost_usd, t.created_at`;

/** The span read columns (span-columns.ts) as SpanRow's fields: jsonb as text. */
export const SPAN_COLUMNS = ['s.seq AS rowid', 't.id AS trace_id',
  ...READ_SPAN_COLUMNS.map((c) => (c.pg === 'jsonb' ? `s.${c.name}::text AS ${c.name}` : `s.${c.name}`))].join(', ');

export const SCORE_COLUMNS = `sc.project_id, sc.id, sc.trace_num, sc.span_id, sc.name, sc.value_type, sc.num_value, sc.str_value,
  sc.comment, sc.source, sc.created_at`;
