// The Avido ingest body (`POST /v0/ingest`, seed 000 and the Avido API's event model): one zod
// schema, `AvidoBody`, built from one schema per event type. Events are validated one by one so
// a bad event is answered in its own slot and the others still go through.
import { z } from 'zod';
import { microsFromIso } from '../../model/time.js';

const Id = z.string().min(1).max(800).regex(/^[^\r\n]*$/, 'ids must not contain line breaks');

/** ISO 8601 text or epoch milliseconds; checked here so the mapping cannot meet a bad time. */
export const AvidoTime = z.union([
  z.string().min(1).refine((s) => microsFromIso(s) !== undefined, 'not an ISO 8601 time'),
  z.number().nonnegative(),
]);

/** Avido accepts JSON as an object, an array or a string (parsed when it is JSON). */
const Loose = z.union([z.string(), z.record(z.string(), z.unknown()), z.array(z.unknown())]);

const StepFields = {
  timestamp: AvidoTime,
  /** The trace's id or its referenceId; optional when the request holds exactly one trace. */
  traceId: Id.optional(),
  /** The step's own id (nested steps carry one); used as the span id when given. */
  id: Id.optional(),
  name: z.string().max(2000).optional(),
  /** The key of a `group` step this step belongs to (becomes the span's parent). */
  group: z.string().min(1).max(800).optional(),
  metadata: Loose.optional(),
  params: Loose.optional(),
};

export const AvidoUsage = z.object({
  promptTokens: z.number().int().nonnegative().optional(),
  completionTokens: z.number().int().nonnegative().optional(),
  totalTokens: z.number().int().nonnegative().optional(),
});

export const AvidoLlmStart = z.object({ type: z.literal('llm'), event: z.literal('start'), modelId: z.string().min(1).max(200), input: Loose, ...StepFields });
export const AvidoLlmEnd = z.object({
  type: z.literal('llm'),
  event: z.literal('end'),
  modelId: z.string().min(1).max(200).optional(),
  output: Loose.optional(),
  usage: AvidoUsage.optional(),
  ...StepFields,
});
export const AvidoTool = z.object({ type: z.literal('tool'), toolInput: Loose.optional(), toolOutput: Loose.optional(), ...StepFields });
export const AvidoRetriever = z.object({ type: z.literal('retriever'), query: Loose, result: Loose, ...StepFields });
/** `level` is a Loupe extension; without it a log counts as an error when its name says so. */
export const AvidoLog = z.object({ type: z.literal('log'), content: Loose, level: z.string().max(50).optional(), ...StepFields });
export const AvidoGroup = z.object({ type: z.literal('group'), key: z.string().min(1).max(800), ...StepFields });
export const AvidoRequest = z.object({ type: z.literal('request'), content: Loose, ...StepFields });
export const AvidoResponse = z.object({ type: z.literal('response'), content: Loose, ...StepFields });

export const AvidoLlm = z.discriminatedUnion('event', [AvidoLlmStart, AvidoLlmEnd]);

export const AvidoStep = z.discriminatedUnion('type', [AvidoLlm, AvidoTool, AvidoRetriever, AvidoLog, AvidoGroup, AvidoRequest, AvidoResponse]);

export const AvidoTrace = z.object({
  type: z.literal('trace'),
  timestamp: AvidoTime,
  referenceId: Id.optional(),
  testId: z.string().min(1).max(800).optional(),
  name: z.string().max(2000).optional(),
  metadata: Loose.optional(),
  /** Steps sent inside their trace; their own traceId is ignored. */
  steps: z.array(AvidoStep).optional(),
});

export const AvidoEvent = z.discriminatedUnion('type', [AvidoTrace, AvidoLlm, AvidoTool, AvidoRetriever, AvidoLog, AvidoGroup, AvidoRequest, AvidoResponse]);

/** The whole body as documented; the route checks only the envelope at once, then each event. */
export const AvidoBody = z.object({ events: z.array(AvidoEvent) });
export const AvidoEnvelope = z.object({ events: z.array(z.unknown()) });

export const AvidoItemResult = z.object({ success: z.boolean(), id: z.string(), error: z.string().optional() });
export const AvidoResults = z.object({ data: z.array(AvidoItemResult) });

export type AvidoEvent = z.infer<typeof AvidoEvent>;
export type AvidoStep = z.infer<typeof AvidoStep>;
export type AvidoTrace = z.infer<typeof AvidoTrace>;
export type AvidoItemResult = z.infer<typeof AvidoItemResult>;
