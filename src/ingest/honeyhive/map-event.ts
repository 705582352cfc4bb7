// One HoneyHive event (with its id, session and parent already resolved) → a span, what it says
// about its trace (the session), and scores from its feedback.
import type { ScoreUpsert, SpanUpsert, TraceUpsert } from '../../model/batch.js';
import type { SpanKind } from '../../model/enums.js';
import type { Usage } from '../../model/schemas.js';
import { microsFromInput, microsFromMillis } from '../../model/time.js';
import { derivedId } from '../context.js';
import type { HoneyHiveEvent } from './schema.js';

const KINDS: Record<HoneyHiveEvent['event_type'], SpanKind> = { model: 'llm', tool: 'tool', chain: 'chain', session: 'chain' };

/** config keys that describe the prompt or the call, not tunable parameters. */
const NOT_PARAMS = new Set(['model', 'provider', 'template', 'messages', 'prompt', 'type', 'tools', 'functions', 'name']);

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);
const isMessage = (v: unknown) => isRec(v) && typeof v.role === 'string';
const str = (v: unknown) => (typeof v === 'string' && v ? v : typeof v === 'number' ? String(v) : undefined);
const int = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined);

export function hhTime(v: number | string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'number') return microsFromMillis(v);
  return /^\d+(\.\d+)?$/.test(v) ? microsFromMillis(Number(v)) : microsFromInput(v);
}

function inputOf(e: HoneyHiveEvent): unknown {
  const inputs = e.inputs;
  if (e.event_type === 'model' && isRec(inputs)) {
    for (const k of ['chat_history', 'messages']) {
      const list = inputs[k];
      if (Array.isArray(list) && list.length && list.every(isMessage)) return list;
    }
  }
  return inputs;
}

function outputOf(e: HoneyHiveEvent): unknown {
  const out = e.outputs;
  if (e.event_type !== 'model' || !isRec(out)) return out;
  if (isMessage(out)) return [out];
  if (Array.isArray(out.messages) && out.messages.every(isMessage)) return out.messages;
  if (Array.isArray(out.choices)) {
    const msgs = out.choices.map((c) => (isRec(c) ? c.message : undefined));
    if (msgs.length && msgs.every(isMessage)) return msgs;
  }
  if (typeof out.content === 'string') return [{ role: 'assistant', content: out.content }];
  return out;
}

function usageOf(m: Rec | undefined): Usage | undefined {
  if (!m) return undefined;
  const u: Usage = {};
  const input = int(m.prompt_tokens) ?? int(m.input_tokens);
  const output = int(m.completion_tokens) ?? int(m.output_tokens);
  const total = int(m.total_tokens);
  if (input !== undefined) u.inputTokens = input;
  if (output !== undefined) u.outputTokens = output;
  if (total !== undefined) u.totalTokens = total;
  else if (input !== undefined || output !== undefined) u.totalTokens = (input ?? 0) + (output ?? 0);
  return Object.keys(u).length ? u : undefined;
}

/** The user a session ran for, from its user properties. */
export function userIdOf(props: Rec | undefined): string | undefined {
  if (!props) return undefined;
  return str(props.user_id) ?? str(props.userId) ?? str(props.user) ?? str(props.id) ?? str(props.email);
}

/** Each feedback field becomes a score (source `user`); `comment` annotates them all. */
export function feedbackScores(feedback: Rec | undefined, traceId: string, spanId: string | undefined, createdAt: number): ScoreUpsert[] {
  if (!feedback) return [];
  const comment = str(feedback.comment);
  const entries = Object.entries(feedback).filter(([k, v]) => k !== 'comment' && v !== null && v !== undefined);
  if (!entries.length && comment) entries.push(['comment', comment]);
  return entries.map(([name, v]) => ({
    id: derivedId('hhfb_', traceId, spanId ?? null, name),
    traceId,
    ...(spanId ? { spanId } : {}),
    name,
    value: typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean' ? v : JSON.stringify(v),
    ...(comment && name !== 'comment' ? { comment } : {}),
    source: 'user' as const,
    createdAt,
  }));
}

export interface Resolved {
  spanId: string;
  sessionId: string;
  parentId: string | null;
}

export interface Mapped {
  span: SpanUpsert;
  trace: TraceUpsert;
  scores: ScoreUpsert[];
}

export function mapEvent(e: HoneyHiveEvent, r: Resolved, receivedAt: number): Mapped {
  const start = hhTime(e.start_time);
  const end = hhTime(e.end_time);
  const dur = e.duration !== undefined ? microsFromMillis(e.duration) : undefined;
  // HoneyHive events arrive finished: a span without an end ends at its start (never left open).
  const startTime = start ?? (end !== undefined && dur !== undefined ? end - dur : end) ?? receivedAt;
  const endTime = end ?? (dur !== undefined ? startTime + dur : startTime);

  const span: SpanUpsert = {
    id: r.spanId,
    traceId: r.sessionId,
    parentId: r.parentId,
    kind: KINDS[e.event_type],
    name: e.event_name ?? e.event_type,
    startTime,
    endTime,
  };
  const input = inputOf(e);
  const output = outputOf(e);
  if (input !== undefined) span.input = input;
  if (output !== undefined) span.output = output;
  if (e.error) {
    span.status = 'error';
    span.error = e.error;
  }
  const config = e.config;
  if (config) {
    const model = str(config.model);
    const provider = str(config.provider);
    if (model) span.model = model;
    if (provider) span.provider = provider;
    const params = Object.fromEntries(Object.entries(config).filter(([k]) => !NOT_PARAMS.has(k)));
    if (Object.keys(params).length) span.params = params;
  }
  const usage = usageOf(e.metrics);
  if (usage) span.usage = usage;
  const cost = e.metrics?.cost;
  if (typeof cost === 'number' && cost >= 0) span.costUsd = cost;

  const metadata: Rec = { ...(e.metadata ?? {}) };
  if (e.metrics) metadata.metrics = e.metrics;
  if (e.user_properties) metadata.user_properties = e.user_properties;
  if (Object.keys(metadata).length) span.metadata = metadata;
  const attributes: Rec = { 'honeyhive.event_type': e.event_type };
  if (config) attributes['honeyhive.config'] = config;
  if (e.children_ids?.length) attributes['honeyhive.children_ids'] = e.children_ids;
  if (e.source) attributes['honeyhive.source'] = e.source;
  span.attributes = attributes;

  const trace: TraceUpsert = { id: r.sessionId, externalId: r.sessionId, sessionId: r.sessionId };
  if (e.source) trace.environment = e.source;
  const userId = userIdOf(e.user_properties);
  if (userId) trace.userId = userId;
  if (e.event_type === 'session') {
    // The session event is the trace's root: it names the trace and holds its input and output.
    if (e.event_name) trace.name = e.event_name;
    if (e.inputs !== undefined) trace.input = e.inputs;
    if (e.outputs !== undefined) trace.output = e.outputs;
    const tmeta: Rec = { ...(e.metadata ?? {}) };
    if (e.user_properties) tmeta.user_properties = e.user_properties;
    if (e.metrics) tmeta.metrics = e.metrics;
    if (config) tmeta.config = config;
    if (Object.keys(tmeta).length) trace.metadata = tmeta;
  }
  // Session feedback is about the whole run (a trace score); an event's is about its span.
  const scores = feedbackScores(e.feedback, r.sessionId, e.event_type === 'session' ? undefined : r.spanId, receivedAt);
  return { span, trace, scores };
}
