// OTLP trace export, decoded: the shape both the JSON and the protobuf decoders produce, with
// ids as lowercase hex, times as µs, and attributes flattened to plain JS values.

export type AttrValue = string | number | boolean | null | AttrValue[] | { [k: string]: AttrValue };
export type Attributes = Record<string, AttrValue>;

export interface OtlpEvent {
  time?: number;
  name: string;
  attributes: Attributes;
}

export interface OtlpLink {
  traceId: string;
  spanId: string;
  attributes: Attributes;
}

export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  startTime?: number;
  endTime?: number;
  attributes: Attributes;
  events: OtlpEvent[];
  links: OtlpLink[];
  statusCode: number;
  statusMessage: string;
}

export interface OtlpScopeSpans {
  scope: { name: string; version: string };
  spans: OtlpSpan[];
}

export interface OtlpResourceSpans {
  resource: Attributes;
  scopeSpans: OtlpScopeSpans[];
}

export interface OtlpExport {
  resourceSpans: OtlpResourceSpans[];
}

/** Thrown by a decoder for a body it cannot read at all (a 400). */
export class OtlpDecodeError extends Error {}
