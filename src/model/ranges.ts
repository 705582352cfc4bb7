// The ranges every stored value must lie in, and the one check of them (issue 14): whatever format
// brought an item, a time, duration, token count or cost out of range refuses that item, and an end
// before its start is clamped to the start. Adapters run the item checks where they can still name
// the item in their own answer; the pipeline runs enforceRanges on every Batch, so nothing out of
// range reaches a store even from an adapter that forgot. docs/native.md "Ranges" documents them.
import type { Batch, Rejection, ScoreUpsert, SpanUpsert, TraceUpsert } from './batch.js';
import type { Usage } from './schemas.js';
import { ID_CHARS } from './field-limits.js';
import { isStorableMicros, isoFromMicros } from './time.js';

/** Latest storable time, µs since 1970: 2^53 - 1, 2255-06-05 (every time below it is exact in a JS number). */
export const MAX_MICROS = Number.MAX_SAFE_INTEGER;
/** Longest duration told as a number (ms): the whole storable range. */
export const MAX_DURATION_MS = Math.floor(MAX_MICROS / 1000);
/**
 * Most tokens one count may say: a thousand times today's largest context windows. Sums of counts
 * (a trace's, a session's, a day's) then stay exact far past any real volume, where 1e300 or 2^53
 * tokens overflowed SQLite's integer sum() and PostgreSQL's bigint.
 */
export const MAX_TOKENS = 1_000_000_000;
/** Most USD one span may cost; sums of such stay finite (1e300 made PostgreSQL's sums overflow). */
export const MAX_COST_USD = 1_000_000;

const RANGE_TEXT = `from ${isoFromMicros(0)} to ${isoFromMicros(MAX_MICROS)}`;

function timeProblem(field: string, us: number | undefined): string | undefined {
  if (us === undefined || isStorableMicros(us)) return undefined;
  return `${field}: ${Number.isFinite(us) ? `${us} µs since 1970` : String(us)} is outside the times Loupe stores, ${RANGE_TEXT}`;
}

function durationProblem(field: string, ms: number | undefined): string | undefined {
  if (ms === undefined || (Number.isFinite(ms) && ms >= 0 && ms <= MAX_DURATION_MS)) return undefined;
  return `${field}: ${ms} is not a duration of 0 to ${MAX_DURATION_MS} ms`;
}

function costProblem(field: string, usd: number | undefined): string | undefined {
  if (usd === undefined || (Number.isFinite(usd) && usd >= 0 && usd <= MAX_COST_USD)) return undefined;
  return `${field}: ${usd} is not a cost of 0 to ${MAX_COST_USD} USD`;
}

/**
 * A lone UTF-16 surrogate or a NUL: text no database stores as sent (SQLite and PostgreSQL keep
 * UTF-8, and PostgreSQL refuses NUL), so an id holding one is stored as something else and can
 * never be looked up again by what the API lists.
 */
const BROKEN_TEXT = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]|\0/;

/** Why one of these ids or keys cannot be stored, or undefined when all can. */
function idProblem(fields: Record<string, string | null | undefined>): string | undefined {
  for (const [field, v] of Object.entries(fields)) {
    if (typeof v !== 'string') continue;
    if (BROKEN_TEXT.test(v)) return `${field}: holds a lone UTF-16 surrogate or a NUL character, which no id may hold`;
    // Ids are looked up and indexed: one cut short would be another id (labels are cut instead).
    if (v.length > ID_CHARS) return `${field}: ${v.length} characters; an id has at most ${ID_CHARS}`;
  }
  return undefined;
}

const USAGE_KEYS = ['inputTokens', 'outputTokens', 'totalTokens', 'cacheReadTokens', 'cacheWriteTokens', 'reasoningTokens'] as const satisfies readonly (keyof Usage)[];

function usageProblem(usage: Usage | undefined): string | undefined {
  if (!usage) return undefined;
  for (const k of USAGE_KEYS) {
    const n = usage[k];
    if (n !== undefined && !(Number.isInteger(n) && n >= 0 && n <= MAX_TOKENS)) return `usage.${k}: ${n} is not a whole number of tokens from 0 to ${MAX_TOKENS}`;
  }
  return undefined;
}

/** Why a trace upsert is out of range, or undefined when it is not. */
export function traceRangeProblem(t: TraceUpsert): string | undefined {
  return idProblem({ id: t.id, userId: t.userId, sessionId: t.sessionId, externalId: t.externalId, testId: t.testId }) ?? timeProblem('startTime', t.startTime) ?? timeProblem('endTime', t.endTime) ?? durationProblem('durationMs', t.durationMs);
}

/** Why a span upsert is out of range, or undefined when it is not. */
export function spanRangeProblem(s: SpanUpsert): string | undefined {
  const p = idProblem({ id: s.id, traceId: s.traceId, parentId: s.parentId }) ?? timeProblem('startTime', s.startTime) ?? timeProblem('endTime', s.endTime) ?? usageProblem(s.usage) ?? costProblem('costUsd', s.costUsd);
  if (p || !s.events) return p;
  for (const e of s.events) {
    const ep = timeProblem('events.time', e.time);
    if (ep) return ep;
  }
  return undefined;
}

/** Why a score upsert is out of range, or undefined when it is not. */
export function scoreRangeProblem(s: ScoreUpsert): string | undefined {
  return idProblem({ id: s.id, traceId: s.traceId, spanId: s.spanId }) ?? timeProblem('createdAt', s.createdAt) ?? (typeof s.value === 'number' && !Number.isFinite(s.value) ? `value: ${s.value} is not a finite number` : undefined);
}

/**
 * An end before its start, both said in one item, is moved to the start (duration 0): the time a
 * client measured with a stepping clock is kept, where refusing would lose the whole span. Ends and
 * starts sent in different parts are clamped where they meet, when read (store/shared/rows.ts).
 */
export function clampEnd<T extends { startTime?: number; endTime?: number }>(x: T): T {
  if (x.startTime !== undefined && x.endTime !== undefined && x.endTime < x.startTime) x.endTime = x.startTime;
  return x;
}

/**
 * The check every Batch passes on its way to a store (the pipeline runs it): drops each item out of
 * range, reporting it, and clamps ends before starts. In place; returns what it refused.
 */
export function enforceRanges(batch: Batch): Rejection[] {
  const rejected: Rejection[] = [];
  const keep = <T>(items: T[], problem: (x: T) => string | undefined, name: (x: T) => string): T[] => {
    let out: T[] | undefined;
    items.forEach((x, i) => {
      const p = problem(x);
      if (p === undefined) {
        out?.push(x);
        return;
      }
      // Copy only once something is dropped: almost every batch passes untouched.
      out ??= items.slice(0, i);
      rejected.push({ item: name(x), message: p });
    });
    return out ?? items;
  };
  batch.traces = keep(batch.traces, traceRangeProblem, (t) => `trace ${t.id}`);
  batch.spans = keep(batch.spans, spanRangeProblem, (s) => `span ${s.id} (trace ${s.traceId})`);
  batch.scores = keep(batch.scores, scoreRangeProblem, (s) => `score ${s.id}`);
  for (const t of batch.traces) clampEnd(t);
  for (const s of batch.spans) clampEnd(s);
  return rejected;
}
