// The Avido adapter (POST /v0/ingest): `{events}` → Batch plus one `{success, id, error?}` per
// event. Pure: the llm spans already stored for a trace (to close a call whose start came in an
// earlier request) are passed in by the route through the context.
//
// Ids. A trace with a referenceId takes it as its Loupe id AND its externalId, so a child naming
// the trace by either resolves to the same row with no lookup; one without gets a derived id
// (returned in its result, for children sent later). A step's span id is its own `id` when given,
// else derived from what identifies it. An llm call's start and end are two events but ONE span:
// the end is an upsert of the start's span, paired (in order) by explicit id, by group key, with
// the earliest unclosed start of the trace in this request, then with the earliest unclosed llm
// span already stored for the trace (same model first).
import { emptyBatch, type AdapterResult, type SpanUpsert, type TraceUpsert } from '../../model/batch.js';
import { microsFromInput } from '../../model/time.js';
import { spanRangeProblem, traceRangeProblem } from '../../model/ranges.js';
import { LoupeError } from '../../errors.js';
import { derivedId, type AdapterContext } from '../context.js';
import { AvidoEnvelope, AvidoEvent, type AvidoItemResult, type AvidoStep, type AvidoTrace } from './schema.js';
import { asRecord, documents, inputMessages, maybeJson, outputMessages, stringField, text } from './values.js';
import { issueText } from '../../model/issues.js';

/** An llm span already stored for a trace (times in µs). */
export interface StoredLlmSpan {
  id: string;
  model: string | null;
  startTime: number;
  endTime: number | null;
}

export interface AvidoContext extends AdapterContext {
  /** Trace id → its stored llm spans, for the traces `tracesToLookUp` named. */
  storedLlm?: ReadonlyMap<string, readonly StoredLlmSpan[]>;
}

export interface AvidoResult extends AdapterResult {
  /** One per event, in request order. */
  items: AvidoItemResult[];
}

type Parsed = { index: number; event: AvidoEvent } | { index: number; error: string; id: string };

export interface ParsedAvido {
  items: Parsed[];
  /** The id of the request's only trace, for steps that name none. */
  defaultTraceId?: string;
  traceIds: Map<number, string>;
}

type LlmStart = Extract<AvidoStep, { type: 'llm'; event: 'start' }>;
type LlmEnd = Extract<AvidoStep, { type: 'llm'; event: 'end' }>;

interface Placed {
  step: AvidoStep;
  traceId: string;
  /** Index of the event that carried it (a trace's nested steps share their trace's). */
  item: number;
  /** A nested step's place in its trace event (`steps[2]`), to name it in that event's error. */
  where?: string;
}


const us = (t: string | number) => microsFromInput(t) as number;

/** Counts repeats of a key, so identical items in one request still get distinct derived ids. */
class Occurrences {
  private readonly seen = new Map<string, number>();
  next(...parts: unknown[]): number {
    const k = JSON.stringify(parts);
    const n = this.seen.get(k) ?? 0;
    this.seen.set(k, n + 1);
    return n;
  }
}

function traceIdOf(t: AvidoTrace, occ: Occurrences): string {
  if (t.referenceId) return t.referenceId;
  const key = [t.timestamp, t.testId ?? null, t.name ?? null, t.metadata ?? null];
  return derivedId('av_', ...key, occ.next('trace', ...key));
}

/** Validates the envelope, then each event alone; resolves trace ids. Throws only for a bad envelope. */
export function parseAvido(body: unknown): ParsedAvido {
  const env = AvidoEnvelope.safeParse(body);
  if (!env.success) throw new LoupeError('invalid_body', `body must be {"events": [...]}: ${issueText(env.error.issues, '(event)')}`);
  const occ = new Occurrences();
  const traceIds = new Map<number, string>();
  const items: Parsed[] = env.data.events.map((raw, index) => {
    const r = AvidoEvent.safeParse(raw);
    if (r.success) {
      if (r.data.type === 'trace') traceIds.set(index, traceIdOf(r.data, occ));
      return { index, event: r.data };
    }
    const o = raw as { id?: unknown; referenceId?: unknown } | null;
    const id = typeof o?.id === 'string' ? o.id : typeof o?.referenceId === 'string' ? o.referenceId : `events[${index}]`;
    return { index, error: issueText(r.error.issues, '(event)'), id };
  });
  return { items, traceIds, defaultTraceId: traceIds.size === 1 ? [...traceIds.values()][0] : undefined };
}

/** Traces whose stored llm spans the adapter needs: those with an llm end in this request. */
export function tracesToLookUp(p: ParsedAvido): string[] {
  const out = new Set<string>();
  for (const it of p.items) {
    if (!('event' in it)) continue;
    const e = it.event;
    if (e.type === 'trace') {
      if (e.steps?.some((s) => s.type === 'llm' && s.event === 'end')) out.add(p.traceIds.get(it.index)!);
    } else if (e.type === 'llm' && e.event === 'end') {
      const t = e.traceId ?? p.defaultTraceId;
      if (t) out.add(t);
    }
  }
  return [...out];
}

const groupSpanId = (traceId: string, key: string) => derivedId('avgrp_', traceId, key);

export function avidoToBatch(p: ParsedAvido, ctx: AvidoContext): AvidoResult {
  const batch = emptyBatch();
  const results: AvidoItemResult[] = [];
  const traces = new Map<string, TraceUpsert>();
  const traceFor = (id: string) => {
    let t = traces.get(id);
    if (!t) traces.set(id, (t = { id }));
    return t;
  };
  const placed: Placed[] = [];
  const traceEvents: Array<{ index: number; id: string; event: AvidoTrace }> = [];

  for (const it of p.items) {
    if (!('event' in it)) {
      results[it.index] = { success: false, id: it.id, error: it.error };
      continue;
    }
    const e = it.event;
    if (e.type === 'trace') {
      const id = p.traceIds.get(it.index)!;
      const problem = traceRangeProblem({ id, startTime: us(e.timestamp) });
      if (problem) {
        results[it.index] = { success: false, id, error: problem };
        continue;
      }
      traceEvents.push({ index: it.index, id, event: e });
      (e.steps ?? []).forEach((s, k) => placed.push({ step: s, traceId: id, item: it.index, where: `steps[${k}]` }));
      results[it.index] = { success: true, id };
      continue;
    }
    const traceId = e.traceId ?? p.defaultTraceId;
    if (!traceId) {
      const n = p.traceIds.size;
      results[it.index] = { success: false, id: e.id ?? `events[${it.index}]`, error: `traceId: required, as this request holds ${n === 0 ? 'no trace event' : `${n} trace events`}` };
      continue;
    }
    placed.push({ step: e, traceId, item: it.index });
  }

  // Each step is mapped against a scratch trace and range-checked (the model's one check) before
  // anything of it is kept: a step out of range refuses its event, and a trace event its steps too.
  const ids = assignSpanIds(placed, ctx);
  const mapped = placed.map((pl, i) => {
    const scratch: TraceUpsert = { id: pl.traceId };
    const span = toSpan(pl, ids[i], scratch);
    return { pl, span, scratch, problem: spanRangeProblem(span) };
  });
  const refused = new Set<number>();
  for (const { pl, span, problem } of mapped) {
    if (!problem || refused.has(pl.item)) continue;
    refused.add(pl.item);
    results[pl.item] = { success: false, id: results[pl.item]?.id ?? span.id, error: pl.where ? `${pl.where}.${problem}` : problem };
  }
  for (const { index, id, event } of traceEvents) if (!refused.has(index)) applyTrace(traceFor(id), event);
  for (const { pl, span, scratch } of mapped) {
    if (refused.has(pl.item)) continue;
    const t = traceFor(pl.traceId);
    if (scratch.input !== undefined) t.input ??= scratch.input;
    if (scratch.output !== undefined) t.output = scratch.output;
    batch.spans.push(span);
    // A nested step answers in its trace's slot; a top-level one in its own.
    if (!results[pl.item]) results[pl.item] = { success: true, id: span.id };
  }
  batch.traces = [...traces.values()];
  const rejected = results.flatMap((r, i) => {
    if (r.success) return [];
    const item = r.id === `events[${i}]` ? r.id : `events[${i}] (${r.id})`;
    return [{ item, message: r.error ?? 'invalid' }];
  });
  return { batch, rejected, items: results };
}

/** A trace event's own fields onto its trace upsert. */
function applyTrace(t: TraceUpsert, e: AvidoTrace): void {
  const meta = asRecord(e.metadata);
  Object.assign(t, {
    ...(e.referenceId ? { externalId: e.referenceId } : {}),
    ...(e.name ? { name: e.name } : {}),
    ...(e.testId ? { testId: e.testId } : {}),
    startTime: us(e.timestamp),
  });
  if (meta) t.metadata = { ...(t.metadata ?? {}), ...meta };
  const userId = stringField(meta, 'userId', 'user_id');
  const sessionId = stringField(meta, 'sessionId', 'session_id', 'conversationId');
  const environment = stringField(meta, 'environment', 'env');
  if (userId) t.userId = userId;
  if (sessionId) t.sessionId = sessionId;
  if (environment) t.environment = environment;
}

/** Span ids for every placed step; llm ends get their start's id (see the file comment). */
function assignSpanIds(placed: Placed[], ctx: AvidoContext): string[] {
  const occ = new Occurrences();
  const ids: string[] = new Array(placed.length);
  const openStarts: Array<{ i: number; traceId: string; model: string; group?: string; explicit?: string }> = [];
  const claimed = new Set<string>();

  placed.forEach(({ step: s, traceId }, i) => {
    if (s.type === 'group') ids[i] = groupSpanId(traceId, s.key);
    else if (s.type === 'llm' && s.event === 'start') {
      ids[i] = s.id ?? (s.group
        ? derivedId('avllm_', traceId, 'group', s.group, occ.next('llm-group', traceId, s.group))
        : derivedId('avllm_', traceId, s.timestamp, s.modelId, occ.next('llm', traceId, s.timestamp, s.modelId)));
      openStarts.push({ i, traceId, model: s.modelId, group: s.group, explicit: s.id });
    } else if (s.type !== 'llm') {
      ids[i] = s.id ?? derivedId('av_', traceId, s.type, s.timestamp, s.name ?? null, occ.next(s.type, traceId, s.timestamp, s.name ?? null));
    }
  });

  const take = (pred: (o: (typeof openStarts)[number]) => boolean): string | undefined => {
    const k = openStarts.findIndex(pred);
    if (k === -1) return undefined;
    const [o] = openStarts.splice(k, 1);
    return ids[o.i];
  };
  placed.forEach(({ step: s, traceId }, i) => {
    if (s.type !== 'llm' || s.event !== 'end') return;
    const end = s as LlmEnd;
    const stored = ctx.storedLlm?.get(traceId) ?? [];
    const endUs = us(end.timestamp);
    const sameModel = (m: string | null) => !end.modelId || m === end.modelId;
    const id =
      // 1. the start names the same explicit id (in this request, or stored)
      (end.id ? take((o) => o.traceId === traceId && o.explicit === end.id) ?? stored.find((x) => x.id === end.id)?.id : undefined)
      // 2. this very end was stored before (a retried request): same end time, same model
      ?? stored.find((x) => x.endTime === endUs && sameModel(x.model) && !claimed.has(x.id))?.id
      // 3. the same group key
      ?? (end.group ? take((o) => o.traceId === traceId && o.group === end.group) ?? derivedId('avllm_', traceId, 'group', end.group, occ.next('llm-group-end', traceId, end.group)) : undefined)
      // 4. the earliest unclosed start of this trace in the request (same model first)
      ?? take((o) => o.traceId === traceId && !o.group && sameModel(o.model)) ?? take((o) => o.traceId === traceId && !o.group)
      // 5. the earliest unclosed llm span stored for the trace (same model first)
      ?? pickStored(stored, claimed, sameModel)
      // 6. an end whose start is unknown: a span of its own
      ?? derivedId('avllm_', traceId, 'end', end.timestamp, end.modelId ?? null, occ.next('llm-end', traceId, end.timestamp, end.modelId ?? null));
    claimed.add(id);
    // Whatever rule matched, a start in this request with that id is now closed.
    const k = openStarts.findIndex((o) => ids[o.i] === id);
    if (k !== -1) openStarts.splice(k, 1);
    ids[i] = id;
  });
  return ids;
}

function pickStored(stored: readonly StoredLlmSpan[], claimed: Set<string>, sameModel: (m: string | null) => boolean): string | undefined {
  const open = stored.filter((x) => x.endTime === null && !claimed.has(x.id)).sort((a, b) => a.startTime - b.startTime);
  return (open.find((x) => sameModel(x.model)) ?? open[0])?.id;
}

const ERROR_LEVELS = new Set(['error', 'fatal', 'critical', 'exception']);

function isErrorLog(s: Extract<AvidoStep, { type: 'log' }>, meta: Record<string, unknown> | undefined): boolean {
  const level = (s.level ?? stringField(meta, 'level', 'severity'))?.toLowerCase();
  if (level) return ERROR_LEVELS.has(level);
  return /error|exception|fatal/i.test(s.name ?? '');
}

function toSpan({ step: s, traceId }: Placed, id: string, trace: TraceUpsert): SpanUpsert {
  const at = us(s.timestamp);
  const metadata = asRecord(s.metadata);
  const params = asRecord(s.params);
  const span: SpanUpsert = { id, traceId };
  if (s.group && s.type !== 'group') span.parentId = groupSpanId(traceId, s.group);
  if (metadata) span.metadata = metadata;
  if (params) span.params = params;
  if (s.name) span.name = s.name;
  // Steps other than an llm call are instants: start and end at their timestamp.
  const instant = () => {
    span.startTime = at;
    span.endTime = at;
  };
  switch (s.type) {
    case 'llm':
      span.kind = 'llm';
      if (s.event === 'start') {
        const st = s as LlmStart;
        span.name ??= st.modelId;
        span.model = st.modelId;
        span.startTime = at;
        span.input = inputMessages(st.input);
      } else {
        const en = s as LlmEnd;
        if (en.modelId) span.model = en.modelId;
        span.endTime = at;
        const out = outputMessages(en.output);
        if (out !== undefined) span.output = out;
        const u = en.usage;
        if (u && (u.promptTokens !== undefined || u.completionTokens !== undefined || u.totalTokens !== undefined)) {
          span.usage = {};
          if (u.promptTokens !== undefined) span.usage.inputTokens = u.promptTokens;
          if (u.completionTokens !== undefined) span.usage.outputTokens = u.completionTokens;
          span.usage.totalTokens = u.totalTokens ?? (u.promptTokens ?? 0) + (u.completionTokens ?? 0);
        }
      }
      break;
    case 'tool':
      span.kind = 'tool';
      span.name ??= 'tool';
      if (s.toolInput !== undefined) span.input = maybeJson(s.toolInput);
      if (s.toolOutput !== undefined) span.output = maybeJson(s.toolOutput);
      instant();
      break;
    case 'retriever':
      span.kind = 'retrieval';
      span.name ??= 'retriever';
      span.input = maybeJson(s.query);
      span.output = documents(s.result);
      instant();
      break;
    case 'log':
      span.kind = 'log';
      span.name ??= 'log';
      span.output = maybeJson(s.content);
      if (isErrorLog(s, metadata)) {
        span.status = 'error';
        span.error = text(s.content);
      }
      instant();
      break;
    case 'group':
      span.kind = 'chain';
      span.name ??= s.key;
      instant();
      break;
    case 'request':
      span.kind = 'message';
      span.name ??= 'request';
      span.input = maybeJson(s.content);
      trace.input ??= span.input;
      instant();
      break;
    case 'response':
      span.kind = 'message';
      span.name ??= 'response';
      span.output = maybeJson(s.content);
      trace.output = span.output;
      instant();
      break;
  }
  return span;
}

export function avidoAdapter(body: unknown, ctx: AvidoContext): AvidoResult {
  return avidoToBatch(parseAvido(body), ctx);
}
