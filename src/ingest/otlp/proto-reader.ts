// A minimal protobuf wire-format reader: just what OTLP needs, with no code generation.
import { OtlpDecodeError } from './types.js';

interface Utf8Sliceable {
  utf8Slice(start: number, end: number): string;
}

export class ProtoReader {
  pos: number;
  constructor(readonly buf: Buffer, start = 0, public end = buf.length) {
    this.pos = start;
  }

  done(): boolean {
    return this.pos >= this.end;
  }

  /** Reads a tag and returns [fieldNumber, wireType] (the decoder reads varint() itself: no tuple per field). */
  tag(): [number, number] {
    const t = this.varint();
    return [t >>> 3, t & 7];
  }

  /** Unsigned varint; exact up to 2^53, larger int64 values lose low bits (see int64()). */
  varint(): number {
    const buf = this.buf;
    let result = 0;
    let shift = 0;
    while (shift < 28) {
      if (this.pos >= this.end) throw new OtlpDecodeError('truncated varint');
      const b = buf[this.pos++];
      result |= (b & 0x7f) << shift;
      if (b < 0x80) return result;
      shift += 7;
    }
    // Past 28 bits, bitwise ops would overflow 32-bit ints: continue with multiplication.
    let mul = 2 ** 28;
    for (let i = 0; i < 6; i++) {
      if (this.pos >= this.end) throw new OtlpDecodeError('truncated varint');
      const b = buf[this.pos++];
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
    throw new OtlpDecodeError('varint too long');
  }

  /** A signed int64 varint (two's complement) as a number, or as a decimal string when unsafe. */
  int64(): number | string {
    const start = this.pos;
    const v = this.varint();
    if (v < 2 ** 63 && Number.isSafeInteger(v)) return v;
    // Rare: negative or huge. Re-read exactly with BigInt.
    this.pos = start;
    let big = 0n;
    let shift = 0n;
    while (true) {
      const b = this.buf[this.pos++];
      big |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if ((b & 0x80) === 0) break;
    }
    big = BigInt.asIntN(64, big);
    const n = Number(big);
    return Number.isSafeInteger(n) ? n : big.toString();
  }

  /** Length-delimited field: returns [start, end] of its bytes and skips past them. */
  bytes(): [number, number] {
    const len = this.varint();
    const start = this.pos;
    const end = start + len;
    if (end > this.end) throw new OtlpDecodeError('length-delimited field runs past its message');
    this.pos = end;
    return [start, end];
  }

  string(): string {
    const outer = this.enter();
    // Buffer's own utf8Slice skips toString's argument checks: measurable at ~50 strings a span.
    const s = (this.buf as unknown as Utf8Sliceable).utf8Slice(this.pos, this.end);
    this.leave(outer);
    return s;
  }

  hex(): string {
    const [s, e] = this.bytes();
    return this.buf.toString('hex', s, e);
  }

  /** fixed64 nanoseconds as integer microseconds, exactly (no BigInt). */
  fixed64Micros(): number {
    if (this.pos + 8 > this.end) throw new OtlpDecodeError('truncated fixed64');
    const lo = this.buf.readUInt32LE(this.pos);
    const hi = this.buf.readUInt32LE(this.pos + 4);
    this.pos += 8;
    // (hi·2^32 + lo) / 1000, with 2^32 = 4294967·1000 + 296, kept inside the safe range.
    return hi * 4294967 + Math.floor((hi * 296 + lo) / 1000);
  }

  double(): number {
    if (this.pos + 8 > this.end) throw new OtlpDecodeError('truncated double');
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  skip(wireType: number): void {
    switch (wireType) {
      case 0:
        this.varint();
        return;
      case 1:
        this.pos += 8;
        break;
      case 2:
        this.bytes();
        return;
      case 5:
        this.pos += 4;
        break;
      default:
        throw new OtlpDecodeError(`unsupported wire type ${wireType}`);
    }
    if (this.pos > this.end) throw new OtlpDecodeError('truncated field');
  }

  /**
   * Narrows this reader to the length-delimited field at its position (as sub() does, without a
   * new reader: attributes are most of a span's fields). Returns the outer end for leave().
   */
  enter(): number {
    const len = this.varint();
    const end = this.pos + len;
    if (end > this.end) throw new OtlpDecodeError('length-delimited field runs past its message');
    const outer = this.end;
    this.end = end;
    return outer;
  }

  /** Back to the outer message, past the field enter() narrowed to. */
  leave(outer: number): void {
    this.pos = this.end;
    this.end = outer;
  }

  sub(): ProtoReader {
    const [s, e] = this.bytes();
    return new ProtoReader(this.buf, s, e);
  }
}

/** Appends a varint to `out`. */
export function writeVarint(out: number[], v: number): void {
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

/** Encodes a length-delimited field (wire type 2). */
export function writeLengthDelimited(out: number[], field: number, bytes: Uint8Array | number[]): void {
  writeVarint(out, (field << 3) | 2);
  writeVarint(out, bytes.length);
  for (const b of bytes) out.push(b);
}
