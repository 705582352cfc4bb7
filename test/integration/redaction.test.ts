// Redaction end to end (issue 14, item 11): the settings API (GET/PUT, 400 for a bad rule, admin
// scope, /openapi.json), the dry run, and the same secret-bearing text sent through every ingest
// format, after which no read (trace, spans, export) holds the secret and the counters moved.
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { nanos, otlpJson, otlpProto, type ResourceSpec } from '../helpers/otlp.js';
import { call, startTestServer, type TestServer } from '../helpers/server.js';

const EMAIL = 'leak.victim@example.com';
const KEY = 'sk-proj-LEAK1234567890abcdefXYZ';
const CARD = '4111 1111 1111 1111';
const TEXT = `contact ${EMAIL}, key ${KEY}, card ${CARD}, ticket T-778899`;
/** Fragments no stored value may hold once redaction ran. */
const NEEDLES = ['leak.victim', 'LEAK1234567890', '4111 1111', 'T-778899'];
const EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer('redaction', { grpcPort: 0 });
});
afterAll(async () => {
  await srv?.close();
});

const masked = async (): Promise<Record<string, number>> => (await call(srv.url, '/api/v1/project/redaction', { key: srv.key })).json.counters.masked;
const total = (m: Record<string, number>) => Object.values(m).reduce((a, b) => a + b, 0);

describe('settings API', () => {
  test('GET: everything off by default, counters empty', async () => {
    const r = await call(srv.url, '/api/v1/project/redaction', { key: srv.key });
    expect(r.status).toBe(200);
    expect(r.json.builtins).toEqual({ email: false, phone: false, card: false, iban: false, api_key: false, token: false });
    expect(r.json.rules).toEqual([]);
    expect(r.json.counters.masked).toEqual({});
    expect(Date.parse(r.json.counters.since)).toBeGreaterThan(0);
  });

  test('a bad regex, a catastrophic one, a duplicate name, an unknown field are 400 and change nothing', async () => {
    const bad = [
      { rules: [{ name: 'x', pattern: '(unclosed' }] },
      { rules: [{ name: 'x', pattern: '(a+)+$' }] },
      { rules: [{ name: 'x', pattern: 'a' }, { name: 'x', pattern: 'b' }] },
      { rules: [{ name: 'email', pattern: 'a' }] },
      { rules: [{ name: 'x', pattern: 'a', flags: 'g' }] },
      { builtins: { ssn: true } },
    ];
    for (const body of bad) {
      const r = await call(srv.url, '/api/v1/project/redaction', { key: srv.key, method: 'PUT', body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json.error.code).toBe('invalid_body');
    }
    const r = await call(srv.url, '/api/v1/project/redaction', { key: srv.key, method: 'PUT', body: { rules: [{ name: 'x', pattern: '(unclosed' }] } });
    expect(r.json.error.message).toContain('rule "x": invalid regular expression');
    expect((await call(srv.url, '/api/v1/project/redaction', { key: srv.key })).json.rules).toEqual([]);
  });

  test('an ingest-only key may not read or change the rules', async () => {
    const ingest = await srv.keyFor('default', ['ingest']);
    expect((await call(srv.url, '/api/v1/project/redaction', { key: ingest })).status).toBe(403);
    expect((await call(srv.url, '/api/v1/project/redaction/test', { key: ingest, body: { text: 'x' } })).status).toBe(403);
  });

  test('/openapi.json describes the three routes', async () => {
    const paths = (await call(srv.url, '/openapi.json')).json.paths;
    expect(Object.keys(paths['/api/v1/project/redaction'])).toEqual(expect.arrayContaining(['get', 'put']));
    expect(paths['/api/v1/project/redaction/test'].post).toBeDefined();
  });

  test('dry run with given rules: masked text and where, nothing saved or counted', async () => {
    const r = await call(srv.url, '/api/v1/project/redaction/test', {
      key: srv.key, body: { text: `mail ${EMAIL} now`, rules: { builtins: { email: true }, rules: [{ name: 'now', pattern: 'now$', replacement: '<when>' }] } },
    });
    expect(r.status).toBe(200);
    expect(r.json.text).toBe('mail [REDACTED:email] <when>');
    expect(r.json.matches).toEqual([{ rule: 'email', start: 5, end: 5 + EMAIL.length, text: EMAIL }, { rule: 'now', start: 6 + EMAIL.length, end: 9 + EMAIL.length, text: 'now' }]);
    const bad = await call(srv.url, '/api/v1/project/redaction/test', { key: srv.key, body: { text: 'x', rules: { rules: [{ name: 'r', pattern: '(x*)*y' }] } } });
    expect(bad.status).toBe(400);
    const after = await call(srv.url, '/api/v1/project/redaction', { key: srv.key });
    expect(after.json.builtins.email).toBe(false);
    expect(after.json.counters.masked).toEqual({});
  });

  test('PUT switches built-ins one by one and replaces the custom list; the dry run then uses the stored rules', async () => {
    let r = await call(srv.url, '/api/v1/project/redaction', { key: srv.key, method: 'PUT', body: { builtins: { email: true, card: true } } });
    expect(r.status).toBe(200);
    r = await call(srv.url, '/api/v1/project/redaction', { key: srv.key, method: 'PUT', body: { builtins: { api_key: true }, rules: [{ name: 'ticket', pattern: 'T-\\d{6}', fields: ['input', 'output', 'metadata', 'attributes', 'events', 'error', 'comment'] }] } });
    expect(r.status).toBe(200);
    expect(r.json.builtins).toMatchObject({ email: true, card: true, api_key: true, phone: false });
    expect(r.json.rules).toEqual([expect.objectContaining({ name: 'ticket', pattern: 'T-\\d{6}', flags: '' })]);
    const dry = await call(srv.url, '/api/v1/project/redaction/test', { key: srv.key, body: { text: TEXT } });
    expect(dry.json.text).toBe('contact [REDACTED:email], key [REDACTED:api_key], card [REDACTED:card], ticket [REDACTED:ticket]');
    expect(dry.json.matches.map((m: { rule: string }) => m.rule)).toEqual(['email', 'api_key', 'card', 'ticket']);
  });
});

describe('every ingest format is redacted before it is stored', () => {
  const t0 = Date.parse('2026-03-01T10:00:00Z');
  const otlp = (traceId: string): ResourceSpec[] => [{
    attrs: { 'service.name': 'redaction-test' },
    spans: [{
      traceId, spanId: `${traceId.slice(0, 14)}01`, name: 'llm', start: nanos(t0), end: nanos(t0 + 100),
      attrs: { 'openinference.span.kind': 'LLM', 'input.value': TEXT, 'output.value': TEXT, 'llm.input_messages.0.message.content': TEXT, 'app.note': TEXT },
      events: [{ name: 'exception', time: nanos(t0 + 50), attrs: { 'exception.message': TEXT } }],
      status: { code: 2, message: TEXT },
    }],
  }];

  const sends: Array<[string, () => Promise<number>]> = [
    ['OTLP/JSON', async () => (await call(srv.url, '/v1/traces', { key: srv.key, body: otlpJson(otlp('aa000000000000000000000000000001')) })).status],
    ['OTLP protobuf over HTTP', async () => (await call(srv.url, '/v1/traces', { key: srv.key, body: otlpProto(otlp('aa000000000000000000000000000002')), headers: { 'content-type': 'application/x-protobuf' } })).status],
    ['OTLP/gRPC', async () => {
      const client = new grpc.Client(`127.0.0.1:${srv.server.grpcPort}`, grpc.credentials.createInsecure());
      const md = new grpc.Metadata();
      md.set('x-api-key', srv.key);
      const err = await new Promise<grpc.ServiceError | null>((resolve) =>
        client.makeUnaryRequest(EXPORT_PATH, (b: Buffer) => b, (b: Buffer) => b, otlpProto(otlp('aa000000000000000000000000000003')), md, (e) => resolve(e)));
      client.close();
      return err ? 500 : 200;
    }],
    ['native', async () => (await call(srv.url, '/api/v1/ingest', { key: srv.key, body: {
      traces: [{ id: 'rd-native', name: 'chat', startTime: t0, input: TEXT, output: { answer: TEXT }, metadata: { note: TEXT } }],
      spans: [{ id: 'rd-native-s', traceId: 'rd-native', name: 'llm', kind: 'llm', startTime: t0, endTime: t0 + 5, input: [{ role: 'user', content: TEXT }], output: TEXT,
        attributes: { a: TEXT }, metadata: { m: TEXT }, events: [{ name: 'log', time: t0 + 1, attributes: { message: TEXT } }], status: 'error', error: TEXT }],
      scores: [{ traceId: 'rd-native', name: 'thumbs', value: 0, comment: TEXT }],
    } })).status],
    ['Avido', async () => (await call(srv.url, '/v0/ingest', { key: srv.key, body: { events: [
      { type: 'trace', timestamp: '2026-03-01T10:00:00Z', referenceId: 'rd-avido', metadata: { note: TEXT } },
      { type: 'llm', event: 'start', traceId: 'rd-avido', timestamp: '2026-03-01T10:00:01Z', modelId: 'gpt-4o', input: [{ role: 'user', content: TEXT }] },
      { type: 'tool', traceId: 'rd-avido', timestamp: '2026-03-01T10:00:02Z', toolInput: TEXT, toolOutput: TEXT },
    ] } })).status],
    ['Evalgate', async () => (await call(srv.url, '/api/collector', { key: srv.key, body: { traces: [{
      name: 'support', traceId: 'rd-evalgate', status: 'error', durationMs: 10, metadata: { note: TEXT },
      spans: [{ name: 'llm', spanId: 'rd-evalgate-s', type: 'llm', startTime: '2026-03-01T10:00:00.000Z', input: [{ role: 'user', content: TEXT }], output: TEXT, metadata: { error: TEXT } }],
    }] } })).status],
    ['HoneyHive', async () => (await call(srv.url, '/events/batch', { key: srv.key, body: {
      is_single_session: true,
      session_properties: { session_name: 'support', source: 'production', session_id: 'rd-honeyhive', inputs: { query: TEXT }, outputs: { answer: TEXT }, metadata: { note: TEXT }, feedback: { comment: TEXT } },
      events: [{ project: 'p', source: 'production', event_name: 'llm', event_type: 'model', event_id: 'rd-hh-e1', inputs: { chat_history: [{ role: 'user', content: TEXT }] }, outputs: { content: TEXT }, error: TEXT, metadata: { note: TEXT }, start_time: t0, end_time: t0 + 5 }],
    } })).status],
    ['Langfuse', async () => (await call(srv.url, '/api/public/ingestion', { key: srv.key, body: { batch: [
      { id: 'rd-lf-1', type: 'trace-create', timestamp: '2026-03-01T10:00:00.000Z', body: { id: 'rd-langfuse', name: 'chat', input: TEXT, output: TEXT, metadata: { note: TEXT } } },
      { id: 'rd-lf-2', type: 'generation-create', timestamp: '2026-03-01T10:00:00.000Z', body: { id: 'rd-lf-gen', traceId: 'rd-langfuse', name: 'gen', startTime: '2026-03-01T10:00:00.000Z', input: [{ role: 'user', content: TEXT }], output: { role: 'assistant', content: TEXT }, metadata: { note: TEXT }, level: 'ERROR', statusMessage: TEXT } },
      { id: 'rd-lf-3', type: 'score-create', timestamp: '2026-03-01T10:00:00.000Z', body: { id: 'rd-lf-score', traceId: 'rd-langfuse', name: 'quality', value: 1, comment: TEXT } },
    ] } })).status],
  ];

  test.each(sends)('%s: the counters move', async (_name, send) => {
    const before = total(await masked());
    const status = await send();
    expect(status).toBeLessThan(300);
    expect(total(await masked())).toBeGreaterThan(before);
  });

  test('no read holds the secret: trace list, each trace with its spans, span list, scores, export', async () => {
    const list = await call(srv.url, '/api/v1/traces?limit=1000', { key: srv.key });
    expect(list.status).toBe(200);
    const ids = (list.json.data as Array<{ id: string }>).map((t) => t.id);
    expect(ids.length).toBeGreaterThanOrEqual(sends.length);
    const bodies = [list.raw.toString()];
    for (const id of ids) {
      const t = await call(srv.url, `/api/v1/traces/${encodeURIComponent(id)}`, { key: srv.key });
      expect(t.status).toBe(200);
      bodies.push(t.raw.toString());
    }
    for (const path of ['/api/v1/spans?limit=1000', '/api/v1/scores?limit=1000']) {
      const r = await call(srv.url, path, { key: srv.key });
      expect(r.status, path).toBe(200);
      bodies.push(r.raw.toString());
    }
    // The export is JSONL, which the JSON helper would not parse.
    const exp = await fetch(`${srv.url}/api/v1/export`, { headers: { 'x-api-key': srv.key } });
    expect(exp.status).toBe(200);
    const exported = await exp.text();
    expect(exported.split('\n').filter(Boolean).length).toBeGreaterThanOrEqual(sends.length);
    bodies.push(exported);
    const all = bodies.join('\n');
    for (const n of NEEDLES) expect(all.includes(n), `${n} found in: ${all.slice(Math.max(0, all.indexOf(n) - 300), all.indexOf(n) + 100)}`).toBe(false);
    // Redacted, not dropped: the markers are where the text was.
    for (const m of ['[REDACTED:email]', '[REDACTED:api_key]', '[REDACTED:card]', '[REDACTED:ticket]']) expect(all).toContain(m);
    // Nor does the full-text index: searching for the secret finds nothing, searching the marker finds traces.
    for (const q of ['victim', 'LEAK1234567890abcdefXYZ']) {
      const r = await call(srv.url, `/api/v1/traces?q=${encodeURIComponent(q)}`, { key: srv.key });
      expect(r.status).toBe(200);
      expect(r.json.data, q).toEqual([]);
    }
    expect((await call(srv.url, '/api/v1/traces?q=REDACTED', { key: srv.key })).json.data.length).toBeGreaterThan(0);
    const counts = await masked();
    expect(Object.keys(counts).sort()).toEqual(['api_key', 'card', 'email', 'ticket']);
  });
});
