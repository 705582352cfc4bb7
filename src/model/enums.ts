// The closed vocabularies of the model, defined once; the store, the API and the adapters share them.
import { z } from 'zod';

export const SPAN_KINDS = [
  'llm', 'tool', 'retrieval', 'agent', 'chain', 'embedding', 'reranker', 'guardrail',
  'evaluator', 'prompt', 'message', 'system', 'event', 'log', 'span',
] as const;
export const SpanKind = z.enum(SPAN_KINDS);
export type SpanKind = z.infer<typeof SpanKind>;

/** Kinds whose usage and cost roll up into the trace: agents and chains repeat their children's. */
export const USAGE_KINDS: readonly SpanKind[] = ['llm', 'embedding'];

export const TraceStatus = z.enum(['pending', 'success', 'error']);
export type TraceStatus = z.infer<typeof TraceStatus>;

export const SpanStatus = z.enum(['unset', 'ok', 'error']);
export type SpanStatus = z.infer<typeof SpanStatus>;

export const ScoreSource = z.enum(['user', 'api', 'eval']);
export type ScoreSource = z.infer<typeof ScoreSource>;

export const SCOPES = ['ingest', 'read', 'admin'] as const;
export const Scope = z.enum(SCOPES);
export type Scope = z.infer<typeof Scope>;
