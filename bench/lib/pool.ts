// Request bodies for the load: generated once before the clock starts, then replayed with fresh
// ids. Every body is generated with the tag `fedcba98` at the start of each trace id and inside
// every unique message; a replay overwrites those 4 bytes (raw in protobuf ids, hex in text), so
// each replay is new traces with new unique content while shared prompts and documents repeat.
import { encodeRequest, generateTraces, type GenerateOptions, type WireFormat } from '../../src/demo/index.js';
import { encodeOtlpProto } from '../../src/ingest/otlp/encode-proto.js';
import type { OtlpExport, OtlpSpan } from '../../src/ingest/otlp/types.js';
import { Rng } from '../../src/demo/rng.js';

export const TAG = 'fedcba98';
const RAW = Buffer.from(TAG, 'hex');
const TEXT = Buffer.from(TAG, 'latin1');

export interface PoolBody {
  path: string;
  contentType: string;
  body: Buffer;
  spans: number;
  rawSites: number[];
  textSites: number[];
}

export interface Pool {
  format: WireFormat | 'otlp-proto-small';
  bodies: PoolBody[];
  spans: number;
  bytes: number;
}

function sites(buf: Buffer, needle: Buffer): number[] {
  const out: number[] = [];
  for (let i = buf.indexOf(needle); i !== -1; i = buf.indexOf(needle, i + needle.length)) out.push(i);
  return out;
}

function withSites(path: string, contentType: string, body: Buffer, spans: number, binary: boolean): PoolBody {
  return { path, contentType, body, spans, rawSites: binary ? sites(body, RAW) : [], textSites: sites(body, TEXT) };
}

/** A copy of the body with the tag replaced by `round` (1-based), i.e. new trace ids and content. */
export function replay(b: PoolBody, round: number): Buffer {
  const buf = Buffer.from(b.body);
  const hex = (round >>> 0).toString(16).padStart(8, '0');
  const raw = Buffer.from(hex, 'hex');
  for (const i of b.rawSites) raw.copy(buf, i);
  for (const i of b.textSites) buf.write(hex, i, 'latin1');
  return buf;
}

/** Bodies of about `spansPerRequest` spans each, `totalSpans` in all, in one wire format. */
export function buildPool(format: WireFormat, totalSpans: number, spansPerRequest: number, gen: Partial<GenerateOptions> = {}): Pool {
  const traces = generateTraces({ count: Math.ceil(totalSpans / 4.5), seed: 11, tag: TAG, ...gen });
  const bodies: PoolBody[] = [];
  let i = 0;
  let spans = 0;
  while (i < traces.length && spans < totalSpans) {
    let n = 0;
    let j = i;
    while (j < traces.length && n < spansPerRequest) n += traces[j++].spans.length;
    const r = encodeRequest(traces.slice(i, j), format);
    bodies.push(withSites(r.path, r.contentType, r.body, r.spans, format === 'otlp-proto'));
    spans += r.spans;
    i = j;
  }
  return { format, bodies, spans, bytes: bodies.reduce((n, b) => n + b.body.length, 0) };
}

/** Small (~500 B) OTLP/protobuf spans: plain service spans with a few short attributes. */
export function buildSmallPool(totalSpans: number, spansPerRequest: number): Pool {
  const rng = new Rng(5);
  const bodies: PoolBody[] = [];
  let spans = 0;
  const t0 = Date.now() * 1000 - 3_600_000_000;
  for (let r = 0; spans < totalSpans; r++) {
    const list: OtlpSpan[] = [];
    while (list.length < spansPerRequest) {
      const traceId = `${TAG}${rng.hex(12)}`;
      const n = rng.int(3, 10);
      const root = rng.hex(8);
      const start = t0 + r * 10_000 + list.length * 100;
      for (let k = 0; k < n; k++) {
        list.push({
          traceId, spanId: k === 0 ? root : rng.hex(8), parentSpanId: k === 0 ? '' : root, name: rng.pick(['GET /api/orders', 'db.query', 'cache.get', 'POST /v1/chat', 'render']), kind: k === 0 ? 2 : 3,
          startTime: start + k * 1000, endTime: start + k * 1000 + rng.int(100, 50_000),
          attributes: { 'http.method': 'GET', 'http.route': '/api/orders/:id', 'http.status_code': 200, 'net.peer.name': 'orders.internal', 'db.system': 'postgresql', 'db.statement': `SELECT * FROM orders WHERE id = $1 AND tenant = '${rng.hex(4)}'`, 'user.id': `user-${rng.int(1, 500)}`, 'thread.name': 'worker-3', 'code.function': 'handle' },
          events: [], links: [], statusCode: 1, statusMessage: '',
        });
      }
    }
    const exp: OtlpExport = { resourceSpans: [{ resource: { 'service.name': 'orders-api', 'service.version': '2.3.1' }, scopeSpans: [{ scope: { name: 'io.opentelemetry.http', version: '1.0' }, spans: list }] }] };
    bodies.push(withSites('/v1/traces', 'application/x-protobuf', encodeOtlpProto(exp), list.length, true));
    spans += list.length;
  }
  return { format: 'otlp-proto-small', bodies, spans, bytes: bodies.reduce((n, b) => n + b.body.length, 0) };
}
