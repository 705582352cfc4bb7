// Evalgate (seed 002): the collector batch and the direct trace and span API. Public surface.
export { collectorAdapter, createTraceAdapter, addSpanAdapter } from './adapter.js';
export { CollectorBody, CreateTraceBody, EvalgateSpanBody } from './schema.js';
export { EvalgateTrace, EvalgateSpan, evalgateTrace, evalgateSpan } from './present.js';
