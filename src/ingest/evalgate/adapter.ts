// Evalgate bodies → Batch. Pure: no I/O, no clock. The collector is all-or-nothing: one invalid
// trace refuses the whole batch with a 400 naming every invalid trace by index and traceId.
import type { z } from 'zod';
import { emptyBatch, type AdapterResult, type SpanUpsert, type TraceUpsert } from '../../model/batch.js';
import type { Usage } from '../../model/schemas.js';
import { LoupeError } from '../../errors.js';
import { derivedId } from '../context.js';
import { CollectorBody, CreateTraceBody, EvalgateSpanBody } from './schema.js';
import { issueText } from '../../model/issues.js';
import { spanRangeProblem, traceRangeProblem } from '../../model/ranges.js';

interface TraceLike {
  traceId: string;
  name: string;
  status?: 'pending' | 'success' | 'error';
  durationMs?: number;
  startTime?: number;
  metadata?: Record<string, unknown>;
}


function num(m: Record<string, unknown>, ...keys: string[]): number | undefined {
  for (const k of keys) if (typeof m[k] === 'number' && Number.isFinite(m[k]) && (m[k] as number) >= 0) return m[k] as number;
  return undefined;
}

function str(m: Record<string, unknown>, ...keys: string[]): string | undefined {
  for (const k of keys) if (typeof m[k] === 'string' && m[k] !== '') return m[k] as string;
  return undefined;
}

function int(v: number | undefined): number | undefined {
  return v === undefined ? undefined : Math.round(v);
}

/** Evalgate says "token counts, latency, or model name" go in span metadata: read the usual spellings. */
function usageFrom(m: Record<string, unknown>): Usage | undefined {
  const u: Usage = {};
  const input = int(num(m, 'inputTokens', 'promptTokens', 'input_tokens', 'prompt_tokens'));
  const output = int(num(m, 'outputTokens', 'completionTokens', 'output_tokens', 'completion_tokens'));
  const total = int(num(m, 'totalTokens', 'total_tokens', 'tokens'));
  if (input !== undefined) u.inputTokens = input;
  if (output !== undefined) u.outputTokens = output;
  if (total !== undefined) u.totalTokens = total;
  return Object.keys(u).length ? u : undefined;
}

/** One Evalgate span as a span upsert; `index` makes the derived id of a span sent without one. */
export function spanUpsert(s: EvalgateSpanBody, traceId: string, index: number): SpanUpsert {
  const m = s.metadata ?? {};
  const duration = s.durationMs ?? num(m, 'latencyMs', 'latency_ms', 'durationMs', 'duration_ms', 'latency');
  const end = s.endTime ?? (s.startTime !== undefined && duration !== undefined ? s.startTime + Math.round(duration * 1000) : undefined);
  const error = str(m, 'error', 'errorMessage');
  const span: SpanUpsert = {
    id: s.spanId ?? derivedId('eg_', traceId, index, s.name, s.startTime ?? null),
    traceId,
    kind: s.type ?? 'span',
    name: s.name,
    startTime: s.startTime,
    endTime: end,
    input: s.input,
    output: s.output,
    model: str(m, 'model', 'modelName', 'model_name'),
    usage: usageFrom(m),
    costUsd: num(m, 'costUsd', 'cost_usd', 'cost'),
    metadata: s.metadata,
  };
  if (s.parentSpanId) span.parentId = s.parentSpanId;
  if (error) {
    span.status = 'error';
    span.error = error;
  }
  // Leave "not said" fields out entirely, so golden files and merges see only what was sent.
  for (const k of Object.keys(span) as (keyof SpanUpsert)[]) if (span[k] === undefined) delete span[k];
  return span;
}

/**
 * One Evalgate trace as a trace upsert. Its start is the one given, else its earliest span's;
 * a duration with a known start becomes the end, one without is handed to the store, which
 * counts it from the stored start (the first arrival), so a retry lands on the same times.
 */
export function traceUpsert(t: TraceLike, spanStarts: number[]): TraceUpsert {
  const start = t.startTime ?? (spanStarts.length ? Math.min(...spanStarts) : undefined);
  const up: TraceUpsert = { id: t.traceId, externalId: t.traceId, name: t.name };
  if (t.status) up.status = t.status;
  if (start !== undefined) up.startTime = start;
  if (t.durationMs !== undefined) {
    if (start !== undefined) up.endTime = start + Math.round(t.durationMs * 1000);
    else up.durationMs = t.durationMs;
  }
  if (t.metadata) {
    up.metadata = t.metadata;
    // Evalgate suggests metadata for "user ID, session ID": they become the trace's own fields.
    const userId = str(t.metadata, 'userId', 'user_id');
    const sessionId = str(t.metadata, 'sessionId', 'session_id');
    if (userId) up.userId = userId;
    if (sessionId) up.sessionId = sessionId;
  }
  return up;
}

interface InvalidTrace {
  index: number;
  traceId: string | null;
  message: string;
}

/** The collector's refusal: the first invalid trace by index and traceId, all of them in details. */
function refuseBatch(invalid: InvalidTrace[]): LoupeError {
  const first = invalid[0];
  const name = `traces[${first.index}]${first.traceId !== null ? ` (traceId "${first.traceId}")` : ''}`;
  const more = invalid.length > 1 ? ` (and ${invalid.length - 1} more invalid trace${invalid.length > 2 ? 's' : ''})` : '';
  return new LoupeError('invalid_body', `${name} is invalid: ${first.message}${more}; the batch was refused and nothing of it was stored`, { invalid });
}

/** The model's one range check over a mapped trace and its spans (`spans.N: …` names the span). */
function rangeProblem(trace: TraceUpsert, spans: SpanUpsert[]): string | undefined {
  const t = traceRangeProblem(trace);
  if (t) return t;
  for (const [i, s] of spans.entries()) {
    const p = spanRangeProblem(s);
    if (p) return `spans.${i}.${p}`;
  }
  return undefined;
}

/** POST /api/collector: every trace valid, or a 400 naming the invalid ones and nothing stored. */
export function collectorAdapter(body: unknown): AdapterResult {
  const parsed = CollectorBody.safeParse(body);
  if (!parsed.success) {
    const raw = (body as { traces?: unknown } | null)?.traces;
    const byTrace = new Map<number, z.core.$ZodIssue[]>();
    const other: z.core.$ZodIssue[] = [];
    for (const issue of parsed.error.issues) {
      const [head, index, ...rest] = issue.path;
      if (head === 'traces' && typeof index === 'number') {
        const list = byTrace.get(index) ?? [];
        list.push({ ...issue, path: rest });
        byTrace.set(index, list);
      } else other.push(issue);
    }
    if (other.length || !Array.isArray(raw)) {
      throw new LoupeError('invalid_body', `body must be {traces:[{name, traceId, status?, durationMs?, metadata?, spans?}]}: ${issueText(other)}; nothing was stored`);
    }
    throw refuseBatch([...byTrace].map(([index, issues]) => {
      const id = (raw[index] as { traceId?: unknown } | null)?.traceId;
      return { index, traceId: typeof id === 'string' ? id : null, message: issueText(issues) };
    }));
  }
  const batch = emptyBatch();
  const invalid: InvalidTrace[] = [];
  parsed.data.traces.forEach((t, index) => {
    const spans = (t.spans ?? []).map((s, i) => spanUpsert(s, t.traceId, i));
    const trace = traceUpsert({ ...t, status: t.status ?? 'success' }, spans.flatMap((s) => (s.startTime === undefined ? [] : [s.startTime])));
    // Refused like a schema error: a duration turned into an end, metadata into usage and cost.
    const problem = rangeProblem(trace, spans);
    if (problem) invalid.push({ index, traceId: t.traceId, message: problem });
    batch.traces.push(trace);
    batch.spans.push(...spans);
  });
  if (invalid.length) throw refuseBatch(invalid);
  return { batch, rejected: [] };
}

/** POST /api/traces: one trace, no spans. */
export function createTraceAdapter(body: unknown): { result: AdapterResult; traceId: string } {
  const parsed = CreateTraceBody.safeParse(body);
  if (!parsed.success) throw new LoupeError('invalid_body', `invalid trace: ${issueText(parsed.error.issues)}`);
  const batch = emptyBatch();
  const trace = traceUpsert(parsed.data, []);
  const problem = traceRangeProblem(trace);
  if (problem) throw new LoupeError('invalid_body', `invalid trace: ${problem}`);
  batch.traces.push(trace);
  return { result: { batch, rejected: [] }, traceId: parsed.data.traceId };
}

/** POST /api/traces/:id/spans: one span for the trace whose Loupe id is `traceId`. */
export function addSpanAdapter(body: unknown, traceId: string): { result: AdapterResult; spanId: string } {
  const parsed = EvalgateSpanBody.safeParse(body);
  if (!parsed.success) throw new LoupeError('invalid_body', `invalid span: ${issueText(parsed.error.issues)}`);
  const span = spanUpsert(parsed.data, traceId, 0);
  const problem = spanRangeProblem(span);
  if (problem) throw new LoupeError('invalid_body', `invalid span: ${problem}`);
  const batch = emptyBatch();
  batch.spans.push(span);
  return { result: { batch, rejected: [] }, spanId: span.id };
}
