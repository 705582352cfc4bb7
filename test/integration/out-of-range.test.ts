// Issue 14, item 1: values out of range (times, durations, token counts, costs) are refused on every
// ingest surface, per item in the format's own answer, and no read route ever fails afterwards; an
// end before its start is clamped to the start everywhere (docs/native.md "Ranges"). The probe's
// payloads live in test/fixtures/out-of-range/, one file per format.
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { encodeOtlpProto } from '../../src/ingest/otlp/encode-proto.js';
import { EXPORT_PATH } from '../../src/server/grpc.js';
import { call, startTestServer, type Answer, type TestServer } from '../helpers/server.js';

interface Case {
  name: string;
  path: string;
  body: unknown;
  status: number;
  headers?: Record<string, string>;
  /** Trace ids that must not exist afterwards. */
  absent?: string[];
  /** [trace id, span id] pairs that must not exist afterwards. */
  absentSpans?: Array<[string, string]>;
}

interface ClampCase {
  name: string;
  path: string;
  body: unknown;
  trace: string;
  span: string;
}

interface FormatFixture {
  setup?: Case[];
  refused: Case[];
  clamped: Case[] & ClampCase[];
}

const FORMATS = ['native', 'avido', 'honeyhive', 'evalgate', 'langfuse', 'otlp'] as const;
type Format = (typeof FORMATS)[number];

const fixture = (format: Format): FormatFixture =>
  JSON.parse(readFileSync(new URL(`../fixtures/out-of-range/${format}.json`, import.meta.url), 'utf8')) as FormatFixture;

/** The latest and earliest instants Loupe stores: 2^53 - 1 µs after 1970 (2255-06-05). */
const MAX_ISO = '2255-06-05T23:47:34.740991Z';

let s: TestServer;
/** Numeric ids of traces created by setup cases, by their trace id (for `{id}` in paths). */
const numeric = new Map<string, number>();

beforeAll(async () => {
  s = await startTestServer('out-of-range', { grpcPort: 0 });
});

afterAll(async () => {
  await s?.close();
});

const path = (p: string) => p.replace(/\{([^}]+)\}/g, (_, id: string) => String(numeric.get(id)));
const post = (c: Case | ClampCase) => call(s.url, path(c.path), { key: s.key, body: c.body, headers: 'headers' in c ? c.headers : undefined });

/** The format's own way of saying an item was refused, in an answer that is not a 4xx. */
function refusedPerItem(format: Format, a: Answer): void {
  switch (format) {
    case 'native':
      expect(a.json.rejected.length).toBeGreaterThan(0);
      break;
    case 'avido':
      expect(a.json.data.some((d: { success: boolean }) => !d.success)).toBe(true);
      break;
    case 'langfuse':
      expect(a.json.errors.length).toBeGreaterThan(0);
      expect(a.json.errors.every((e: { status: number }) => e.status === 400)).toBe(true);
      break;
    case 'otlp':
      expect(Number(a.json.partialSuccess?.rejectedSpans ?? 0)).toBeGreaterThan(0);
      break;
    default:
      throw new Error(`${format} refuses whole requests: expected a 4xx`);
  }
}

const isStorable = (iso: string | null) => iso !== null && iso >= '1970-01-01T00:00:00' && iso <= MAX_ISO && !iso.startsWith('+');

/** Every read route answers 200, and nothing out of range was stored. */
async function everyReadAnswers(): Promise<void> {
  const get = async (p: string) => {
    const a = await call(s.url, p, { key: s.key });
    expect(a.status, `GET ${p}: ${a.raw.toString('utf8').slice(0, 300)}`).toBe(200);
    return a;
  };
  const list = await get('/api/v1/traces?limit=1000');
  for (const t of list.json.data as Array<{ id: string; numericId: number; startTime: string | null; endTime: string | null }>) {
    expect(isStorable(t.startTime), `trace ${t.id} starts at ${t.startTime}`).toBe(true);
    if (t.endTime !== null) expect(isStorable(t.endTime), `trace ${t.id} ends at ${t.endTime}`).toBe(true);
    const d = await get(`/api/v1/traces/${encodeURIComponent(t.id)}`);
    for (const sp of d.json.spans as Array<{ id: string; startTime: string | null; endTime: string | null; durationMs: number | null }>) {
      expect(isStorable(sp.startTime), `span ${sp.id} starts at ${sp.startTime}`).toBe(true);
      if (sp.endTime !== null) expect(isStorable(sp.endTime), `span ${sp.id} ends at ${sp.endTime}`).toBe(true);
      if (sp.durationMs !== null) expect(sp.durationMs).toBeGreaterThanOrEqual(0);
    }
    await get(`/api/traces/${t.numericId}`);
  }
  await get('/api/v1/spans?limit=1000');
  // JSONL: one trace a line, each line JSON.
  const exp = await fetch(`${s.url}/api/v1/export`, { headers: { 'x-api-key': s.key } });
  const lines = await exp.text();
  expect(exp.status, `GET /api/v1/export: ${lines.slice(0, 300)}`).toBe(200);
  for (const line of lines.split('\n').filter(Boolean)) JSON.parse(line);
  await get('/api/traces?limit=100');
  await get('/api/v1/sessions');
  await get('/api/v1/users');
  await get('/api/v1/scores');
  await get(`/api/v1/metrics?from=2020-01-01T00:00:00Z&to=2030-01-01T00:00:00Z&interval=1d`);
}

async function expectAbsent(c: Case): Promise<void> {
  for (const id of c.absent ?? []) {
    expect((await call(s.url, `/api/v1/traces/${encodeURIComponent(id)}`, { key: s.key })).status, `trace ${id} was stored`).toBe(404);
  }
  for (const [traceId, spanId] of c.absentSpans ?? []) {
    const d = await call(s.url, `/api/v1/traces/${encodeURIComponent(traceId)}`, { key: s.key });
    expect(d.status).toBe(200);
    expect((d.json.spans as Array<{ id: string }>).map((x) => x.id), `span ${spanId} was stored`).not.toContain(spanId);
  }
}

describe.each(FORMATS)('%s', (format) => {
  const f = fixture(format);

  test.each(f.setup ?? [])('setup: $name', async (c) => {
    const a = await post(c);
    expect(a.status, JSON.stringify(a.json)).toBe(c.status);
    if (typeof a.json?.id === 'number') numeric.set((c.body as { traceId: string }).traceId, a.json.id as number);
  });

  test.each(f.refused)('refused: $name', async (c) => {
    const a = await post(c);
    expect(a.status, JSON.stringify(a.json)).toBe(c.status);
    if (c.status < 400) refusedPerItem(format, a);
    await expectAbsent(c);
    await everyReadAnswers();
  });

  test.each(f.clamped as ClampCase[])('an end before the start is clamped to the start: $name', async (c) => {
    const a = await post(c);
    expect(a.status, JSON.stringify(a.json)).toBeLessThan(300);
    const d = await call(s.url, `/api/v1/traces/${encodeURIComponent(c.trace)}`, { key: s.key });
    expect(d.status).toBe(200);
    const span = (d.json.spans as Array<{ id: string; startTime: string; endTime: string; durationMs: number }>).find((x) => x.id === c.span);
    expect(span, `span ${c.span} of ${c.trace}`).toBeDefined();
    expect(span!.endTime).toBe(span!.startTime);
    expect(span!.durationMs).toBe(0);
    expect(d.json.trace.durationMs).toBeGreaterThanOrEqual(0);
    await everyReadAnswers();
  });
});

describe('OTLP/gRPC (the decoder the HTTP route shares)', () => {
  test('a span starting beyond the storable range, or of 1e300 tokens, is refused and reads still answer', async () => {
    const client = new grpc.Client(`127.0.0.1:${s.server.grpcPort}`, grpc.credentials.createInsecure());
    try {
      const span = (traceId: string, startTime: number, attributes: Record<string, number | string>) => ({
        traceId, spanId: 'c7ad6b7169203331', parentSpanId: '', name: 'probe', kind: 3, startTime, endTime: startTime + 1_000_000,
        attributes, events: [], links: [], statusCode: 0, statusMessage: '',
      });
      // 1.5e16 µs: a valid fixed64 of nanoseconds, past 2^53 µs (the year 2255).
      const body = encodeOtlpProto({ resourceSpans: [{ resource: {}, scopeSpans: [{ scope: { name: 'probe', version: '' }, spans: [
        span('6af7651916cd43dd8448eb211c80319c', 1.5e16, {}),
        span('7af7651916cd43dd8448eb211c80319c', 1_740_823_200_000_000, { 'gen_ai.operation.name': 'chat', 'gen_ai.usage.input_tokens': 1e300 }),
      ] }] }] });
      const md = new grpc.Metadata();
      md.set('x-api-key', s.key);
      const err = await new Promise<grpc.ServiceError | null>((resolve) => {
        client.makeUnaryRequest(EXPORT_PATH, (b: Buffer) => b, (b: Buffer) => b, body, md, (e) => resolve(e));
      });
      expect(err).toBeNull();
      await expectAbsent({ name: 'grpc', path: '', body: null, status: 200, absent: ['6af7651916cd43dd8448eb211c80319c', '7af7651916cd43dd8448eb211c80319c'] });
      await everyReadAnswers();
    } finally {
      client.close();
    }
  });
});
