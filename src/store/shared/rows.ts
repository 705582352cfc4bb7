// Rows as the stores return them (PostgreSQL's selected to look exactly like SQLite's: JSON as
// text, tags as a JSON array), and their one conversion into the model's read shapes, so both
// backends answer identically. Each backend's column lists are its own (sqlite/rows.ts,
// postgres/rows.ts).
import type { Score, Span, Trace, SpanEvent, SpanLink, Usage } from '../../model/schemas.js';
import { roundCost } from '../../model/money.js';
import type { TraceStatus, ScoreSource } from '../../model/enums.js';
import type { StoredEvent, StoredLink } from '../../model/batch.js';
import { isoFromMicros, storedIso } from '../../model/time.js';
import { fromJson } from './json.js';
import type { SpanJsonValue } from '../sqlite/blobs.js';
import type { SpanRow } from './span-columns.js';

export interface TraceRow {
  num: number;
  project_id: number;
  id: string;
  external_id: string | null;
  name: string | null;
  status: TraceStatus;
  start_time: number;
  end_time: number | null;
  duration_ms: number | null;
  input: string | null;
  output: string | null;
  user_id: string | null;
  session_id: string | null;
  environment: string | null;
  release: string | null;
  tags: string | null;
  metadata: string | null;
  test_id: string | null;
  span_count: number;
  error_count: number;
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  cost_usd: number | null;
  /** When the trace row was made (µs): its start when the stored one cannot be shown. */
  created_at: number;
}

/**
 * The times of a stored row as shown (issue 14). A time no ISO text can show (a row written before
 * the range checks) reads as not said, null, and is named in `invalid`; a duration measured from
 * one is null. An end stored before its start (the parts of a span sent apart) shows at the start,
 * duration 0, as ingest clamps it (docs/native.md, "Ranges").
 */
function shownTimes(start: number, end: number | null, durationMs: number | null): ShownTimes {
  const startTime = storedIso(start);
  const endTime = end === null ? null : storedIso(end);
  // Almost every row: both show. No arrays made on this path (a 5,000-span trace reads 5,000).
  if (startTime !== null && (end === null || endTime !== null)) {
    return end !== null && end < start ? { startTime, endTime: startTime, durationMs: 0 } : { startTime, endTime, durationMs };
  }
  const invalid = startTime === null ? (end !== null && endTime === null ? ['startTime', 'endTime'] : ['startTime']) : ['endTime'];
  return { startTime, endTime: end !== null && end < start ? startTime : endTime, durationMs: null, invalid };
}

interface ShownTimes {
  startTime: string | null;
  endTime: string | null;
  durationMs: number | null;
  /** The fields that could not be shown; absent when all could. */
  invalid?: string[];
}

export function traceFromRow(r: TraceRow): Trace {
  const times = shownTimes(r.start_time, r.end_time, r.duration_ms);
  return {
    id: r.id,
    projectId: String(r.project_id),
    externalId: r.external_id,
    numericId: r.num,
    name: r.name,
    status: r.status,
    // Every trace has a start: one that cannot be shown falls back to when the trace arrived, as
    // for a trace sent with none (created_at is Loupe's own clock, always shown).
    startTime: times.startTime ?? isoFromMicros(r.created_at),
    endTime: times.endTime,
    durationMs: times.durationMs,
    input: fromJson(r.input, null),
    output: fromJson(r.output, null),
    userId: r.user_id,
    sessionId: r.session_id,
    environment: r.environment,
    release: r.release,
    tags: fromJson<string[]>(r.tags, []).sort(),
    metadata: fromJson(r.metadata, {}),
    testId: r.test_id,
    spanCount: r.span_count,
    errorCount: r.error_count,
    inputTokens: r.input_tokens,
    outputTokens: r.output_tokens,
    totalTokens: r.total_tokens,
    costUsd: roundCost(r.cost_usd),
    ...(times.invalid ? { invalid: times.invalid } : {}),
  };
}

/** A stored span row (its fields come from the spans column table, span-columns.ts). */
export type { SpanRow } from './span-columns.js';

/** Parses a JSON column; SQLite's BlobReader also resolves content-addressed strings in it. */
export interface JsonReader {
  json<T>(stored: SpanJsonValue, fallback: T): T;
}

/** For stores that keep span JSON as it came (PostgreSQL). */
export const plainJson: JsonReader = {
  json: <T>(stored: SpanJsonValue, fallback: T): T => (stored === null || stored === undefined ? fallback : (JSON.parse(stored as string) as T)),
};

/** `blobs` reads input, output, attributes and events (content-addressed strings in SQLite). */
export function spanFromRow(r: SpanRow, blobs: JsonReader): Span {
  const usage: Usage = {};
  if (r.input_tokens !== null) usage.inputTokens = r.input_tokens;
  if (r.output_tokens !== null) usage.outputTokens = r.output_tokens;
  if (r.total_tokens !== null) usage.totalTokens = r.total_tokens;
  else if (r.input_tokens !== null || r.output_tokens !== null) usage.totalTokens = (r.input_tokens ?? 0) + (r.output_tokens ?? 0);
  if (r.cache_read_tokens !== null) usage.cacheReadTokens = r.cache_read_tokens;
  if (r.cache_write_tokens !== null) usage.cacheWriteTokens = r.cache_write_tokens;
  if (r.reasoning_tokens !== null) usage.reasoningTokens = r.reasoning_tokens;
  const times = shownTimes(r.start_time, r.end_time, r.duration_ms);
  const stored = blobs.json<StoredEvent[]>(r.events, []);
  const events = stored.map(eventOut);
  // An event time that cannot be shown reads null like the others, and is named once.
  const badEvent = stored.some((e, i) => e.time !== undefined && e.time !== null && events[i].time === null);
  const invalid = badEvent ? [...(times.invalid ?? []), 'events.time'] : times.invalid;
  return {
    id: r.id,
    traceId: r.trace_id,
    parentId: r.parent_id,
    projectId: String(r.project_id),
    kind: r.kind ?? 'span',
    name: r.name,
    status: r.status ?? 'unset',
    error: r.error,
    startTime: times.startTime,
    endTime: times.endTime,
    durationMs: times.durationMs,
    input: blobs.json(r.input, null),
    output: blobs.json(r.output, null),
    model: r.model,
    provider: r.provider,
    params: fromJson(r.params, {}),
    usage,
    costUsd: roundCost(r.cost_usd),
    metadata: fromJson(r.metadata, {}),
    attributes: blobs.json(r.attributes, {}),
    events,
    links: fromJson<StoredLink[]>(r.links, []).map((l): SpanLink => ({ traceId: l.traceId, spanId: l.spanId, attributes: l.attributes ?? {} })),
    ...(invalid ? { invalid } : {}),
  };
}

function eventOut(e: StoredEvent): SpanEvent {
  return { name: e.name, time: storedIso(e.time), attributes: e.attributes ?? {} };
}

export interface ScoreRow {
  project_id: number;
  id: string;
  trace_id: string;
  span_id: string | null;
  name: string;
  value_type: 'number' | 'string' | 'boolean';
  num_value: number | null;
  str_value: string | null;
  comment: string | null;
  source: ScoreSource;
  created_at: number;
}

/** A score's typed value from its stored columns (booleans are stored as 1/0 numbers). */
export function scoreValue(r: Pick<ScoreRow, 'value_type' | 'num_value' | 'str_value'>): Score['value'] {
  return r.value_type === 'number' ? (r.num_value as number) : r.value_type === 'boolean' ? r.num_value === 1 : (r.str_value as string);
}

export function scoreFromRow(r: ScoreRow): Score {
  const value = scoreValue(r);
  const createdAt = storedIso(r.created_at);
  return {
    id: r.id,
    projectId: String(r.project_id),
    traceId: r.trace_id,
    spanId: r.span_id,
    name: r.name,
    value,
    comment: r.comment,
    source: r.source,
    createdAt,
    ...(createdAt === null ? { invalid: ['createdAt'] } : {}),
  };
}
