// The spans table's columns, once, for both backends: each column's SQL name, where a write takes
// its value (SpanUpsert), how that value is encoded, how a later part of the span merges into the
// stored value, what PostgreSQL types it as, and what a read gives (SpanRow). From this table come
// the insert's column list and its positional row (sqlite/write.ts, postgres/write.ts), the merge
// UPDATE (both), the read column lists (sqlite/rows.ts, postgres/rows.ts), the exports' span
// columns and the SpanRow type (shared/rows.ts).
import type { SpanUpsert } from '../../model/batch.js';
import type { Usage } from '../../model/schemas.js';
import type { SpanKind, SpanStatus } from '../../model/enums.js';
import type { SpanJsonValue } from '../sqlite/blobs.js';

/**
 * Where a write takes a column's value: the trace row's num or the project the write is for, a
 * SpanUpsert field, or a usage field by its path (`usage.inputTokens`).
 */
export type SpanSource = 'traceNum' | 'projectId' | Exclude<keyof SpanUpsert, 'traceId' | 'usage'> | `usage.${keyof Usage}`;

/**
 * How a given value becomes the stored one (an absent value is "not said": NULL, which a merge
 * leaves as stored):
 * - value: as it is;
 * - status: as it is, but 'unset' is not said;
 * - json: its JSON text (any JSON value; undefined is not said);
 * - map: an object's JSON text; no keys is not said;
 * - list: an array's JSON text; empty is not said.
 */
export type SpanEncoding = 'value' | 'status' | 'json' | 'map' | 'list';

/**
 * How a later part of a span merges into the stored row:
 * - key: names the row (or never changes): not updated;
 * - keep: a given value wins, else the stored one stays (coalesce);
 * - errorSticks: as keep, but a stored 'error' stays;
 * - patch: a JSON object merged key by key (RFC 7386: json_patch, loupe_merge_patch). SQLite cannot
 *   patch a body column in SQL (it may be chunk-encoded): its write path merges it in JS and the
 *   UPDATE takes the result as given (keep).
 */
export type SpanMerge = 'key' | 'keep' | 'errorSticks' | 'patch';

/** The PostgreSQL type a write's rows give the column (json_to_recordset); jsonb reads as text. */
export type PgType = 'bigint' | 'text' | 'jsonb' | 'double precision';

export interface SpanColumnSpec {
  /** The column's SQL name, and the SpanRow field it reads as. */
  readonly name: string;
  /** Where a write takes its value; absent: the store computes it (a generated column), never written. */
  readonly from?: SpanSource;
  /** Default 'value'. */
  readonly as?: SpanEncoding;
  /** A new row without a value takes the time its write arrived (a merge leaves it as stored). */
  readonly orReceivedAt?: true;
  /** A JSON body column (input, output, attributes, events): SQLite stores it content-addressed (chunks.ts), read through a JsonReader. */
  readonly body?: true;
  readonly merge: SpanMerge;
  readonly pg: PgType;
  /** The type a read gives (phantom: only its type is used); absent: not read into SpanRow. */
  readonly row?: unknown;
}

/** A phantom value of type T, for SpanColumnSpec.row. */
const read = <T>(): T => undefined as T;

/** The spans columns, in the order of the insert's positional row. */
export const SPAN_COLUMN_TABLE = [
  { name: 'trace_num', from: 'traceNum', merge: 'key', pg: 'bigint' },
  { name: 'id', from: 'id', merge: 'key', pg: 'text', row: read<string>() },
  { name: 'project_id', from: 'projectId', merge: 'key', pg: 'bigint', row: read<number>() },
  { name: 'parent_id', from: 'parentId', merge: 'keep', pg: 'text', row: read<string | null>() },
  { name: 'kind', from: 'kind', merge: 'keep', pg: 'text', row: read<SpanKind | null>() },
  { name: 'name', from: 'name', merge: 'keep', pg: 'text', row: read<string | null>() },
  { name: 'status', from: 'status', as: 'status', merge: 'errorSticks', pg: 'text', row: read<SpanStatus | null>() },
  { name: 'error', from: 'error', merge: 'keep', pg: 'text', row: read<string | null>() },
  { name: 'start_time', from: 'startTime', orReceivedAt: true, merge: 'keep', pg: 'bigint', row: read<number>() },
  { name: 'end_time', from: 'endTime', merge: 'keep', pg: 'bigint', row: read<number | null>() },
  { name: 'duration_ms', merge: 'key', pg: 'double precision', row: read<number | null>() },
  { name: 'input', from: 'input', as: 'json', body: true, merge: 'keep', pg: 'text', row: read<SpanJsonValue>() },
  { name: 'output', from: 'output', as: 'json', body: true, merge: 'keep', pg: 'text', row: read<SpanJsonValue>() },
  { name: 'model', from: 'model', merge: 'keep', pg: 'text', row: read<string | null>() },
  { name: 'provider', from: 'provider', merge: 'keep', pg: 'text', row: read<string | null>() },
  { name: 'params', from: 'params', as: 'map', merge: 'patch', pg: 'jsonb', row: read<string | null>() },
  { name: 'input_tokens', from: 'usage.inputTokens', merge: 'keep', pg: 'bigint', row: read<number | null>() },
  { name: 'output_tokens', from: 'usage.outputTokens', merge: 'keep', pg: 'bigint', row: read<number | null>() },
  { name: 'total_tokens', from: 'usage.totalTokens', merge: 'keep', pg: 'bigint', row: read<number | null>() },
  { name: 'cache_read_tokens', from: 'usage.cacheReadTokens', merge: 'keep', pg: 'bigint', row: read<number | null>() },
  { name: 'cache_write_tokens', from: 'usage.cacheWriteTokens', merge: 'keep', pg: 'bigint', row: read<number | null>() },
  { name: 'reasoning_tokens', from: 'usage.reasoningTokens', merge: 'keep', pg: 'bigint', row: read<number | null>() },
  { name: 'cost_usd', from: 'costUsd', merge: 'keep', pg: 'double precision', row: read<number | null>() },
  { name: 'metadata', from: 'metadata', as: 'map', merge: 'patch', pg: 'jsonb', row: read<string | null>() },
  { name: 'attributes', from: 'attributes', as: 'map', body: true, merge: 'patch', pg: 'jsonb', row: read<SpanJsonValue>() },
  { name: 'events', from: 'events', as: 'list', body: true, merge: 'keep', pg: 'text', row: read<SpanJsonValue>() },
  { name: 'links', from: 'links', as: 'list', merge: 'keep', pg: 'text', row: read<string | null>() },
] as const satisfies readonly SpanColumnSpec[];

type Table = (typeof SPAN_COLUMN_TABLE)[number];
export type SpanColumnName = Table['name'];
/** A column a write gives a value. */
export type WrittenSpanColumn = Extract<Table, { from: SpanSource }>;
type ReadColumn = Extract<Table, { row: unknown }>;

export const SPAN_COLUMN_SPECS: readonly SpanColumnSpec[] = SPAN_COLUMN_TABLE;

/** The columns a write gives (all but generated ones), in the insert's positional order. */
export const WRITTEN_SPAN_COLUMNS = SPAN_COLUMN_SPECS.filter((c) => c.from !== undefined) as readonly (SpanColumnSpec & { from: SpanSource })[];
/** Their names: the insert's column list. */
export const WRITTEN_SPAN_COLUMN_NAMES = WRITTEN_SPAN_COLUMNS.map((c) => c.name) as readonly WrittenSpanColumn['name'][];

/** A stored span row as both stores' reads give it: the row's own key, its trace's id, and the read columns. */
export type SpanRow = { rowid: number; trace_id: string } & { [C in ReadColumn as C['name']]: C['row'] };

/** The read columns (SpanRow's fields after rowid and trace_id), in table order. */
export const READ_SPAN_COLUMNS = SPAN_COLUMN_SPECS.filter((c) => 'row' in c);

/** SpanRow's fields in the order the backends select them: rowid, trace_id, then the read columns. */
export const SPAN_ROW_FIELDS = ['rowid', 'trace_id', ...READ_SPAN_COLUMNS.map((c) => c.name)] as readonly (keyof SpanRow)[];

/** The columns a merge updates (not the key ones, nor generated ones). */
export const MERGED_SPAN_COLUMNS = WRITTEN_SPAN_COLUMNS.filter((c) => c.merge !== 'key');

/** The JSON body columns' names (input, output, attributes, events), in table order. */
export const BODY_SPAN_COLUMN_NAMES = SPAN_COLUMN_SPECS.filter((c) => c.body).map((c) => c.name) as readonly SpanColumnName[];

/** A column's name as a camel-case parameter name (start_time → startTime). */
export const paramName = (column: string): string => column.replace(/_([a-z])/g, (_, x: string) => x.toUpperCase());

/** A JS expression for the column's given value, with the SpanUpsert as `s`, its usage as `u`, and `traceNum`, `projectId` in scope. */
export function sourceExpr(from: SpanSource): string {
  if (from === 'traceNum' || from === 'projectId') return from;
  return from.startsWith('usage.') ? `u?.${from.slice(6)}` : `s.${from}`;
}
