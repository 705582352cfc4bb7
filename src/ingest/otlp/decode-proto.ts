// OTLP/protobuf (ExportTraceServiceRequest, opentelemetry-proto trace/v1) decoded straight into
// OtlpExport, field by field, skipping unknown fields as proto3 requires.
import { ProtoReader } from './proto-reader.js';
import { OtlpDecodeError, type AttrValue, type Attributes, type OtlpEvent, type OtlpExport, type OtlpLink, type OtlpResourceSpans, type OtlpScopeSpans, type OtlpSpan } from './types.js';

function anyValue(r: ProtoReader): AttrValue {
  let v: AttrValue = null;
  while (!r.done()) {
    const tf = r.varint();
    const f = tf >>> 3;
    const w = tf & 7;
    if (f === 1 && w === 2) v = r.string();
    else if (f === 2 && w === 0) v = r.varint() !== 0;
    else if (f === 3 && w === 0) v = r.int64();
    else if (f === 4 && w === 1) v = r.double();
    else if (f === 5 && w === 2) v = arrayValue(r.sub());
    else if (f === 6 && w === 2) {
      const kv: Attributes = {};
      const sub = r.sub();
      while (!sub.done()) {
        const tf2 = sub.varint();
        const f2 = tf2 >>> 3;
        const w2 = tf2 & 7;
        if (f2 === 1 && w2 === 2) keyValue(sub, kv);
        else sub.skip(w2);
      }
      v = kv;
    } else if (f === 7 && w === 2) {
      const [s, e] = r.bytes();
      v = r.buf.toString('base64', s, e);
    } else r.skip(w);
  }
  return v;
}

function arrayValue(r: ProtoReader): AttrValue[] {
  const out: AttrValue[] = [];
  while (!r.done()) {
    const tf = r.varint();
    const f = tf >>> 3;
    const w = tf & 7;
    if (f === 1 && w === 2) out.push(anyValue(r.sub()));
    else r.skip(w);
  }
  return out;
}

/** The KeyValue at r's position (a length-delimited field) into `into`. */
function keyValue(r: ProtoReader, into: Attributes): void {
  const outer = r.enter();
  let key = '';
  let value: AttrValue = null;
  while (!r.done()) {
    const tf = r.varint();
    const f = tf >>> 3;
    const w = tf & 7;
    if (f === 1 && w === 2) key = r.string();
    else if (f === 2 && w === 2) {
      const inner = r.enter();
      value = anyValue(r);
      r.leave(inner);
    } else r.skip(w);
  }
  r.leave(outer);
  into[key] = value;
}

function status(r: ProtoReader, s: OtlpSpan): void {
  while (!r.done()) {
    const tf = r.varint();
    const f = tf >>> 3;
    const w = tf & 7;
    if (f === 2 && w === 2) s.statusMessage = r.string();
    else if (f === 3 && w === 0) s.statusCode = r.varint();
    else r.skip(w);
  }
}

function event(r: ProtoReader): OtlpEvent {
  const e: OtlpEvent = { name: '', attributes: {} };
  while (!r.done()) {
    const tf = r.varint();
    const f = tf >>> 3;
    const w = tf & 7;
    if (f === 1 && w === 1) e.time = r.fixed64Micros() || undefined;
    else if (f === 2 && w === 2) e.name = r.string();
    else if (f === 3 && w === 2) keyValue(r, e.attributes);
    else r.skip(w);
  }
  return e;
}

function link(r: ProtoReader): OtlpLink {
  const l: OtlpLink = { traceId: '', spanId: '', attributes: {} };
  while (!r.done()) {
    const tf = r.varint();
    const f = tf >>> 3;
    const w = tf & 7;
    if (f === 1 && w === 2) l.traceId = r.hex();
    else if (f === 2 && w === 2) l.spanId = r.hex();
    else if (f === 4 && w === 2) keyValue(r, l.attributes);
    else r.skip(w);
  }
  return l;
}

const validHex = (hex: string, len: number) => (hex.length === len && !/^0+$/.test(hex) ? hex : '');

function span(r: ProtoReader): OtlpSpan {
  const s: OtlpSpan = { traceId: '', spanId: '', parentSpanId: '', name: '', kind: 0, attributes: {}, events: [], links: [], statusCode: 0, statusMessage: '' };
  while (!r.done()) {
    const tf = r.varint();
    const f = tf >>> 3;
    const w = tf & 7;
    switch (f) {
      case 1: if (w === 2) { s.traceId = validHex(r.hex(), 32); continue; } break;
      case 2: if (w === 2) { s.spanId = validHex(r.hex(), 16); continue; } break;
      case 4: if (w === 2) { s.parentSpanId = validHex(r.hex(), 16); continue; } break;
      case 5: if (w === 2) { s.name = r.string(); continue; } break;
      case 6: if (w === 0) { s.kind = r.varint(); continue; } break;
      case 7: if (w === 1) { s.startTime = r.fixed64Micros() || undefined; continue; } break;
      case 8: if (w === 1) { s.endTime = r.fixed64Micros() || undefined; continue; } break;
      case 9: if (w === 2) { keyValue(r, s.attributes); continue; } break;
      case 11: if (w === 2) { s.events.push(event(r.sub())); continue; } break;
      case 13: if (w === 2) { s.links.push(link(r.sub())); continue; } break;
      case 15: if (w === 2) { status(r.sub(), s); continue; } break;
    }
    r.skip(w);
  }
  return s;
}

function scopeSpans(r: ProtoReader): OtlpScopeSpans {
  const ss: OtlpScopeSpans = { scope: { name: '', version: '' }, spans: [] };
  while (!r.done()) {
    const tf = r.varint();
    const f = tf >>> 3;
    const w = tf & 7;
    if (f === 1 && w === 2) {
      const sc = r.sub();
      while (!sc.done()) {
        const tf2 = sc.varint();
        const f2 = tf2 >>> 3;
        const w2 = tf2 & 7;
        if (f2 === 1 && w2 === 2) ss.scope.name = sc.string();
        else if (f2 === 2 && w2 === 2) ss.scope.version = sc.string();
        else sc.skip(w2);
      }
    } else if (f === 2 && w === 2) ss.spans.push(span(r.sub()));
    else r.skip(w);
  }
  return ss;
}

function resourceSpans(r: ProtoReader): OtlpResourceSpans {
  const rs: OtlpResourceSpans = { resource: {}, scopeSpans: [] };
  while (!r.done()) {
    const tf = r.varint();
    const f = tf >>> 3;
    const w = tf & 7;
    if (f === 1 && w === 2) {
      const res = r.sub();
      while (!res.done()) {
        const tf2 = res.varint();
        const f2 = tf2 >>> 3;
        const w2 = tf2 & 7;
        if (f2 === 1 && w2 === 2) keyValue(res, rs.resource);
        else res.skip(w2);
      }
    } else if (f === 2 && w === 2) rs.scopeSpans.push(scopeSpans(r.sub()));
    else r.skip(w);
  }
  return rs;
}

export function decodeOtlpProto(buf: Buffer): OtlpExport {
  const r = new ProtoReader(buf);
  const out: OtlpExport = { resourceSpans: [] };
  try {
    while (!r.done()) {
      const tf = r.varint();
      const f = tf >>> 3;
      const w = tf & 7;
      if (f === 1 && w === 2) out.resourceSpans.push(resourceSpans(r.sub()));
      else r.skip(w);
    }
  } catch (e) {
    if (e instanceof OtlpDecodeError) throw new OtlpDecodeError(`protobuf body is malformed: ${e.message}`);
    throw new OtlpDecodeError(`protobuf body is malformed: ${(e as Error).message}`);
  }
  return out;
}
