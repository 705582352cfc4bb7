// The normalised model (DESIGN.md "Data model"): one zod schema per entity, in two shapes.
// The *Input schemas are what the native API accepts (times as ISO text or epoch ms); the read
// schemas are what every query answers (times as ISO text). TypeScript types are inferred here.
import { z } from 'zod';
import { ScoreSource, SpanKind, SpanStatus, TraceStatus } from './enums.js';
import { COMMENT_CHARS, ID_CHARS, LABEL_CHARS, MAX_TAGS, NAME_CHARS } from './field-limits.js';

const Id = z.string().min(1).max(ID_CHARS).regex(/^[^\r\n]*$/, 'ids must not contain line breaks');
const Json = z.unknown();
const Metadata = z.record(z.string(), z.unknown());
const TimeInput = z.union([z.string().min(1), z.number().nonnegative()]);
const Iso = z.string().describe('ISO 8601 time');
/**
 * Rows written before the range checks (issue 14) may hold times no ISO text can show. A read never
 * fails on one: the field reads as not said (null; a trace's start, which every trace has, as its
 * arrival) and is named here. Absent on every row written since.
 */
const Invalid = z.array(z.string()).optional()
  .describe('Stored fields outside the accepted range (written before range checks), shown as not said; absent when none');

export const Usage = z.object({
  inputTokens: z.number().int().nonnegative().optional(),
  outputTokens: z.number().int().nonnegative().optional(),
  totalTokens: z.number().int().nonnegative().optional(),
  cacheReadTokens: z.number().int().nonnegative().optional(),
  cacheWriteTokens: z.number().int().nonnegative().optional(),
  reasoningTokens: z.number().int().nonnegative().optional(),
});
export type Usage = z.infer<typeof Usage>;

export const SpanEvent = z.object({
  name: z.string(),
  time: Iso.nullable(),
  attributes: Metadata,
});
export type SpanEvent = z.infer<typeof SpanEvent>;

export const SpanLink = z.object({
  traceId: z.string(),
  spanId: z.string(),
  attributes: Metadata,
});
export type SpanLink = z.infer<typeof SpanLink>;

// ---- native ingest shapes ------------------------------------------------------------------

export const TraceInput = z.object({
  id: Id,
  externalId: z.string().max(ID_CHARS).optional(),
  name: z.string().max(NAME_CHARS).optional(),
  status: TraceStatus.optional(),
  startTime: TimeInput.optional(),
  endTime: TimeInput.optional(),
  input: Json.optional(),
  output: Json.optional(),
  userId: z.string().max(ID_CHARS).optional(),
  sessionId: z.string().max(ID_CHARS).optional(),
  environment: z.string().max(LABEL_CHARS).optional(),
  release: z.string().max(LABEL_CHARS).optional(),
  tags: z.array(z.string().max(LABEL_CHARS)).max(MAX_TAGS).optional(),
  metadata: Metadata.optional(),
  testId: z.string().max(ID_CHARS).optional(),
});
export type TraceInput = z.infer<typeof TraceInput>;

export const SpanInput = z.object({
  id: Id,
  traceId: Id,
  parentId: Id.nullable().optional(),
  kind: SpanKind.optional(),
  name: z.string().max(NAME_CHARS).optional(),
  status: SpanStatus.optional(),
  error: z.string().optional(),
  startTime: TimeInput.optional(),
  endTime: TimeInput.optional(),
  input: Json.optional(),
  output: Json.optional(),
  model: z.string().max(LABEL_CHARS).optional(),
  provider: z.string().max(LABEL_CHARS).optional(),
  params: Metadata.optional(),
  usage: Usage.optional(),
  costUsd: z.number().nonnegative().optional(),
  metadata: Metadata.optional(),
  attributes: Metadata.optional(),
  events: z.array(z.object({ name: z.string(), time: TimeInput.optional(), attributes: Metadata.optional() })).optional(),
  links: z.array(z.object({ traceId: z.string(), spanId: z.string(), attributes: Metadata.optional() })).optional(),
  // Context that belongs to the trace but is often carried on spans (OpenInference, Langfuse).
  userId: z.string().max(ID_CHARS).optional(),
  sessionId: z.string().max(ID_CHARS).optional(),
});
export type SpanInput = z.infer<typeof SpanInput>;

export const ScoreValue = z.union([z.number(), z.string(), z.boolean()]);
export type ScoreValue = z.infer<typeof ScoreValue>;

export const ScoreInput = z.object({
  id: Id.optional(),
  traceId: Id,
  spanId: Id.optional(),
  name: z.string().min(1).max(LABEL_CHARS),
  value: ScoreValue,
  comment: z.string().max(COMMENT_CHARS).optional(),
  source: ScoreSource.optional(),
  createdAt: TimeInput.optional(),
});
export type ScoreInput = z.infer<typeof ScoreInput>;

export const IngestBody = z.object({
  traces: z.array(z.unknown()).optional(),
  spans: z.array(z.unknown()).optional(),
  scores: z.array(z.unknown()).optional(),
});

// ---- read shapes ---------------------------------------------------------------------------

export const Trace = z.object({
  id: z.string(),
  projectId: z.string(),
  externalId: z.string().nullable(),
  numericId: z.number().int(),
  name: z.string().nullable(),
  status: TraceStatus,
  startTime: Iso.describe('ISO 8601 time; when the stored start cannot be shown (see invalid), when the trace arrived'),
  endTime: Iso.nullable(),
  durationMs: z.number().nullable(),
  input: Json,
  output: Json,
  userId: z.string().nullable(),
  sessionId: z.string().nullable(),
  environment: z.string().nullable(),
  release: z.string().nullable(),
  tags: z.array(z.string()),
  metadata: Metadata,
  testId: z.string().nullable(),
  spanCount: z.number().int(),
  errorCount: z.number().int(),
  inputTokens: z.number().int(),
  outputTokens: z.number().int(),
  totalTokens: z.number().int(),
  costUsd: z.number().nullable(),
  invalid: Invalid,
});
export type Trace = z.infer<typeof Trace>;

export const Span = z.object({
  id: z.string(),
  traceId: z.string(),
  parentId: z.string().nullable(),
  projectId: z.string(),
  kind: SpanKind,
  name: z.string().nullable(),
  status: SpanStatus,
  error: z.string().nullable(),
  startTime: Iso.nullable(),
  endTime: Iso.nullable(),
  durationMs: z.number().nullable(),
  input: Json,
  output: Json,
  model: z.string().nullable(),
  provider: z.string().nullable(),
  params: Metadata,
  usage: Usage,
  costUsd: z.number().nullable(),
  metadata: Metadata,
  attributes: Metadata,
  events: z.array(SpanEvent),
  links: z.array(SpanLink),
  invalid: Invalid,
});
export type Span = z.infer<typeof Span>;

export const Score = z.object({
  id: z.string(),
  projectId: z.string(),
  traceId: z.string(),
  spanId: z.string().nullable(),
  name: z.string(),
  value: ScoreValue,
  comment: z.string().nullable(),
  source: ScoreSource,
  createdAt: Iso.nullable().describe('ISO 8601 time; null only when the stored one cannot be shown (see invalid)'),
  invalid: Invalid,
});
export type Score = z.infer<typeof Score>;

/** A score as a trace list row carries it (`include=scores`): enough to show it, without ids or times. */
export const BriefScore = Score.pick({ name: true, value: true, source: true, comment: true, spanId: true });
export type BriefScore = z.infer<typeof BriefScore>;

/** Most scores a trace list row carries; newer ones first, the rest are in GET /api/v1/traces/:id. */
export const LIST_ROW_SCORE_CAP = 50;

/** A row of the trace list: a Trace, plus the extras `include=` asked for. */
export const TraceListRow = Trace.extend({
  models: z.array(z.string()).optional()
    .describe('With include=models: the distinct models of the trace\'s spans, sorted (empty when no span names one)'),
  scores: z.array(BriefScore).optional()
    .describe(`With include=scores: the trace's scores, newest first, at most ${LIST_ROW_SCORE_CAP}`),
});
export type TraceListRow = z.infer<typeof TraceListRow>;

export const ErrorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});
