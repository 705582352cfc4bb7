// SQLite's column lists for the shared row shapes (shared/rows.ts, which converts them into the
// model), and the raw-mode span read.
import type Database from 'better-sqlite3';
import type { SpanRow } from '../shared/rows.js';
import { BODY_SPAN_COLUMN_NAMES, SPAN_ROW_FIELDS } from '../shared/span-columns.js';
import { chunkedColumn } from './chunks.js';

export const TRACE_COLUMNS = `t.num, t.project_id, t.id, t.external_id, t.name, t.status, t.start_time, t.end_time,
  t.duration_ms, t.input, t.output, t.user_id, t.session_id, t.environment, t.release, t.tags, t.metadata, t.test_id,
  t.span_count, t.error_count, t.input_tokens, t.output_tokens, t.total_tokens, t.cost_usd, t.created_at`;

/** SpanRow's fields in the order SPAN_COLUMNS selects them (span-columns.ts). */
const SPAN_FIELDS = SPAN_ROW_FIELDS;

/** The JSON body columns, content-addressed (chunks.ts): read through chunkedColumn. */
const CHUNKED_FIELDS = new Set<string>(BODY_SPAN_COLUMN_NAMES);

/** The span columns, with the trace id read from `traceId` (the joined `t.id`, or a bound `?`). */
export function spanColumns(traceId = 't.id'): string {
  return SPAN_FIELDS.map((f) => (f === 'trace_id' ? `${traceId} AS trace_id` : CHUNKED_FIELDS.has(f) ? chunkedColumn(`s.${f}`, f) : `s.${f}`)).join(', ');
}

export const SPAN_COLUMNS = spanColumns();

/**
 * An array in SPAN_COLUMNS order as a SpanRow. Generated as one object literal: V8 builds that
 * shape in one step, where a loop of keyed stores took as long as better-sqlite3's own objects.
 */
const spanRowOf = new Function('a', `return { ${SPAN_FIELDS.map((f, i) => `${f}: a[${i}]`).join(', ')} };`) as (a: unknown[]) => SpanRow;

/**
 * Span rows from a statement in better-sqlite3's raw mode (arrays), made into objects here: with
 * its own objects, reading a 5,000-span trace took twice as long (91 ms against 40 here).
 */
export function spanRows(stmt: Database.Statement, ...params: unknown[]): SpanRow[] {
  return (stmt.raw(true).all(...params) as unknown[][]).map(spanRowOf);
}
