// A Batch is what every format adapter produces and the writer stores: upserts of traces,
// spans and scores, already normalised, with times in microseconds. Fields left undefined are
// "not said": an upsert never clears what an earlier part of the same entity said.
import type { SpanKind, SpanStatus, TraceStatus, ScoreSource } from './enums.js';
import type { Micros } from './time.js';
import type { ScoreValue, Usage } from './schemas.js';

export interface TraceUpsert {
  id: string;
  externalId?: string;
  name?: string;
  status?: TraceStatus;
  startTime?: Micros;
  endTime?: Micros;
  /** A duration told without an end (Evalgate): the trace ends this long after its start. endTime wins. */
  durationMs?: number;
  input?: unknown;
  output?: unknown;
  userId?: string;
  sessionId?: string;
  environment?: string;
  release?: string;
  tags?: string[];
  /** Merged key by key into what is stored. */
  metadata?: Record<string, unknown>;
  testId?: string;
}

export interface StoredEvent {
  name: string;
  time?: Micros;
  attributes: Record<string, unknown>;
}

export interface StoredLink {
  traceId: string;
  spanId: string;
  attributes: Record<string, unknown>;
}

export interface SpanUpsert {
  id: string;
  traceId: string;
  parentId?: string | null;
  kind?: SpanKind;
  name?: string;
  status?: SpanStatus;
  error?: string;
  startTime?: Micros;
  endTime?: Micros;
  input?: unknown;
  output?: unknown;
  model?: string;
  provider?: string;
  params?: Record<string, unknown>;
  usage?: Usage;
  costUsd?: number;
  metadata?: Record<string, unknown>;
  attributes?: Record<string, unknown>;
  events?: StoredEvent[];
  links?: StoredLink[];
}

export interface ScoreUpsert {
  id: string;
  traceId: string;
  spanId?: string;
  name: string;
  value: ScoreValue;
  comment?: string;
  source: ScoreSource;
  createdAt: Micros;
}

/** One item an adapter could not accept; the rest of the request still goes through. */
export interface Rejection {
  /** Which item: an id when the item had one, else its position (`spans[3]`). */
  item: string;
  message: string;
}

export interface Batch {
  traces: TraceUpsert[];
  spans: SpanUpsert[];
  scores: ScoreUpsert[];
  /**
   * The surface will later address these spans by span id alone (Langfuse updates without a
   * traceId): the store also records span id -> trace, for Store.findSpanTraceId. Off by default,
   * because that random-key index would slow every other ingest path.
   */
  indexSpanIds?: boolean;
}

export function emptyBatch(): Batch {
  return { traces: [], spans: [], scores: [] };
}

export function batchSize(b: Batch): number {
  return b.traces.length + b.spans.length + b.scores.length;
}

/** An adapter's answer: what to store, and what it refused and why. */
export interface AdapterResult {
  batch: Batch;
  rejected: Rejection[];
}
