// One Langfuse observation body (any type, create or update) to a SpanUpsert, and a trace body
// to a TraceUpsert. Fields the body leaves out stay undefined so an update merges into what is stored.
import type { SpanKind } from '../../model/enums.js';
import type { SpanUpsert, TraceUpsert } from '../../model/batch.js';
import { microsFromIso, type Micros } from '../../model/time.js';
import type { ObservationBody, TraceBody } from './schema.js';
import { usageAndCost } from './usage.js';

/** Langfuse observation type (lower case, as in event types and langfuse.observation.type) → span kind. */
export const KIND_OF_TYPE: Record<string, SpanKind> = {
  span: 'span', generation: 'llm', event: 'event', agent: 'agent', tool: 'tool', chain: 'chain',
  retriever: 'retrieval', embedding: 'embedding', evaluator: 'evaluator', guardrail: 'guardrail',
};

export class EventError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export function time(v: string | null | undefined, field: string): Micros | undefined {
  if (v === undefined || v === null) return undefined;
  const us = microsFromIso(v);
  if (us === undefined) throw new EventError(400, `${field}: not an ISO 8601 time: ${v}`);
  return us;
}

/** Langfuse metadata may be any JSON; Loupe keeps an object, so anything else is wrapped. */
export function metadataObject(v: unknown): Record<string, unknown> {
  if (v === undefined || v === null) return {};
  if (typeof v === 'object' && !Array.isArray(v)) return { ...(v as Record<string, unknown>) };
  return { metadata: v };
}

const set = <T extends object, K extends keyof T>(o: T, k: K, v: T[K] | null | undefined) => {
  if (v !== undefined && v !== null) o[k] = v;
};

export function traceFromBody(b: TraceBody, id: string, eventTime: Micros): TraceUpsert {
  const t: TraceUpsert = { id, startTime: time(b.timestamp, 'timestamp') ?? eventTime };
  set(t, 'name', b.name);
  set(t, 'externalId', b.externalId);
  set(t, 'userId', b.userId);
  set(t, 'sessionId', b.sessionId);
  set(t, 'input', b.input);
  set(t, 'output', b.output);
  set(t, 'release', b.release);
  set(t, 'environment', b.environment);
  if (b.tags?.length) t.tags = b.tags;
  const meta = metadataObject(b.metadata);
  if (b.version) meta.version = b.version;
  if (b.public !== undefined && b.public !== null) meta.public = b.public;
  if (Object.keys(meta).length) t.metadata = meta;
  return t;
}

export interface ObservationTarget {
  id: string;
  traceId: string;
  kind?: SpanKind;
  /** Creates get the event time as their start when they name none; updates never move it. */
  isCreate: boolean;
  eventTime: Micros;
}

export function spanFromBody(b: ObservationBody, to: ObservationTarget): SpanUpsert {
  const s: SpanUpsert = { id: to.id, traceId: to.traceId };
  set(s, 'kind', to.kind);
  set(s, 'parentId', b.parentObservationId);
  set(s, 'name', b.name);
  const start = time(b.startTime, 'startTime') ?? (to.isCreate ? to.eventTime : undefined);
  set(s, 'startTime', start);
  // A point-in-time event ends where it starts (Langfuse does the same).
  set(s, 'endTime', time(b.endTime, 'endTime') ?? (to.kind === 'event' ? start : undefined));
  set(s, 'input', b.input);
  set(s, 'output', b.output);
  set(s, 'model', b.model);
  if (b.modelParameters && Object.keys(b.modelParameters).length) s.params = b.modelParameters;

  const { usage, costUsd, otherUnits } = usageAndCost(b.usage, b.usageDetails, b.costDetails);
  set(s, 'usage', usage);
  set(s, 'costUsd', costUsd);

  const meta = metadataObject(b.metadata);
  if (b.level === 'ERROR') {
    s.status = 'error';
    s.error = b.statusMessage || 'level ERROR';
  } else if (b.statusMessage) meta.statusMessage = b.statusMessage;
  if (b.level && b.level !== 'DEFAULT') meta.level = b.level;
  const completionStart = time(b.completionStartTime, 'completionStartTime');
  if (completionStart !== undefined) meta.completionStartTime = b.completionStartTime;
  if (b.version) meta.version = b.version;
  if (b.environment) meta.environment = b.environment;
  if (b.promptName) meta.prompt = { name: b.promptName, ...(b.promptVersion != null ? { version: b.promptVersion } : {}) };
  if (otherUnits) meta.usage = otherUnits;
  if (Object.keys(meta).length) s.metadata = meta;
  return s;
}
