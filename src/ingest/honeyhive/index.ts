// The HoneyHive adapter: event batches, a session start and a single event → Batch. A HoneyHive
// session is a Loupe trace: its session_id is the trace's id, externalId and sessionId. Pure:
// ids a caller left out come from `ctx.newId` (the route passes randomUUID; tests a counter).
// HoneyHive validates a request as a whole, so one invalid event refuses the request (400).
import { z } from 'zod';
import { emptyBatch, type Batch, type TraceUpsert } from '../../model/batch.js';
import { LoupeError } from '../../errors.js';
import type { AdapterContext } from '../context.js';
import { mapEvent } from './map-event.js';
import { HoneyHiveBatchBody, HoneyHiveEventBody, HoneyHiveSessionStartBody, type HoneyHiveEvent, type HoneyHiveSession } from './schema.js';
import { issueText } from '../../model/issues.js';
import { scoreRangeProblem, spanRangeProblem, traceRangeProblem } from '../../model/ranges.js';

export interface HoneyHiveContext extends AdapterContext {
  /** A fresh id for an event or session sent without one. */
  newId: () => string;
}

export interface HoneyHiveResult {
  batch: Batch;
  rejected: [];
  /** The events' ids, in request order. */
  eventIds: string[];
  sessionId: string;
}

function parse<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  throw new LoupeError('invalid_body', `${what}: ${issueText(r.error.issues)}`, r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
}

/** A session's properties as its root event (event_type `session`, event_id = session_id). */
function sessionEvent(s: HoneyHiveSession, sessionId: string): HoneyHiveEvent {
  const { session_name, event_name, session_id: _ignored, ...rest } = s;
  return { ...rest, event_type: 'session', event_id: sessionId, session_id: sessionId, parent_id: null, event_name: session_name ?? event_name };
}

function mergeTrace(traces: Map<string, TraceUpsert>, t: TraceUpsert): void {
  const seen = traces.get(t.id);
  if (!seen) {
    traces.set(t.id, t);
    return;
  }
  const { metadata, ...rest } = t;
  for (const [k, v] of Object.entries(rest)) if (v !== undefined) (seen as unknown as Record<string, unknown>)[k] ??= v;
  if (metadata) seen.metadata = { ...(seen.metadata ?? {}), ...metadata };
}

/**
 * Maps events sharing one request. `forcedSession` (single-session batches) overrides each
 * event's session; otherwise an event without one inherits its parent's (in this request), else
 * the request's one generated session. `where` names an event in errors (its path in the body).
 */
function mapAll(events: HoneyHiveEvent[], ctx: HoneyHiveContext, forcedSession: string | undefined, where: (i: number) => string): HoneyHiveResult {
  const ids = events.map((e) => (e.event_type === 'session' ? e.event_id ?? e.session_id : e.event_id) ?? ctx.newId());
  const index = new Map(ids.map((id, i) => [id, i]));
  // children_ids name children; a child in this request that names no parent takes this one.
  const parentOf = new Map<string, string>();
  events.forEach((e, i) => e.children_ids?.forEach((c) => parentOf.set(c, ids[i])));
  const parents = events.map((e, i) => e.parent_id ?? parentOf.get(ids[i]));

  let generated: string | undefined;
  const sessions: string[] = new Array(events.length);
  const sessionOf = (i: number, depth = 0): string => {
    if (sessions[i]) return sessions[i];
    const e = events[i];
    const p = parents[i];
    const viaParent = p !== undefined && p !== null && index.has(p) && depth < events.length ? sessionOf(index.get(p)!, depth + 1) : undefined;
    return (sessions[i] = forcedSession ?? e.session_id ?? (e.event_type === 'session' ? ids[i] : undefined) ?? viaParent ?? (generated ??= ctx.newId()));
  };
  events.forEach((_, i) => sessionOf(i));

  const batch = emptyBatch();
  const traces = new Map<string, TraceUpsert>();
  const outOfRange: Array<{ path: string; message: string }> = [];
  events.forEach((e, i) => {
    const sessionId = sessions[i];
    // Without a parent an event hangs under its session's root event (whose id is the session id).
    let parentId = parents[i] ?? (e.event_type === 'session' ? null : sessionId);
    if (parentId === ids[i]) parentId = null;
    const m = mapEvent(e, { spanId: ids[i], sessionId, parentId }, ctx.receivedAt);
    // The model's one range check, on what the event became (a duration turns into an end, metrics
    // into usage and cost).
    const problem = spanRangeProblem(m.span) ?? traceRangeProblem(m.trace) ?? m.scores.map(scoreRangeProblem).find((x) => x !== undefined);
    if (problem) outOfRange.push({ path: where(i), message: problem });
    batch.spans.push(m.span);
    batch.scores.push(...m.scores);
    mergeTrace(traces, m.trace);
  });
  // HoneyHive refuses a request as a whole, as for a schema error: nothing of it is stored.
  if (outOfRange.length) {
    throw new LoupeError('invalid_body', `out of range: ${outOfRange.map((o) => `${o.path}: ${o.message}`).join('; ')}; nothing was stored`, outOfRange);
  }
  batch.traces = [...traces.values()];
  return { batch, rejected: [], eventIds: ids, sessionId: forcedSession ?? sessions[0] ?? generated ?? ctx.newId() };
}

/** POST /events/batch and /v1/events/batch. */
export function honeyhiveBatch(body: unknown, ctx: HoneyHiveContext): HoneyHiveResult {
  const b = parse(HoneyHiveBatchBody, body, 'body must be {events: [...], single_session?, session_properties?}');
  const single = b.single_session ?? b.is_single_session ?? false;
  const inBatch = (i: number) => `events.${i}`;
  if (!single) return mapAll(b.events, ctx, undefined, inBatch);
  const props = b.session_properties;
  const sessionId = props?.session_id ?? b.events.find((e) => e.session_id)?.session_id ?? ctx.newId();
  const result = mapAll(b.events, ctx, sessionId, inBatch);
  if (!props) return result;
  const root = mapAll([sessionEvent(props, sessionId)], ctx, sessionId, () => 'session_properties');
  const span = root.batch.spans[0];
  const spans = result.batch.spans;
  // A session sent without times spans its events.
  if (props.start_time === undefined && spans.length) span.startTime = Math.min(...spans.map((s) => s.startTime!));
  if (props.end_time === undefined && props.duration === undefined && spans.length) span.endTime = Math.max(...spans.map((s) => s.endTime!));
  // The session's own fields come first, so they win over what its events said (e.g. the environment).
  const traces = new Map<string, TraceUpsert>();
  for (const t of [...root.batch.traces, ...result.batch.traces]) mergeTrace(traces, t);
  return {
    ...result,
    batch: { traces: [...traces.values()], spans: [span, ...spans], scores: [...root.batch.scores, ...result.batch.scores] },
  };
}

/** POST /session/start: the session's root event; answers its session id. */
export function honeyhiveSessionStart(body: unknown, ctx: HoneyHiveContext): HoneyHiveResult {
  const b = parse(HoneyHiveSessionStartBody, body, 'body must be {session: {...}}');
  const session = 'session' in b ? b.session : b;
  const sessionId = session.session_id ?? ctx.newId();
  return mapAll([sessionEvent(session, sessionId)], ctx, sessionId, () => ('session' in b ? 'session' : '(body)'));
}

/** POST /events: one event. */
export function honeyhiveEvent(body: unknown, ctx: HoneyHiveContext): HoneyHiveResult {
  const b = parse(HoneyHiveEventBody, body, 'body must be {event: {...}}');
  const event = 'event' in b ? b.event : b;
  return mapAll([event], ctx, undefined, () => ('event' in b ? 'event' : '(body)'));
}
