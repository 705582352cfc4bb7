// The Langfuse ingestion API (POST /api/public/ingestion), as one zod schema: the batch envelope
// and every event type with its body (wire-formats.md §4.1). Lenient where the SDKs are: nulls
// mean "not said", unknown fields are dropped.
import { z } from 'zod';

const Id = z.string().min(1).max(800).regex(/^[^\r\n]*$/, 'ids must not contain line breaks');
const Time = z.string().min(1).describe('ISO 8601 time with offset');
const Text = z.string().nullish();
const Environment = z.string().trim().toLowerCase().max(40).regex(/^[a-z0-9-_]+$/, 'environment must match ^[a-z0-9-_]+$').nullish();
const Num = z.number().nullish();

export const Level = z.enum(['DEBUG', 'DEFAULT', 'WARNING', 'ERROR']);

/** Legacy `usage`: Langfuse's own shape or OpenAI's camel-cased one. */
export const LegacyUsage = z.object({
  input: Num, output: Num, total: Num,
  unit: z.enum(['CHARACTERS', 'TOKENS', 'MILLISECONDS', 'SECONDS', 'IMAGES', 'REQUESTS']).nullish(),
  inputCost: Num, outputCost: Num, totalCost: Num,
  promptTokens: Num, completionTokens: Num, totalTokens: Num,
});
export type LegacyUsage = z.infer<typeof LegacyUsage>;

/** `usageDetails`: a map of counts, or OpenAI chat / Responses usage (with nested *_details). */
export const UsageDetails = z.record(z.string(), z.union([z.number(), z.record(z.string(), z.number().nullish()), z.null()]));
export type UsageDetails = z.infer<typeof UsageDetails>;

export const CostDetails = z.record(z.string(), z.number().nonnegative().nullish());

export const TraceBody = z.object({
  id: Id.nullish(),
  timestamp: Time.nullish(),
  name: z.string().max(1000).nullish(),
  externalId: Text,
  userId: Text,
  sessionId: Text,
  input: z.unknown().optional(),
  output: z.unknown().optional(),
  metadata: z.unknown().optional(),
  tags: z.array(z.string()).nullish(),
  release: Text,
  version: Text,
  public: z.boolean().nullish(),
  environment: Environment,
});
export type TraceBody = z.infer<typeof TraceBody>;

/** Every observation body (span, generation, event, agent, tool, …), create or update. */
export const ObservationBody = z.object({
  id: Id.nullish(),
  traceId: Id.nullish(),
  parentObservationId: Id.nullish(),
  name: Text,
  startTime: Time.nullish(),
  endTime: Time.nullish(),
  completionStartTime: Time.nullish(),
  input: z.unknown().optional(),
  output: z.unknown().optional(),
  metadata: z.unknown().optional(),
  level: Level.nullish(),
  statusMessage: Text,
  version: Text,
  environment: Environment,
  model: Text,
  modelParameters: z.record(z.string(), z.unknown()).nullish(),
  usage: LegacyUsage.nullish(),
  usageDetails: UsageDetails.nullish(),
  costDetails: CostDetails.nullish(),
  promptName: Text,
  promptVersion: z.number().int().nullish(),
});
export type ObservationBody = z.infer<typeof ObservationBody>;

const UpdateBody = ObservationBody.extend({ id: Id });
const LegacyObservationBody = ObservationBody.extend({ type: z.enum(['GENERATION', 'SPAN', 'EVENT']) });
export type LegacyObservationBody = z.infer<typeof LegacyObservationBody>;

export const ScoreBody = z.object({
  id: Id.nullish(),
  traceId: Id.nullish(),
  observationId: Id.nullish(),
  sessionId: Text,
  datasetRunId: Text,
  name: z.string().min(1).max(1000),
  value: z.union([z.number(), z.string()]),
  comment: Text,
  metadata: z.unknown().optional(),
  environment: Environment,
  configId: Text,
  queueId: Text,
  source: z.enum(['API', 'EVAL', 'ANNOTATION']).nullish(),
  dataType: z.enum(['NUMERIC', 'CATEGORICAL', 'BOOLEAN', 'TEXT', 'CORRECTION']).nullish(),
}).superRefine((s, ctx) => {
  const bad = (message: string) => ctx.addIssue({ code: 'custom', path: ['value'], message });
  switch (s.dataType) {
    case 'NUMERIC': if (typeof s.value !== 'number') bad('Value must be a number for data type NUMERIC'); break;
    case 'BOOLEAN': if (s.value !== 0 && s.value !== 1) bad('Value must be a number equal to either 0 or 1 for data type BOOLEAN'); break;
    case 'CATEGORICAL': case 'CORRECTION': if (typeof s.value !== 'string') bad(`Value must be a string for data type ${s.dataType}`); break;
    case 'TEXT': if (typeof s.value !== 'string' || s.value.length < 1 || s.value.length > 500) bad('Value must be a string of 1 to 500 characters for data type TEXT'); break;
  }
});
export type ScoreBody = z.infer<typeof ScoreBody>;

/** The observation-creating event types; the suffix names the kind. Only span and generation have updates. */
export const OBSERVATION_CREATE_TYPES = [
  'span-create', 'generation-create', 'event-create', 'agent-create', 'tool-create', 'chain-create',
  'retriever-create', 'evaluator-create', 'embedding-create', 'guardrail-create',
] as const;
export type ObservationCreateType = (typeof OBSERVATION_CREATE_TYPES)[number];

const base = { id: z.string().min(1).max(800), timestamp: Time, metadata: z.unknown().optional() };
const event = <T extends string, B extends z.ZodType>(type: T, body: B) => z.object({ ...base, type: z.literal(type), body });

export const IngestionEvent = z.discriminatedUnion('type', [
  event('trace-create', TraceBody),
  ...OBSERVATION_CREATE_TYPES.map((t) => event(t, ObservationBody)),
  event('span-update', UpdateBody),
  event('generation-update', UpdateBody),
  event('observation-create', LegacyObservationBody),
  event('observation-update', LegacyObservationBody.extend({ id: Id })),
  event('score-create', ScoreBody),
  event('sdk-log', z.object({ log: z.unknown().optional() })),
  event('dataset-run-item-create', z.unknown().optional()),
]);
export type IngestionEvent = z.infer<typeof IngestionEvent>;

/** The envelope; events are validated one by one so a bad event does not sink the batch. */
export const IngestionEnvelope = z.object({
  batch: z.array(z.unknown()),
  metadata: z.unknown().optional(),
});

/** The documented request shape (for /openapi.json). */
export const IngestionRequest = z.object({ batch: z.array(IngestionEvent), metadata: z.unknown().optional() });

export const IngestionResponse = z.object({
  successes: z.array(z.object({ id: z.string(), status: z.number().int() })),
  errors: z.array(z.object({ id: z.string(), status: z.number().int(), message: z.string(), error: z.string().optional() })),
});
export type IngestionResponse = z.infer<typeof IngestionResponse>;
