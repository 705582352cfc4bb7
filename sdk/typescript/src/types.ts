// Public types: the options and shapes the SDK takes, and the native ingest wire items it sends
// (POST /api/v1/ingest; the server's /openapi.json is the full schema).

/** Span kinds of Loupe's model (the server's src/model/enums.ts). */
export type SpanKind =
  | 'llm' | 'tool' | 'retrieval' | 'agent' | 'chain' | 'embedding' | 'reranker' | 'guardrail'
  | 'evaluator' | 'prompt' | 'message' | 'system' | 'event' | 'log' | 'span';

export type Metadata = Record<string, unknown>;

/** Token counts as the native API takes them; OpenAI/Anthropic names are also understood. */
export interface Usage {
  inputTokens?: number;
  outputTokens?: number;
  totalTokens?: number;
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
  reasoningTokens?: number;
}

export interface TraceOptions {
  /** Your own id for this trace; default: 32 random hex characters. */
  id?: string;
  name?: string;
  /** Groups the trace into a session (a conversation). */
  sessionId?: string;
  /** Seed 004's conversation id: the session when `sessionId` is absent; also kept in metadata. */
  conversationId?: string;
  userId?: string;
  metadata?: Metadata;
  tags?: string[];
  environment?: string;
  release?: string;
  /** Marks a run of an evaluation; the only traces sent in evaluation-only mode. */
  testId?: string;
  input?: unknown;
  externalId?: string;
}

export type TraceUpdate = Omit<TraceOptions, 'id'> & { output?: unknown };

export interface SpanOptions {
  name?: string;
  metadata?: Metadata;
  model?: string;
  provider?: string;
  params?: Metadata;
  attributes?: Metadata;
}

export interface GenerationOptions extends SpanOptions {
  input?: unknown;
}

/** What ends a generation: the completion and its token counts. */
export interface GenerationResult {
  output?: unknown;
  usage?: Usage | Record<string, unknown>;
  model?: string;
  costUsd?: number;
}

export interface SpanUpdate {
  name?: string;
  metadata?: Metadata;
  input?: unknown;
  output?: unknown;
  model?: string;
  provider?: string;
  params?: Metadata;
  usage?: Usage | Record<string, unknown>;
  costUsd?: number;
  attributes?: Metadata;
}

export type ScoreValue = number | string | boolean;

/**
 * User feedback, sent as a score with source `user`. Without `value` the tag is the value of a
 * score named `feedback` (THUMBS_UP → {name: "feedback", value: "THUMBS_UP"}); with `value` the
 * tag names the score ({tag: "helpfulness", value: 4} → {name: "helpfulness", value: 4}).
 * `text` is the comment. `name` overrides the score's name either way.
 */
export interface Feedback {
  tag?: string;
  text?: string;
  value?: ScoreValue;
  name?: string;
}

export interface ObserveOptions {
  kind?: SpanKind;
  /** The span's name; default the name given to observe. */
  name?: string;
  metadata?: Metadata;
  /** Record the arguments as input (default true). */
  captureInput?: boolean;
  /** Record the result as output (default true). */
  captureOutput?: boolean;
  /** Used when this call starts a new trace (the outermost observe). */
  trace?: Omit<TraceOptions, 'input'>;
}

// ---- wire items ---------------------------------------------------------------------------

export interface WireTrace {
  id: string;
  name?: string;
  externalId?: string;
  status?: 'pending' | 'success' | 'error';
  startTime?: number;
  endTime?: number;
  input?: unknown;
  output?: unknown;
  userId?: string;
  sessionId?: string;
  environment?: string;
  release?: string;
  tags?: string[];
  metadata?: Metadata;
  testId?: string;
}

export interface WireEvent {
  name: string;
  time?: number;
  attributes?: Metadata;
}

export interface WireSpan {
  id: string;
  traceId: string;
  parentId?: string | null;
  kind: SpanKind;
  name?: string;
  status?: 'unset' | 'ok' | 'error';
  error?: string;
  startTime: number;
  endTime?: number;
  input?: unknown;
  output?: unknown;
  model?: string;
  provider?: string;
  params?: Metadata;
  usage?: Usage;
  costUsd?: number;
  metadata?: Metadata;
  attributes?: Metadata;
  events?: WireEvent[];
}

export interface WireScore {
  id: string;
  traceId: string;
  spanId?: string;
  name: string;
  value: ScoreValue;
  comment?: string;
  source: 'user' | 'api' | 'eval';
  createdAt: number;
}

export interface Stats {
  /** Events the server acknowledged. */
  sent: number;
  /** Events dropped from a full buffer (oldest first). */
  dropped: number;
  /** Requests sent again after a 429, 503 or network error. */
  retried: number;
  /** Events the server refused, or that could not be delivered after the retries. */
  failed: number;
  /** Events waiting in the buffer. */
  buffered: number;
  /** Events in the request being sent. */
  inFlight: number;
}
