// One OTLP request body to an adapter result, for every route that takes OTLP (HTTP, the Avido
// and Langfuse OTel endpoints, gRPC): nesting past the depth limit is refused first (400 /
// INVALID_ARGUMENT), then the body is decoded, and a decoding failure is the catalogue's
// invalid_body. The depth check for protobuf walks only the messages that can hold attribute
// values (AnyValue inside ArrayValue or KeyValueList, inside each other without end), skipping
// every other field, so it costs a pass over the tags, not a decode.
import { LoupeError } from '../errors.js';
import { MAX_JSON_DEPTH, jsonTooDeep } from '../json-depth.js';
import { OtlpDecodeError, otlpAdapter, type OtlpEncoding, type OtlpMapOptions } from '../ingest/otlp/index.js';
import type { AdapterResult } from '../model/batch.js';

type Message = 'request' | 'resourceSpans' | 'resource' | 'scopeSpans' | 'scope' | 'span' | 'event' | 'link' | 'keyValue' | 'anyValue' | 'arrayValue' | 'kvList';

/** Field number → the message it holds, for the fields on a path to an attribute value (opentelemetry-proto trace/v1). */
const CHILDREN: Record<Message, Partial<Record<number, Message>>> = {
  request: { 1: 'resourceSpans' },
  resourceSpans: { 1: 'resource', 2: 'scopeSpans' },
  resource: { 1: 'keyValue' },
  scopeSpans: { 1: 'scope', 2: 'span' },
  scope: { 3: 'keyValue' },
  span: { 9: 'keyValue', 11: 'event', 13: 'link' },
  event: { 3: 'keyValue' },
  link: { 4: 'keyValue' },
  keyValue: { 2: 'anyValue' },
  anyValue: { 5: 'arrayValue', 6: 'kvList' },
  arrayValue: { 1: 'anyValue' },
  kvList: { 1: 'keyValue' },
};

/**
 * Whether an ExportTraceServiceRequest holds an attribute value nested more than `max` arrays and
 * key-value lists deep (the depth of the JSON it would become). A malformed body answers false:
 * the decoder then says what is wrong with it.
 */
export function otlpProtoTooDeep(buf: Uint8Array, max = MAX_JSON_DEPTH): boolean {
  let pos = 0;
  const varint = (): number => {
    let v = 0;
    for (let shift = 0; shift < 64; shift += 7) {
      if (pos >= buf.length) return -1;
      const b = buf[pos++];
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v;
    }
    return -1;
  };
  // An explicit stack, not recursion: the point is not to overflow on what is being checked.
  const stack: Array<{ end: number; type: Message; depth: number }> = [{ end: buf.length, type: 'request', depth: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (pos >= top.end) {
      if (pos > top.end) return false;
      stack.pop();
      continue;
    }
    const tag = varint();
    if (tag < 0) return false;
    const wire = tag % 8;
    if (wire === 0) {
      if (varint() < 0) return false;
    } else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else if (wire === 2) {
      const len = varint();
      if (len < 0 || pos + len > top.end) return false;
      const child = CHILDREN[top.type][Math.floor(tag / 8)];
      if (child === undefined) {
        pos += len;
        continue;
      }
      const depth = top.depth + (child === 'arrayValue' || child === 'kvList' ? 1 : 0);
      if (depth > max) return true;
      stack.push({ end: pos + len, type: child, depth });
    } else return false;
  }
  return false;
}

/** Refuses a body nested past the limit (400), then decodes it (400 when it cannot be). */
export function decodeOtlpBody(body: Buffer, encoding: OtlpEncoding, opts?: OtlpMapOptions): AdapterResult {
  if (encoding === 'json') {
    const at = jsonTooDeep(body);
    if (at >= 0) throw new LoupeError('invalid_body', `body nests arrays and objects more than ${MAX_JSON_DEPTH} deep (at byte ${at})`);
  } else if (otlpProtoTooDeep(body)) {
    throw new LoupeError('invalid_body', `an attribute value nests arrays and key-value lists more than ${MAX_JSON_DEPTH} deep`);
  }
  try {
    return otlpAdapter(body, encoding, opts);
  } catch (e) {
    if (e instanceof OtlpDecodeError) throw new LoupeError('invalid_body', e.message);
    throw e;
  }
}
