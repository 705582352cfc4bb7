// Stored rows rendered in the export format, by both backends' export pages (sqlite/export.ts,
// postgres/export.ts): the same data writes the same bytes whichever store holds it.
import { roundCost } from '../../model/money.js';
import type { ScoreInput, SpanInput, TraceInput } from '../../model/schemas.js';
import type { StoredEvent, StoredLink } from '../../model/batch.js';
import { storedIso } from '../../model/time.js';
import type { JsonReader, ScoreRow, SpanRow, TraceRow } from './rows.js';
import { scoreFromRow } from './rows.js';

/** The trace columns an export reads: the stored ones, plus what the caller said explicitly. */
export interface ExportTraceRow extends Pick<TraceRow, 'num' | 'id' | 'external_id' | 'name' | 'start_time' | 'span_count' | 'input' | 'output'
  | 'user_id' | 'session_id' | 'environment' | 'release' | 'metadata' | 'test_id'> {
  given_status: TraceInput['status'] | null;
  given_start: number | null;
  given_end: number | null;
}

/** Sets key only when the stored value is not NULL, so "not said" stays absent after a round trip. */
function put<T extends object, K extends keyof T>(o: T, key: K, v: T[K] | null | undefined): void {
  if (v !== null && v !== undefined) o[key] = v;
}

const json = (text: string | null): unknown => (text === null ? undefined : JSON.parse(text));

/** Objects with their keys in code-unit order, at every depth: stores keep map keys in different orders (jsonb sorts them its own way). */
function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v === null || typeof v !== 'object') return v;
  const o = v as Record<string, unknown>;
  return Object.fromEntries(Object.keys(o).sort().map((k) => [k, sortKeys(o[k])]));
}

/** A merged map column (metadata, params, attributes), in a store-independent key order. */
const map = (text: string | null) => (text === null ? undefined : (sortKeys(JSON.parse(text)) as Record<string, unknown>));

/** A JSON column: present iff the column is not NULL, so a stored JSON `null` stays an explicit null. */
function putJson<T extends object, K extends keyof T>(o: T, key: K, text: string | null): void {
  if (text !== null) o[key] = JSON.parse(text) as T[K];
}

export function traceOut(r: ExportTraceRow, tags: string[]): TraceInput {
  const t: TraceInput = { id: r.id };
  put(t, 'externalId', r.external_id);
  put(t, 'name', r.name);
  put(t, 'status', r.given_status);
  // A trace with no spans and no given start took its start from when it arrived: keep that too.
  // A time no ISO text can show (a row from before the range checks) is left out, as not said:
  // the import then takes its own default rather than refusing the record.
  put(t, 'startTime', storedIso(r.given_start ?? (r.span_count === 0 ? r.start_time : null)));
  put(t, 'endTime', storedIso(r.given_end));
  putJson(t, 'input', r.input);
  putJson(t, 'output', r.output);
  put(t, 'userId', r.user_id);
  put(t, 'sessionId', r.session_id);
  put(t, 'environment', r.environment);
  put(t, 'release', r.release);
  if (tags.length) t.tags = tags;
  put(t, 'metadata', map(r.metadata));
  put(t, 'testId', r.test_id);
  return t;
}

/** `reader` resolves what the store keeps content-addressed (SQLite) or parses plain JSON. */
export function spanOut(r: SpanRow, reader: JsonReader): SpanInput {
  const s: SpanInput = { id: r.id, traceId: r.trace_id };
  put(s, 'parentId', r.parent_id);
  put(s, 'kind', r.kind);
  put(s, 'name', r.name);
  put(s, 'status', r.status);
  put(s, 'error', r.error);
  put(s, 'startTime', storedIso(r.start_time));
  put(s, 'endTime', storedIso(r.end_time));
  if (r.input !== null) s.input = reader.json(r.input, null);
  if (r.output !== null) s.output = reader.json(r.output, null);
  put(s, 'model', r.model);
  put(s, 'provider', r.provider);
  put(s, 'params', map(r.params));
  const usage: NonNullable<SpanInput['usage']> = {};
  put(usage, 'inputTokens', r.input_tokens);
  put(usage, 'outputTokens', r.output_tokens);
  put(usage, 'totalTokens', r.total_tokens);
  put(usage, 'cacheReadTokens', r.cache_read_tokens);
  put(usage, 'cacheWriteTokens', r.cache_write_tokens);
  put(usage, 'reasoningTokens', r.reasoning_tokens);
  if (Object.keys(usage).length) s.usage = usage;
  put(s, 'costUsd', roundCost(r.cost_usd));
  put(s, 'metadata', map(r.metadata));
  put(s, 'attributes', r.attributes === null ? undefined : (sortKeys(reader.json(r.attributes, {})) as Record<string, unknown>));
  const events = r.events === null ? undefined : reader.json<StoredEvent[]>(r.events, []);
  if (events) {
    s.events = events.map((e) => {
      const out: NonNullable<SpanInput['events']>[number] = { name: e.name };
      put(out, 'time', storedIso(e.time));
      out.attributes = e.attributes ?? {};
      return out;
    });
  }
  const links = json(r.links) as StoredLink[] | undefined;
  if (links) s.links = links.map((l) => ({ traceId: l.traceId, spanId: l.spanId, attributes: l.attributes ?? {} }));
  return s;
}

export function scoreOut(r: ScoreRow): ScoreInput {
  const read = scoreFromRow(r);
  const sc: ScoreInput = { id: read.id, traceId: read.traceId, name: read.name, value: read.value };
  put(sc, 'spanId', read.spanId);
  put(sc, 'comment', read.comment);
  sc.source = read.source;
  put(sc, 'createdAt', read.createdAt);
  return sc;
}
