// OTLP/protobuf ENCODER: OtlpExport -> ExportTraceServiceRequest bytes, the mirror of
// decode-proto.ts. Used by the demo and the benchmarks to speak the wire format clients send.
// Integers become int_value, other numbers double_value, null an empty AnyValue.
import type { AttrValue, Attributes, OtlpEvent, OtlpExport, OtlpLink, OtlpSpan } from './types.js';

/** A growable byte buffer with the protobuf primitives. */
class ProtoWriter {
  buf = Buffer.allocUnsafe(4096);
  pos = 0;

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  varint(v: number): void {
    this.ensure(10);
    while (v > 0x7f) {
      this.buf[this.pos++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.pos++] = v;
  }

  tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  /** int64 as a varint: negatives as 10-byte two's complement. */
  int64(field: number, v: number): void {
    this.tag(field, 0);
    if (v >= 0) return this.varint(v);
    let big = BigInt.asUintN(64, BigInt(v));
    this.ensure(10);
    while (big > 0x7fn) {
      this.buf[this.pos++] = Number(big & 0x7fn) | 0x80;
      big >>= 7n;
    }
    this.buf[this.pos++] = Number(big);
  }

  string(field: number, s: string): void {
    const len = Buffer.byteLength(s, 'utf8');
    this.tag(field, 2);
    this.varint(len);
    this.ensure(len);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  hexBytes(field: number, hex: string): void {
    if (!hex) return;
    this.tag(field, 2);
    this.varint(hex.length / 2);
    this.ensure(hex.length / 2);
    this.pos += this.buf.write(hex, this.pos, 'hex');
  }

  /** µs since the epoch as fixed64 nanoseconds, exact beyond 2^53 via hi/lo words. */
  fixed64Nanos(field: number, micros: number | undefined): void {
    if (!micros) return;
    this.tag(field, 1);
    this.ensure(8);
    const ns = BigInt(micros) * 1000n;
    this.buf.writeUInt32LE(Number(ns & 0xffffffffn), this.pos);
    this.buf.writeUInt32LE(Number(ns >> 32n), this.pos + 4);
    this.pos += 8;
  }

  double(field: number, v: number): void {
    this.tag(field, 1);
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  /** Writes a length-delimited sub-message: reserves the length, writes, then patches it. */
  message(field: number, body: () => void): void {
    this.tag(field, 2);
    // Reserve 5 bytes for the length (enough for 2^35), then close the gap if shorter.
    this.ensure(5);
    const lenAt = this.pos;
    this.pos += 5;
    const start = this.pos;
    body();
    const len = this.pos - start;
    const lenBytes: number[] = [];
    let v = len;
    while (v > 0x7f) {
      lenBytes.push((v & 0x7f) | 0x80);
      v = Math.floor(v / 128);
    }
    lenBytes.push(v);
    const shift = 5 - lenBytes.length;
    if (shift > 0) this.buf.copyWithin(lenAt + lenBytes.length, start, this.pos);
    for (let i = 0; i < lenBytes.length; i++) this.buf[lenAt + i] = lenBytes[i];
    this.pos -= shift;
  }

  finish(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos));
  }
}

function anyValue(w: ProtoWriter, v: AttrValue): void {
  if (v === null || v === undefined) return;
  if (typeof v === 'string') w.string(1, v);
  else if (typeof v === 'boolean') {
    w.tag(2, 0);
    w.varint(v ? 1 : 0);
  } else if (typeof v === 'number') {
    if (Number.isSafeInteger(v)) w.int64(3, v);
    else w.double(4, v);
  } else if (Array.isArray(v)) {
    w.message(5, () => {
      for (const x of v) w.message(1, () => anyValue(w, x));
    });
  } else {
    w.message(6, () => attributes(w, 1, v));
  }
}

function attributes(w: ProtoWriter, field: number, attrs: Attributes): void {
  for (const key in attrs) {
    w.message(field, () => {
      w.string(1, key);
      w.message(2, () => anyValue(w, attrs[key]));
    });
  }
}

function event(w: ProtoWriter, e: OtlpEvent): void {
  w.fixed64Nanos(1, e.time);
  if (e.name) w.string(2, e.name);
  attributes(w, 3, e.attributes);
}

function link(w: ProtoWriter, l: OtlpLink): void {
  w.hexBytes(1, l.traceId);
  w.hexBytes(2, l.spanId);
  attributes(w, 4, l.attributes);
}

function span(w: ProtoWriter, s: OtlpSpan): void {
  w.hexBytes(1, s.traceId);
  w.hexBytes(2, s.spanId);
  w.hexBytes(4, s.parentSpanId);
  if (s.name) w.string(5, s.name);
  if (s.kind) {
    w.tag(6, 0);
    w.varint(s.kind);
  }
  w.fixed64Nanos(7, s.startTime);
  w.fixed64Nanos(8, s.endTime);
  attributes(w, 9, s.attributes);
  for (const e of s.events) w.message(11, () => event(w, e));
  for (const l of s.links) w.message(13, () => link(w, l));
  if (s.statusCode || s.statusMessage) {
    w.message(15, () => {
      if (s.statusMessage) w.string(2, s.statusMessage);
      if (s.statusCode) {
        w.tag(3, 0);
        w.varint(s.statusCode);
      }
    });
  }
}

/** Encodes an export as ExportTraceServiceRequest protobuf bytes. */
export function encodeOtlpProto(exp: OtlpExport): Buffer {
  const w = new ProtoWriter();
  for (const rs of exp.resourceSpans) {
    w.message(1, () => {
      w.message(1, () => attributes(w, 1, rs.resource));
      for (const ss of rs.scopeSpans) {
        w.message(2, () => {
          w.message(1, () => {
            if (ss.scope.name) w.string(1, ss.scope.name);
            if (ss.scope.version) w.string(2, ss.scope.version);
          });
          for (const s of ss.spans) w.message(2, () => span(w, s));
        });
      }
    });
  }
  return w.finish();
}
