// The API's read shapes, taken from the server's model as types only (nothing of it is bundled),
// plus the optional list extras the dashboard asks for with `include=`.
import type { Score, Span, Trace } from '../../../src/model/schemas';
import type { SpanKind, TraceStatus } from '../../../src/model/enums';
import type { ChatMessage, ToolCall } from '../../../src/model/messages';

export type { Score, Span, Trace, SpanKind, TraceStatus, ChatMessage, ToolCall };

export interface ScoreChip {
  name: string;
  value: number | string | boolean;
  source: string;
  comment: string | null;
  spanId: string | null;
}

/** A row of GET /api/v1/traces?include=models,scores. */
export interface TraceRow extends Trace {
  models?: string[];
  scores?: ScoreChip[];
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export interface TraceDetail {
  trace: Trace;
  spans: Span[];
  scores: Score[];
}

export interface WhoAmI {
  project: { id: string; name: string };
  scopes: string[];
  keyId: string;
}
