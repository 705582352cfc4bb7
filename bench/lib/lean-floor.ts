// The lean floor: what one process can do with the same request bodies when it does the least a
// trace store must: decode each body with a hand-written decoder and insert one row per span into
// a spans table with the server's columns and indexes, same pragmas, `concurrency` requests per
// transaction. No HTTP, no convention mapping beyond a few attributes, no rollups, no dedup, no
// trace upserts (one minimal traces row per new trace id, as the server's traces.num). The gap
// between the server and this is what everything else costs.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SQLITE_MIGRATIONS } from '../../src/store/sqlite/migrations.js';
import { replay, type Pool } from './pool.js';

export interface LeanFloorResult {
  spans: number;
  bytes: number;
  /** Wall time of decode + insert + commit (replaying the bodies is left out: the server never pays for it). */
  seconds: number;
  /** Of `seconds`: decoding the bodies into rows. The rest is SQLite (insert, commit, fsync). */
  decodeSeconds: number;
  /** CPU of this process (all threads) over the same intervals, seconds. */
  cpuSeconds: number;
}

type Attrs = Record<string, unknown>;
/** One spans row, in INSERT_SPAN's parameter order except that [0] is the trace id (mapped to trace_num on insert). */
export type Row = unknown[];
const PROJECT_ID = 1;

// The server's spans table and its 4 indexes, taken from migration 1 so that they cannot drift.
function spansSchema(): string {
  const sql = SQLITE_MIGRATIONS.find((m) => m.version === 1)!.sql;
  const table = /CREATE TABLE spans \([\s\S]*?\n\);/.exec(sql)?.[0];
  const indexes = sql.match(/^CREATE (UNIQUE )?INDEX spans_by_\w+ ON spans\(.*;$/gm) ?? [];
  if (!table || indexes.length !== 4) throw new Error('lean floor: the spans table or its 4 indexes are no longer in migration 1');
  return `${table}\n${indexes.join('\n')}`;
}

const INSERT_SPAN = `INSERT INTO spans (trace_num, id, project_id, parent_id, kind, name, status, start_time, end_time,
  input, output, model, input_tokens, output_tokens, total_tokens, metadata, attributes, events)
  VALUES (?, ?, ${PROJECT_ID}, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

// ---- A few attributes read out of the generic map (OpenInference and GenAI names) ----

// The Loupe kind, as the server's convention mappings name it (src/ingest/otlp/conventions/).
const GENAI_KIND: Record<string, string> = { chat: 'llm', text_completion: 'llm', generate_content: 'llm', completion: 'llm', generate: 'llm', embeddings: 'embedding', retrieval: 'retrieval', execute_tool: 'tool', invoke_agent: 'agent', create_agent: 'agent', invoke_workflow: 'chain', plan: 'agent' };
const STATUS = ['unset', 'ok', 'error'];

function spanRow(traceId: string, spanId: string, parentId: string | null, name: string, status: string, start: number, end: number | null, a: Attrs, events: string | null): Row {
  const model = a['gen_ai.request.model'] ?? a['llm.model_name'] ?? a['embedding.model_name'] ?? a['reranker.model_name'] ?? null;
  const oi = a['openinference.span.kind'];
  const kind = typeof oi === 'string' ? (oi === 'RETRIEVER' ? 'retrieval' : oi.toLowerCase()) : (GENAI_KIND[a['gen_ai.operation.name'] as string] ?? 'span');
  const inTok = a['gen_ai.usage.input_tokens'] ?? a['llm.token_count.prompt'] ?? null;
  const outTok = a['gen_ai.usage.output_tokens'] ?? a['llm.token_count.completion'] ?? null;
  const total = a['llm.token_count.total'] ?? (inTok !== null && outTok !== null ? (inTok as number) + (outTok as number) : null);
  // Input and output stay inside the attributes JSON (input.value, gen_ai messages): one text column.
  return [traceId, spanId, parentId, kind, name, status, start, end, null, null, model, inTok, outTok, total, null, JSON.stringify(a), events];
}

// ---- OTLP protobuf: a minimal wire reader over one module-level buffer and position ----

let buf: Buffer;
let pos = 0;
const utf8 = (s: number, e: number) => (buf as unknown as { utf8Slice(s: number, e: number): string }).utf8Slice(s, e);

// Note `varint() + pos` (used below for a field's end) reads pos after varint() moved it: left to right.
function varint(): number {
  let b = buf[pos++];
  if (b < 0x80) return b; // tags and most lengths: one byte
  // Multiplication, not shifts: exact up to 2^53 where shifts overflow at 2^31.
  let r = b & 0x7f;
  let mul = 128;
  do {
    b = buf[pos++];
    r += (b & 0x7f) * mul;
    mul *= 128;
  } while (b >= 0x80);
  return r;
}

function skip(wireType: number): void {
  if (wireType === 0) varint();
  else if (wireType === 1) pos += 8;
  else if (wireType === 2) { const n = varint(); pos += n; } // not `pos += varint()`: that reads pos before varint() moves it
  else if (wireType === 5) pos += 4;
  else throw new Error(`lean floor: wire type ${wireType} at ${pos}`);
}

/** A fixed64 of nanoseconds as integer microseconds, exact: hi·2^32 = hi·4,294,967·1000 + hi·296. */
function fixed64Micros(): number {
  const lo = buf.readUInt32LE(pos);
  const hi = buf.readUInt32LE(pos + 4);
  pos += 8;
  return hi * 4_294_967 + Math.floor((hi * 296 + lo) / 1000);
}

function anyValue(end: number): unknown {
  let v: unknown = null;
  while (pos < end) {
    const t = varint();
    const f = t >>> 3;
    if (f === 1) { const n = varint(); v = utf8(pos, pos + n); pos += n; }
    else if (f === 2) v = varint() !== 0;
    else if (f === 3) { const n = varint(); v = n >= 2 ** 63 ? n - 2 ** 64 : n; } // int64, two's complement
    else if (f === 4) { v = buf.readDoubleLE(pos); pos += 8; }
    else if (f === 5 || f === 6) {
      // ArrayValue / KeyValueList: repeated field 1 of AnyValue / KeyValue
      const stop = varint() + pos;
      const arr: unknown[] = [];
      const obj: Attrs = {};
      while (pos < stop) {
        const t2 = varint();
        if (t2 >>> 3 !== 1) { skip(t2 & 7); continue; }
        const e = varint() + pos;
        if (f === 5) arr.push(anyValue(e));
        else keyValue(e, obj);
      }
      v = f === 5 ? arr : obj;
    } else if (f === 7) { const n = varint(); v = buf.toString('base64', pos, pos + n); pos += n; }
    else skip(t & 7);
  }
  pos = end;
  return v;
}

function keyValue(end: number, into: Attrs): void {
  let key = '';
  let value: unknown = null;
  while (pos < end) {
    const t = varint();
    if (t === 0x0a) { const n = varint(); key = utf8(pos, pos + n); pos += n; }
    else if (t === 0x12) { const e = varint() + pos; value = anyValue(e); }
    else skip(t & 7);
  }
  into[key] = value;
}

function event(end: number): { name: string; time: number; attributes: Attrs } {
  const ev = { name: '', time: 0, attributes: {} as Attrs };
  while (pos < end) {
    const t = varint();
    if (t === 0x09) ev.time = fixed64Micros();
    else if (t === 0x12) { const n = varint(); ev.name = utf8(pos, pos + n); pos += n; }
    else if (t === 0x1a) { const e = varint() + pos; keyValue(e, ev.attributes); }
    else skip(t & 7);
  }
  return ev;
}

function protoSpan(end: number): Row {
  let traceId = '', spanId = '', parentId: string | null = null, name = '', status = 'unset', start = 0, stop: number | null = null;
  const a: Attrs = {};
  let events: unknown[] | null = null;
  while (pos < end) {
    const t = varint();
    switch (t) {
      case 0x0a: { const n = varint(); traceId = buf.toString('hex', pos, pos + n); pos += n; break; }
      case 0x12: { const n = varint(); spanId = buf.toString('hex', pos, pos + n); pos += n; break; }
      case 0x22: { const n = varint(); if (n) parentId = buf.toString('hex', pos, pos + n); pos += n; break; }
      case 0x2a: { const n = varint(); name = utf8(pos, pos + n); pos += n; break; }
      case 0x39: start = fixed64Micros(); break; // 7: start_time_unix_nano
      case 0x41: stop = fixed64Micros(); break; // 8: end_time_unix_nano
      case 0x4a: { const e = varint() + pos; keyValue(e, a); break; } // 9: attributes
      case 0x5a: { const e = varint() + pos; (events ??= []).push(event(e)); break; } // 11: events
      case 0x7a: { // 15: status { message 2, code 3 }
        const e = varint() + pos;
        while (pos < e) {
          const t2 = varint();
          if (t2 === 0x18) status = STATUS[varint()] ?? 'unset';
          else skip(t2 & 7);
        }
        break;
      }
      default: skip(t & 7); // kind (6) included: the Loupe kind comes from attributes, as on the server
    }
  }
  return spanRow(traceId, spanId, parentId, name, status, start, stop, a, events ? JSON.stringify(events) : null);
}

/** Calls `each(end)` for every length-delimited field `field` up to `end`, skipping the rest. */
function fields(end: number, field: number, each: (end: number) => void): void {
  const tag = (field << 3) | 2;
  while (pos < end) {
    const t = varint();
    if (t === tag) { const e = varint() + pos; each(e); pos = e; }
    else skip(t & 7);
  }
}

function decodeProto(body: Buffer, rows: Row[]): void {
  buf = body;
  pos = 0;
  fields(body.length, 1, (rsEnd) => { // TracesData.resource_spans
    const first = rows.length;
    let resource: string | null = null;
    while (pos < rsEnd) {
      const t = varint();
      if (t === 0x0a) { // resource { attributes 1 }: one JSON per request, kept as each span's metadata
        const e = varint() + pos;
        const r: Attrs = {};
        fields(e, 1, (kvEnd) => keyValue(kvEnd, r));
        resource = JSON.stringify(r);
      } else if (t === 0x12) { // scope_spans { spans 2 }
        const e = varint() + pos;
        fields(e, 2, (spanEnd) => rows.push(protoSpan(spanEnd)));
      } else skip(t & 7);
    }
    for (let i = first; i < rows.length; i++) rows[i][14] = resource;
  });
}

// ---- OTLP JSON and native: JSON.parse and a direct walk ----

interface JsonAny { stringValue?: string; boolValue?: boolean; intValue?: string | number; doubleValue?: number; arrayValue?: { values?: JsonAny[] }; kvlistValue?: { values?: JsonKv[] }; bytesValue?: string }
interface JsonKv { key: string; value?: JsonAny }

function jsonAny(v: JsonAny | undefined): unknown {
  if (!v) return null;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(jsonAny);
  if (v.kvlistValue) return jsonAttrs(v.kvlistValue.values);
  return v.bytesValue ?? null;
}

function jsonAttrs(list: JsonKv[] | undefined): Attrs {
  const a: Attrs = {};
  if (list) for (const kv of list) a[kv.key] = jsonAny(kv.value);
  return a;
}

/** Nanoseconds as a decimal string (or number) to integer microseconds: drop the last 3 digits. */
const nanosToMicros = (v: string | number | undefined): number => (typeof v === 'string' ? (v.length > 3 ? Number(v.slice(0, -3)) : 0) : Math.floor((v ?? 0) / 1000));

function decodeOtlpJson(body: Buffer, rows: Row[]): void {
  const req = JSON.parse(body.toString('utf8')) as { resourceSpans?: Array<{ resource?: { attributes?: JsonKv[] }; scopeSpans?: Array<{ spans?: any[] }> }> };
  for (const rs of req.resourceSpans ?? []) {
    const resource = JSON.stringify(jsonAttrs(rs.resource?.attributes));
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        const events = s.events?.length ? JSON.stringify(s.events.map((e: any) => ({ name: e.name, time: nanosToMicros(e.timeUnixNano), attributes: jsonAttrs(e.attributes) }))) : null;
        const row = spanRow(s.traceId, s.spanId, s.parentSpanId || null, s.name ?? '', STATUS[s.status?.code ?? 0] ?? 'unset', nanosToMicros(s.startTimeUnixNano), s.endTimeUnixNano ? nanosToMicros(s.endTimeUnixNano) : null, jsonAttrs(s.attributes), events);
        row[14] = resource;
        rows.push(row);
      }
    }
  }
}

const micros = (v: string | number | undefined | null): number | null => (v == null ? null : (typeof v === 'number' ? v : Date.parse(v)) * 1000);
const json = (v: unknown): string | null => (v === undefined || v === null ? null : JSON.stringify(v));

function decodeNative(body: Buffer, rows: Row[]): void {
  // Native spans carry their model, usage, input and output as fields: stored as given (input and
  // output as JSON text, since here they are not inside the attributes). Trace fields are ignored.
  const req = JSON.parse(body.toString('utf8')) as { spans?: any[] };
  for (const s of req.spans ?? []) {
    const u = s.usage;
    rows.push([s.traceId, s.id, s.parentId ?? null, s.kind ?? 'span', s.name ?? '', s.status ?? 'unset', micros(s.startTime), micros(s.endTime),
      json(s.input), json(s.output), s.model ?? null, u?.inputTokens ?? null, u?.outputTokens ?? null, u?.totalTokens ?? null,
      json(s.metadata), json(s.attributes ?? {}), json(s.events)]);
  }
}

/** Appends the body's spans as rows (exported for checking the decoders against Loupe's adapters). */
export function decodeBody(path: string, contentType: string, body: Buffer, rows: Row[]): void {
  if (path !== '/v1/traces') decodeNative(body, rows);
  else if (contentType.includes('protobuf')) decodeProto(body, rows);
  else decodeOtlpJson(body, rows);
}

// ---- The run ----

export async function runLeanFloor(pool: Pool, spans: number, concurrency: number, maxSeconds: number): Promise<LeanFloorResult> {
  const dir = mkdtempSync(join(tmpdir(), 'loupe-lean-floor-'));
  const db = new Database(join(dir, 'lean.db'));
  // The server's pragmas (src/store/sqlite/index.ts). It checkpoints on a thread of its own; here
  // SQLite's automatic checkpoint runs inline, so its cost is in this run's time and CPU.
  db.pragma('auto_vacuum = INCREMENTAL');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('cache_size = -32768');
  db.pragma('temp_store = MEMORY');
  db.exec(`CREATE TABLE traces (num INTEGER PRIMARY KEY, project_id INTEGER NOT NULL, id TEXT NOT NULL, start_time INTEGER NOT NULL, created_at INTEGER NOT NULL);
    CREATE UNIQUE INDEX traces_by_id ON traces(project_id, id);
    ${spansSchema()}`);
  const insertSpan = db.prepare(INSERT_SPAN);
  const insertTrace = db.prepare(`INSERT INTO traces (num, project_id, id, start_time, created_at) VALUES (?, ${PROJECT_ID}, ?, ?, ?)`);
  // Trace id -> traces.num, kept in memory as the server's writer does.
  const traceNums = new Map<string, number>();
  const write = db.transaction((rows: Row[]) => {
    const now = Date.now() * 1000;
    for (const r of rows) {
      let num = traceNums.get(r[0] as string);
      if (num === undefined) {
        num = traceNums.size + 1;
        traceNums.set(r[0] as string, num);
        insertTrace.run(num, r[0], r[6], now);
      }
      r[0] = num;
      insertSpan.run(r);
    }
  });

  const res: LeanFloorResult = { spans: 0, bytes: 0, seconds: 0, decodeSeconds: 0, cpuSeconds: 0 };
  const t0 = performance.now();
  let k = 0;
  try {
    while (res.spans < spans && performance.now() - t0 < maxSeconds * 1000) {
      const group: Array<{ path: string; contentType: string; body: Buffer; spans: number }> = [];
      for (let c = 0; c < concurrency; c++, k++) {
        const b = pool.bodies[k % pool.bodies.length];
        group.push({ path: b.path, contentType: b.contentType, body: replay(b, 1 + Math.floor(k / pool.bodies.length)), spans: b.spans });
      }
      const cpu0 = process.cpuUsage();
      const w0 = performance.now();
      const rows: Row[] = [];
      for (const g of group) {
        decodeBody(g.path, g.contentType, g.body, rows);
        res.spans += g.spans;
        res.bytes += g.body.length;
      }
      const w1 = performance.now();
      write(rows);
      const cpu = process.cpuUsage(cpu0);
      res.decodeSeconds += (w1 - w0) / 1000;
      res.seconds += (performance.now() - w0) / 1000;
      res.cpuSeconds += (cpu.user + cpu.system) / 1e6;
      if (rows.length !== group.reduce((n, g) => n + g.spans, 0)) throw new Error(`lean floor: decoded ${rows.length} spans, expected ${group.reduce((n, g) => n + g.spans, 0)}`);
    }
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return res;
}
