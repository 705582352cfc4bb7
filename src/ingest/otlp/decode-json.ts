// OTLP/JSON (proto3 JSON with the OTLP deviations: hex ids, int64 as string or number) decoded
// into OtlpExport. Tolerates what real clients send: base64 ids, snake_case keys, attributes as
// a plain object. Unknown fields are ignored, as the spec requires.
import { microsFromNanos } from '../../model/time.js';
import { normaliseId } from './ids.js';
import { OtlpDecodeError, type AttrValue, type Attributes, type OtlpEvent, type OtlpExport, type OtlpLink, type OtlpSpan } from './types.js';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads `camelCase` or its `snake_case` twin. */
function field(o: Obj, camel: string): unknown {
  if (camel in o) return o[camel];
  const snake = camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  return o[snake];
}

function arr(o: Obj, camel: string, where: string): unknown[] {
  const v = field(o, camel);
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new OtlpDecodeError(`${where}.${camel} must be an array`);
  return v;
}

/**
 * A field that should be text, as text: a number or boolean spelt out, an object or array as its
 * JSON (String() on `{"toString": 1}` throws, and on other objects says "[object Object]").
 */
function asText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === undefined || v === null) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export function anyValue(v: unknown): AttrValue {
  if (!isObj(v)) return (v ?? null) as AttrValue; // tolerate raw JSON values
  if ('stringValue' in v || 'string_value' in v) return asText(field(v, 'stringValue'));
  if ('boolValue' in v || 'bool_value' in v) return Boolean(field(v, 'boolValue'));
  if ('intValue' in v || 'int_value' in v) {
    const raw = field(v, 'intValue');
    const n = typeof raw === 'string' ? Number(raw) : (raw as number);
    if (Number.isSafeInteger(n)) return n;
    // A JSON number past 2^53 is already a double: give its exact integer value, as protobuf does.
    return typeof raw === 'number' && Number.isInteger(raw) ? BigInt(raw).toString() : asText(raw);
  }
  if ('doubleValue' in v || 'double_value' in v) {
    const d = field(v, 'doubleValue');
    return typeof d === 'string' ? (Number.isNaN(Number(d)) && d !== 'NaN' ? d : Number(d)) : (d as number);
  }
  if ('arrayValue' in v || 'array_value' in v) {
    const av = field(v, 'arrayValue');
    return isObj(av) && Array.isArray(av.values) ? av.values.map(anyValue) : [];
  }
  if ('kvlistValue' in v || 'kvlist_value' in v) {
    const kv = field(v, 'kvlistValue');
    return isObj(kv) ? attributes(kv.values, 'kvlistValue') : {};
  }
  if ('bytesValue' in v || 'bytes_value' in v) return asText(field(v, 'bytesValue'));
  return null;
}

export function attributes(v: unknown, where: string): Attributes {
  const out: Attributes = {};
  if (v === undefined || v === null) return out;
  if (Array.isArray(v)) {
    for (const kv of v) {
      if (!isObj(kv) || typeof kv.key !== 'string') throw new OtlpDecodeError(`${where}: attribute without a string key`);
      out[kv.key] = anyValue(kv.value);
    }
    return out;
  }
  if (isObj(v)) {
    for (const [k, val] of Object.entries(v)) out[k] = (isObj(val) ? anyValue(val) : val) as AttrValue;
    return out;
  }
  throw new OtlpDecodeError(`${where}: attributes must be a list of {key, value}`);
}

function time(v: unknown, where: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' && typeof v !== 'number') throw new OtlpDecodeError(`${where} must be an integer (string or number)`);
  try {
    return microsFromNanos(v);
  } catch {
    throw new OtlpDecodeError(`${where} is not an integer nanosecond time`);
  }
}

function span(s: unknown, where: string): OtlpSpan {
  if (!isObj(s)) throw new OtlpDecodeError(`${where} must be an object`);
  const status = isObj(s.status) ? s.status : {};
  const rawParent = field(s, 'parentSpanId');
  return {
    // Invalid ids are kept as '' and rejected per span by the mapper (partial success).
    traceId: normaliseId(field(s, 'traceId'), 16) ?? '',
    spanId: normaliseId(field(s, 'spanId'), 8) ?? '',
    parentSpanId: normaliseId(rawParent, 8) ?? '',
    name: typeof s.name === 'string' ? s.name : '',
    kind: typeof s.kind === 'number' ? s.kind : 0,
    startTime: time(field(s, 'startTimeUnixNano'), `${where}.startTimeUnixNano`),
    endTime: time(field(s, 'endTimeUnixNano'), `${where}.endTimeUnixNano`),
    attributes: attributes(s.attributes, `${where}.attributes`),
    events: arr(s, 'events', where).map((e, i): OtlpEvent => {
      if (!isObj(e)) throw new OtlpDecodeError(`${where}.events[${i}] must be an object`);
      return { time: time(field(e, 'timeUnixNano'), `${where}.events[${i}].timeUnixNano`), name: asText(e.name), attributes: attributes(e.attributes, `${where}.events[${i}]`) };
    }),
    links: arr(s, 'links', where).map((l, i): OtlpLink => {
      if (!isObj(l)) throw new OtlpDecodeError(`${where}.links[${i}] must be an object`);
      return { traceId: normaliseId(field(l, 'traceId'), 16) ?? '', spanId: normaliseId(field(l, 'spanId'), 8) ?? '', attributes: attributes(l.attributes, `${where}.links[${i}]`) };
    }),
    statusCode: typeof status.code === 'number' ? status.code : 0,
    statusMessage: typeof status.message === 'string' ? status.message : '',
  };
}

export function decodeOtlpJson(text: string): OtlpExport {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (e) {
    throw new OtlpDecodeError(`body is not JSON: ${(e as Error).message}`);
  }
  if (!isObj(root)) throw new OtlpDecodeError('body must be an ExportTraceServiceRequest object');
  if ('resourceLogs' in root || 'resourceMetrics' in root) throw new OtlpDecodeError('this is OTLP logs or metrics; send traces to /v1/traces');
  return {
    resourceSpans: arr(root, 'resourceSpans', 'body').map((rs, i) => {
      const where = `resourceSpans[${i}]`;
      if (!isObj(rs)) throw new OtlpDecodeError(`${where} must be an object`);
      const resource = isObj(rs.resource) ? attributes(rs.resource.attributes, `${where}.resource`) : {};
      return {
        resource,
        scopeSpans: arr(rs, 'scopeSpans', where).map((ss, j) => {
          const w2 = `${where}.scopeSpans[${j}]`;
          if (!isObj(ss)) throw new OtlpDecodeError(`${w2} must be an object`);
          const scope = isObj(ss.scope) ? ss.scope : {};
          return {
            scope: { name: asText(scope.name), version: asText(scope.version) },
            spans: arr(ss, 'spans', w2).map((s, k) => span(s, `${w2}.spans[${k}]`)),
          };
        }),
      };
    }),
  };
}
