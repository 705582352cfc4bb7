// Evalgate's request bodies (seed 002), one zod schema each: the collector batch, a trace
// created directly, a span added to a trace. Times are ISO 8601 text or epoch milliseconds and
// become microseconds here, so a bad time is reported with its path like any other issue.
import { z } from 'zod';
import { microsFromInput } from '../../model/time.js';

const Id = z.string().min(1).max(800).regex(/^[^\r\n]*$/, 'ids must not contain line breaks');
const Metadata = z.record(z.string(), z.unknown());
const Ms = z.number().nonnegative();

const Time = z.union([z.string().min(1), z.number().nonnegative()]).transform((v, ctx) => {
  const us = microsFromInput(v);
  if (us === undefined) {
    ctx.addIssue({ code: 'custom', message: `not an ISO 8601 time or epoch milliseconds: ${typeof v === 'string' ? v : JSON.stringify(v)}` });
    return z.NEVER;
  }
  return us;
});

export const EvalgateStatus = z.enum(['pending', 'success', 'error']);
export const EvalgateSpanType = z.enum(['llm', 'tool', 'retrieval']);

/** A span, in the collector's `spans` and in POST /api/traces/:id/spans. */
export const EvalgateSpanBody = z.object({
  name: z.string().min(1).max(2000),
  spanId: Id.optional().describe('Your id for the span; derived from its content when absent'),
  type: EvalgateSpanType.optional().describe('llm, tool or retrieval'),
  startTime: Time.optional().describe('ISO 8601 (or epoch ms) start'),
  input: z.unknown().optional(),
  output: z.unknown().optional(),
  metadata: Metadata.optional().describe('Free JSON; model, token counts, latencyMs and cost are also read from it'),
  // Loupe extensions, all optional: Evalgate clients never send them.
  endTime: Time.optional().describe('Loupe extension: ISO 8601 (or epoch ms) end'),
  durationMs: Ms.optional().describe('Loupe extension: the span ends this long after startTime'),
  parentSpanId: Id.optional().describe('Loupe extension: the enclosing span'),
});
export type EvalgateSpanBody = z.output<typeof EvalgateSpanBody>;

const TraceFields = {
  name: z.string().min(1).max(2000),
  traceId: Id.describe('Your id for the trace, unique in the project: it becomes the Loupe trace id and externalId'),
  durationMs: Ms.optional().describe('End-to-end duration in milliseconds'),
  metadata: Metadata.optional(),
  startTime: Time.optional().describe('Loupe extension: when the trace started (default: its earliest span, else arrival)'),
};

export const CollectorTrace = z.object({
  ...TraceFields,
  status: EvalgateStatus.optional().describe('Default success: the collector mirrors finished traffic'),
  spans: z.array(EvalgateSpanBody).max(10_000).optional(),
});
export type CollectorTrace = z.output<typeof CollectorTrace>;

/** POST /api/collector */
export const CollectorBody = z.object({ traces: z.array(CollectorTrace).max(10_000) });
export type CollectorBody = z.output<typeof CollectorBody>;

/** POST /api/traces */
export const CreateTraceBody = z.object({
  ...TraceFields,
  organizationId: z.union([z.number().int(), z.string().regex(/^\d+$/)]).optional()
    .describe('Accepted for compatibility; a trace belongs to the key\'s project'),
  status: EvalgateStatus.default('pending'),
});
export type CreateTraceBody = z.output<typeof CreateTraceBody>;
