// Test helpers for OTLP: JSON exports built from compact span descriptions, and the same spans
// as SDK ReadableSpans for the real OpenTelemetry serializers (protobuf and JSON).
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

export type Value = string | number | boolean | Uint8Array | Value[] | { [k: string]: Value };

export interface SpanSpec {
  traceId: string;
  spanId: string;
  parentId?: string;
  name: string;
  /** OTLP SpanKind number (1 INTERNAL … 5 CONSUMER). */
  kind?: number;
  /** Nanoseconds since the epoch, as a decimal string (exact). */
  start: string;
  /** Absent means the span is still open (its start part). */
  end?: string;
  attrs?: Record<string, Value>;
  events?: Array<{ name: string; time: string; attrs?: Record<string, Value> }>;
  links?: Array<{ traceId: string; spanId: string; attrs?: Record<string, Value> }>;
  status?: { code: number; message?: string };
}

export interface ResourceSpec {
  attrs?: Record<string, Value>;
  scope?: { name: string; version?: string };
  spans: SpanSpec[];
}

export function anyValue(v: Value): Record<string, unknown> {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'number') return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
  if (v instanceof Uint8Array) return { bytesValue: Buffer.from(v).toString('base64') };
  if (Array.isArray(v)) return { arrayValue: { values: v.map(anyValue) } };
  return { kvlistValue: { values: Object.entries(v).map(([key, x]) => ({ key, value: anyValue(x) })) } };
}

const kvs = (o: Record<string, Value> = {}) => Object.entries(o).map(([key, value]) => ({ key, value: anyValue(value) }));

/** An OTLP/JSON ExportTraceServiceRequest object. */
export function otlpJson(resources: ResourceSpec[]): Record<string, unknown> {
  return {
    resourceSpans: resources.map((r) => ({
      resource: { attributes: kvs(r.attrs) },
      scopeSpans: [{
        scope: r.scope ?? { name: 'loupe-test', version: '1.0.0' },
        spans: r.spans.map((s) => ({
          traceId: s.traceId,
          spanId: s.spanId,
          parentSpanId: s.parentId ?? '',
          name: s.name,
          kind: s.kind ?? 1,
          startTimeUnixNano: s.start,
          endTimeUnixNano: s.end ?? '0',
          attributes: kvs(s.attrs),
          events: (s.events ?? []).map((e) => ({ name: e.name, timeUnixNano: e.time, attributes: kvs(e.attrs) })),
          links: (s.links ?? []).map((l) => ({ traceId: l.traceId, spanId: l.spanId, attributes: kvs(l.attrs) })),
          status: s.status ?? {},
        })),
      }],
    })),
  };
}

/** One resource with these spans, as an OTLP/JSON body. */
export const exportOf = (spans: SpanSpec[], attrs: Record<string, Value> = { 'service.name': 'loupe-test' }) => otlpJson([{ attrs, spans }]);

function hr(nanos: string): [number, number] {
  const n = BigInt(nanos);
  return [Number(n / 1_000_000_000n), Number(n % 1_000_000_000n)];
}

/**
 * The same spans as SDK ReadableSpans. Attribute values are passed through untouched, so nested
 * maps and bytes reach the serializer (the SDK's setAttribute would drop them).
 */
export function readableSpans(resources: ResourceSpec[]): ReadableSpan[] {
  const out: ReadableSpan[] = [];
  for (const r of resources) {
    const resource = { attributes: r.attrs ?? {}, schemaUrl: undefined };
    const scope = r.scope ?? { name: 'loupe-test', version: '1.0.0' };
    for (const s of r.spans) {
      const ctx = { traceId: s.traceId, spanId: s.spanId, traceFlags: 1 };
      const span = {
        name: s.name,
        // The SDK's kind is the OTLP kind minus one.
        kind: (s.kind ?? 1) - 1,
        spanContext: () => ctx,
        parentSpanContext: s.parentId ? { traceId: s.traceId, spanId: s.parentId, traceFlags: 1 } : undefined,
        startTime: hr(s.start),
        endTime: s.end ? hr(s.end) : [0, 0],
        status: s.status ?? { code: 0 },
        attributes: s.attrs ?? {},
        links: (s.links ?? []).map((l) => ({ context: { traceId: l.traceId, spanId: l.spanId, traceFlags: 1 }, attributes: l.attrs ?? {} })),
        events: (s.events ?? []).map((e) => ({ name: e.name, time: hr(e.time), attributes: e.attrs ?? {} })),
        duration: [0, 0],
        ended: !!s.end,
        resource,
        instrumentationScope: scope,
        droppedAttributesCount: 0,
        droppedEventsCount: 0,
        droppedLinksCount: 0,
      };
      out.push(span as unknown as ReadableSpan);
    }
  }
  return out;
}

/** Protobuf bytes from the real OpenTelemetry serializer. */
export function otlpProto(resources: ResourceSpec[]): Buffer {
  return Buffer.from(ProtobufTraceSerializer.serializeRequest(readableSpans(resources) as never) as Uint8Array);
}

/** JSON bytes from the real OpenTelemetry serializer (the otlp-http exporter's encoding). */
export function otlpSdkJson(resources: ResourceSpec[]): Buffer {
  return Buffer.from(JsonTraceSerializer.serializeRequest(readableSpans(resources) as never) as Uint8Array);
}

let counter = 0;
/** Fresh random-looking ids, unique within a test run. */
export function ids(): { traceId: string; spanId: () => string } {
  counter++;
  const rnd = (n: number) => Array.from({ length: n }, () => Math.floor(Math.random() * 16).toString(16)).join('');
  const traceId = `${counter.toString(16).padStart(6, '0')}${rnd(25)}f`;
  let s = 0;
  return { traceId, spanId: () => `${(++s).toString(16).padStart(4, '0')}${rnd(11)}1` };
}

/** Nanosecond string for `ms` milliseconds (plus `extraNanos`) since the epoch. */
export function nanos(ms: number, extraNanos = 0): string {
  return (BigInt(ms) * 1_000_000n + BigInt(extraNanos)).toString();
}

/** A small seeded PRNG (mulberry32), so fuzz failures reproduce. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
