// @loupe/sdk: tracing for LLM apps, sent to a Loupe server's native ingest API.
export { Loupe, type LoupeOptions } from './client.js';
export { Observation, Trace, Span, Generation } from './observation.js';
export { wrapOpenAI, type WrapOpenAIOptions } from './integrations/openai.js';
export { LoupeSpanProcessor, type LoupeSpanProcessorOptions, type OtelSpan } from './integrations/otel.js';
export { LoupeDeliveryError, LoupeError, type DeliveryFailure } from './errors.js';
export { traceId as newTraceId, spanId as newSpanId } from './ids.js';
export type { AsyncLocalStorageLike } from './runtime.js';
export type {
  Feedback, GenerationOptions, GenerationResult, Metadata, ObserveOptions, ScoreValue, SpanKind, SpanOptions,
  SpanUpdate, Stats, TraceOptions, TraceUpdate, Usage,
} from './types.js';
