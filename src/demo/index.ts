// The demo data generator: realistic LLM-app traces (pure, seeded) and their wire encodings.
// `loupe demo` and the benchmarks (bench/) both use it.
import { encodeOtlpJson } from '../ingest/otlp/encode-json.js';
import { encodeOtlpProto } from '../ingest/otlp/encode-proto.js';
import { toNativeBatch } from './to-native.js';
import { toOtlpExport } from './to-otlp.js';
import type { DemoTrace } from './types.js';

export { generateTraces, type GenerateOptions } from './generate.js';
export { toOtlpExport } from './to-otlp.js';
export { toNativeBatch } from './to-native.js';
export type { DemoTrace, DemoSpan, DemoStyle } from './types.js';

export type WireFormat = 'otlp-proto' | 'otlp-json' | 'native';

export interface EncodedRequest {
  format: WireFormat;
  path: string;
  contentType: string;
  body: Buffer;
  traces: number;
  spans: number;
}

export const FORMAT_ROUTES: Record<WireFormat, { path: string; contentType: string }> = {
  'otlp-proto': { path: '/v1/traces', contentType: 'application/x-protobuf' },
  'otlp-json': { path: '/v1/traces', contentType: 'application/json' },
  native: { path: '/api/v1/ingest', contentType: 'application/json' },
};

/** Encodes traces as one request body in the given wire format. */
export function encodeRequest(traces: DemoTrace[], format: WireFormat): EncodedRequest {
  const body = format === 'otlp-proto' ? encodeOtlpProto(toOtlpExport(traces))
    : format === 'otlp-json' ? Buffer.from(JSON.stringify(encodeOtlpJson(toOtlpExport(traces))))
    : Buffer.from(JSON.stringify(toNativeBatch(traces)));
  return { format, ...FORMAT_ROUTES[format], body, traces: traces.length, spans: traces.reduce((n, t) => n + t.spans.length, 0) };
}
