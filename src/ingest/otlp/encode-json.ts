// OTLP/JSON ENCODER: OtlpExport -> the proto3 JSON an OTel exporter sends (hex ids, nanosecond
// times as decimal strings, attributes as {key, value: AnyValue} lists). Mirror of decode-json.ts.
import type { AttrValue, Attributes, OtlpExport, OtlpSpan } from './types.js';

type Json = Record<string, unknown>;

function anyValue(v: AttrValue): Json {
  if (v === null || v === undefined) return {};
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'number') return Number.isSafeInteger(v) ? { intValue: String(v) } : { doubleValue: v };
  if (Array.isArray(v)) return { arrayValue: { values: v.map(anyValue) } };
  return { kvlistValue: { values: attributes(v) } };
}

function attributes(attrs: Attributes): Json[] {
  const out: Json[] = [];
  for (const key in attrs) out.push({ key, value: anyValue(attrs[key]) });
  return out;
}

const nanos = (us: number | undefined) => (us ? `${us}000` : undefined);

function span(s: OtlpSpan): Json {
  const out: Json = { traceId: s.traceId, spanId: s.spanId };
  if (s.parentSpanId) out.parentSpanId = s.parentSpanId;
  out.name = s.name;
  out.kind = s.kind;
  if (s.startTime) out.startTimeUnixNano = nanos(s.startTime);
  if (s.endTime) out.endTimeUnixNano = nanos(s.endTime);
  out.attributes = attributes(s.attributes);
  if (s.events.length) out.events = s.events.map((e) => ({ ...(e.time ? { timeUnixNano: nanos(e.time) } : {}), name: e.name, attributes: attributes(e.attributes) }));
  if (s.links.length) out.links = s.links.map((l) => ({ traceId: l.traceId, spanId: l.spanId, attributes: attributes(l.attributes) }));
  if (s.statusCode || s.statusMessage) out.status = { ...(s.statusCode ? { code: s.statusCode } : {}), ...(s.statusMessage ? { message: s.statusMessage } : {}) };
  return out;
}

/** The export as an OTLP/JSON ExportTraceServiceRequest object (JSON.stringify it to send). */
export function encodeOtlpJson(exp: OtlpExport): Json {
  return {
    resourceSpans: exp.resourceSpans.map((rs) => ({
      resource: { attributes: attributes(rs.resource) },
      scopeSpans: rs.scopeSpans.map((ss) => ({ scope: { name: ss.scope.name, version: ss.scope.version }, spans: ss.spans.map(span) })),
    })),
  };
}
