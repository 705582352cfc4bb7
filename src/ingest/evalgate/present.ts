// Loupe's read model in Evalgate's shapes: a trace is known by its numeric id (Loupe's
// numericId), whatever format brought it; a span names its trace by that numeric id.
import { z } from 'zod';
import type { Span, Trace } from '../../model/schemas.js';

export const EvalgateTrace = z.object({
  id: z.number().int().describe('Numeric id: the path parameter of /api/traces/:id'),
  traceId: z.string().describe('The trace id string (for Evalgate traces, the traceId sent)'),
  organizationId: z.number().int().describe('The owning Loupe project'),
  name: z.string().nullable(),
  status: z.enum(['pending', 'success', 'error']),
  durationMs: z.number().nullable(),
  metadata: z.record(z.string(), z.unknown()),
  startTime: z.string(),
  endTime: z.string().nullable(),
  spanCount: z.number().int(),
  totalTokens: z.number().int(),
  costUsd: z.number().nullable(),
});
export type EvalgateTrace = z.infer<typeof EvalgateTrace>;

export const EvalgateSpan = z.object({
  traceId: z.number().int().describe("The trace's numeric id"),
  spanId: z.string(),
  parentSpanId: z.string().nullable(),
  name: z.string().nullable(),
  type: z.string().describe('llm, tool or retrieval; spans from other formats keep their Loupe kind (agent, chain, …)'),
  status: z.string(),
  startTime: z.string().nullable(),
  endTime: z.string().nullable(),
  durationMs: z.number().nullable(),
  input: z.unknown(),
  output: z.unknown(),
  metadata: z.record(z.string(), z.unknown()),
});
export type EvalgateSpan = z.infer<typeof EvalgateSpan>;

export function evalgateTrace(t: Trace): EvalgateTrace {
  return {
    id: t.numericId,
    traceId: t.id,
    organizationId: Number(t.projectId),
    name: t.name,
    status: t.status,
    durationMs: t.durationMs,
    metadata: t.metadata,
    startTime: t.startTime,
    endTime: t.endTime,
    spanCount: t.spanCount,
    totalTokens: t.totalTokens,
    costUsd: t.costUsd,
  };
}

export function evalgateSpan(s: Span, numericTraceId: number): EvalgateSpan {
  return {
    traceId: numericTraceId,
    spanId: s.id,
    parentSpanId: s.parentId,
    name: s.name,
    type: s.kind,
    status: s.status,
    startTime: s.startTime,
    endTime: s.endTime,
    durationMs: s.durationMs,
    input: s.input,
    output: s.output,
    metadata: s.metadata,
  };
}
