// Sessions, users, scores and the filter grammar over HTTP: a real server on port 0 (a temp
// SQLite file, or a PostgreSQL database), real fetch and a real OTel SDK exporter. Expected values
// are worked out by hand in analytics-fixture.ts. Run per backend by analytics-http*.test.ts.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { createKey } from '../../src/server/keys.js';
import { ALICE, BOB, CAROL, S1, S2, SCORES, SPANS, TRACES } from './analytics-fixture.js';

export interface HttpBackend {
  name: string;
  /** The database URL for startServer (undefined: SQLite in the data dir). */
  dbUrl(): Promise<string | undefined>;
}

export function analyticsHttpTests(backend: HttpBackend): void {
  describe(`analytics over HTTP: ${backend.name}`, () => {
    let server: RunningServer;
    let dir: string;
    let key: string;
    /** OTLP data goes to a project of its own, so the fixed data set's lists stay as computed by hand. */
    let otlpKey: string;

    interface Json { [k: string]: unknown }
    async function get(path: string, k = key): Promise<{ status: number; body: Json }> {
      const res = await fetch(`${server.url}${path}`, { headers: { 'x-api-key': k } });
      return { status: res.status, body: (await res.json()) as Json };
    }
    async function ok(path: string, k = key): Promise<Json> {
      const r = await get(path, k);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return r.body;
    }
    async function post(path: string, body: unknown, k = key): Promise<{ status: number; body: Json }> {
      const res = await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'x-api-key': k, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: res.status, body: (await res.json()) as Json };
    }
    const ids = (page: Json) => (page.data as Array<{ id: string }>).map((x) => x.id);
    const q = (expr: string) => `filter=${encodeURIComponent(expr)}`;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'loupe-analytics-'));
      server = await startServer({ host: '127.0.0.1', port: 0, dataDir: dir, dbUrl: await backend.dbUrl() });
      key = readFileSync(join(dir, 'admin-key.txt'), 'utf8').trim();
      otlpKey = (await createKey(server.store, (await server.store.ensureProject('otlp')).id, ['ingest', 'read'])).key;
      expect((await post('/api/v1/ingest', { traces: TRACES, spans: SPANS })).status).toBe(200);
      for (const s of SCORES) expect((await post('/api/v1/scores', s)).status).toBe(200);
    });

    afterAll(async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    });

    describe('sessions', () => {
      test('list: rollups match the hand-computed values, latest activity first', async () => {
        const page = await ok('/api/v1/sessions?' + q('id in ["s1", "s2"]'));
        expect(page.data).toEqual([S2, S1]);
        expect(page.nextCursor).toBeNull();
      });

      test('keyset pagination by lastTime', async () => {
        const first = await ok('/api/v1/sessions?limit=1&' + q('id in ["s1", "s2"]'));
        expect(ids(first)).toEqual(['s2']);
        const second = await ok(`/api/v1/sessions?limit=1&cursor=${first.nextCursor}&` + q('id in ["s1", "s2"]'));
        expect(ids(second)).toEqual(['s1']);
        expect(second.nextCursor).toBeNull();
      });

      test('filters that apply: userId, from/to, expressions over session fields', async () => {
        expect(ids(await ok('/api/v1/sessions?userId=bob'))).toEqual(['s2', 's1']);
        expect(ids(await ok('/api/v1/sessions?userId=alice'))).toEqual(['s1']);
        expect(ids(await ok('/api/v1/sessions?from=2024-01-01T10:30:00Z&to=2024-01-02T00:00:00Z&' + q('id != "conv-42"')))).toEqual(['s2']);
        expect(ids(await ok('/api/v1/sessions?' + q('traceCount >= 2 and errorCount > 0 and costUsd > 0.005')))).toEqual(['s1']);
      });

      test('filters that do not apply are refused, not ignored', async () => {
        const r = await get('/api/v1/sessions?status=error');
        expect(r.status).toBe(400);
        expect(r.body).toMatchObject({ error: { code: 'unsupported_filter' } });
      });

      test('detail: the conversation turn by turn, paged in time order', async () => {
        const d = await ok('/api/v1/sessions/s1');
        expect(d.session).toEqual(S1);
        const turns = (d.traces as Array<{ id: string; input: unknown; output: unknown }>).map((t) => [t.id, t.input, t.output]);
        expect(turns).toEqual([['t1', 'What is Loupe?', 'A trace store.'], ['t2', 'Does it do sessions?', 'Yes.'], ['t3', 'And users?', 'Those too.']]);
        const p1 = await ok('/api/v1/sessions/s1?limit=2');
        expect((p1.traces as Json[]).map((t) => t.id)).toEqual(['t1', 't2']);
        const p2 = await ok(`/api/v1/sessions/s1?limit=2&cursor=${p1.nextCursor}`);
        expect((p2.traces as Json[]).map((t) => t.id)).toEqual(['t3']);
        expect(p2.nextCursor).toBeNull();
        expect((await get('/api/v1/sessions/nope')).status).toBe(404);
        expect((await get('/api/v1/sessions/s1', otlpKey)).status).toBe(404);
      });

      test('built from OTLP: OpenInference session.id, and a real OTel SDK exporter', async () => {
        const body = readFileSync(new URL('../fixtures/otlp-feedback/annotations-and-evaluations.json', import.meta.url));
        const res = await fetch(`${server.url}/v1/traces`, { method: 'POST', headers: { 'x-api-key': otlpKey, 'content-type': 'application/json' }, body });
        expect(res.status).toBe(200);
        const d = await ok('/api/v1/sessions/conv-42', otlpKey);
        expect(d.session).toMatchObject({ id: 'conv-42', traceCount: 1, userIds: ['oi-user'], errorCount: 0 });

        const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${server.url}/v1/traces`, headers: { 'x-api-key': otlpKey } }))] });
        const tracer = provider.getTracer('analytics-test');
        for (const turn of ['hello', 'and again']) {
          const span = tracer.startSpan('chat', { attributes: { 'session.id': 'otel-session', 'user.id': 'otel-user', 'openinference.span.kind': 'LLM', 'input.value': turn, 'llm.token_count.prompt': 7, 'llm.token_count.completion': 3 } });
          span.end();
        }
        await provider.forceFlush();
        await provider.shutdown();
        const o = await ok('/api/v1/sessions/otel-session', otlpKey);
        expect(o.session).toMatchObject({ traceCount: 2, userIds: ['otel-user'], inputTokens: 14, outputTokens: 6, totalTokens: 20 });
        expect((o.traces as Json[]).map((t) => t.input)).toEqual(['hello', 'and again']);
      });
    });

    describe('scores', () => {
      test('POST validates and answers a stable id (a re-send is idempotent)', async () => {
        const a = await post('/api/v1/scores', { traceId: 't5', name: 'nps', value: 9 });
        const b = await post('/api/v1/scores', { traceId: 't5', name: 'nps', value: 9 });
        expect(a.status).toBe(200);
        expect(a.body.id).toBe(b.body.id);
        expect(((await ok('/api/v1/scores?traceId=t5')).data as Json[]).length).toBe(1);
        const bad = await post('/api/v1/scores', { traceId: 't5', name: 'nps', value: { x: 1 }, source: 'robot' });
        expect(bad.status).toBe(400);
        expect(bad.body).toMatchObject({ error: { code: 'invalid_body' } });
      });

      test('list filters: name, source, valueType, traceId, spanId, userId, value expressions', async () => {
        expect(((await ok('/api/v1/scores?name=rating')).data as Json[]).map((s) => s.value)).toEqual([4, 3, 5]);
        expect(((await ok('/api/v1/scores?source=eval')).data as Json[]).map((s) => s.value)).toEqual([false, true]);
        expect(((await ok('/api/v1/scores?valueType=boolean')).data as Json[]).length).toBe(2);
        expect(((await ok('/api/v1/scores?traceId=t2&order=asc')).data as Json[]).map((s) => s.name)).toEqual(['thumbs', 'rating', 'helpful']);
        expect(((await ok('/api/v1/scores?spanId=l1')).data as Json[]).map((s) => s.name)).toEqual(['rating']);
        expect(((await ok('/api/v1/scores?userId=alice')).data as Json[]).length).toBe(5);
        expect(((await ok('/api/v1/scores?' + q('value >= 4 and name = "rating"'))).data as Json[]).map((s) => s.value)).toEqual([4, 5]);
        expect(((await ok('/api/v1/scores?from=2024-01-01T13:00:02Z&to=2024-01-01T13:00:04Z')).data as Json[]).map((s) => s.value)).toEqual([5, 'down']);
      });

      test('list pages by createdAt', async () => {
        const seen: unknown[] = [];
        let cursor: unknown = null;
        do {
          const page = await ok(`/api/v1/scores?limit=3&userId=alice${cursor ? `&cursor=${cursor}` : ''}`);
          seen.push(...(page.data as Json[]).map((s) => s.createdAt));
          cursor = page.nextCursor;
        } while (cursor);
        expect(seen).toEqual(['13:00:06', '13:00:04', '13:00:03', '13:00:01', '13:00:00'].map((t) => `2024-01-01T${t}.000000Z`));
      });

      test('trace lists filter by score in the query string', async () => {
        const traces = async (qs: string) => ids(await ok(`/api/v1/traces?${qs}`));
        expect(await traces('score.thumbs=down')).toEqual(['t3', 't2']);
        expect(await traces('score.rating>=4')).toEqual(['t4', 't1']);
        expect(await traces('score.rating>4')).toEqual(['t1']);
        expect(await traces('score.rating<=3')).toEqual(['t2']);
        expect(await traces('score.rating<4')).toEqual(['t2']);
        expect(await traces('score.rating=5')).toEqual(['t1']);
        expect(await traces('score.helpful=true')).toEqual(['t2']);
        expect(await traces('score.thumbs!=down')).toEqual(['t1']);
        expect(await traces('score.thumbs=down&score.rating>=3')).toEqual(['t2']);
        expect(await traces(encodeURIComponent('score.rating>=') + '4')).toEqual(['t4', 't1']);
        const bad = await get('/api/v1/traces?score.rating>=high');
        expect(bad.status).toBe(400);
      });

      test('OTLP annotations and evaluation events are listed as scores', async () => {
        const page = await ok('/api/v1/scores?traceId=5b8efff798038103d269b633813fc60c&order=asc', otlpKey);
        expect((page.data as Json[]).map((s) => [s.name, s.value, s.source, s.spanId])).toEqual([
          ['correctness', 0.8, 'eval', 'eee19b7ec3c1b174'],
          ['thumbs', 'down', 'user', 'eee19b7ec3c1b174'],
          ['resolved', 'yes', 'eval', null],
          ['relevance', 4, 'eval', 'eee19b7ec3c1b174'],
          ['toxicity', 'none', 'eval', 'aaa19b7ec3c1b175'],
        ]);
        expect(ids(await ok('/api/v1/spans?' + q('score.relevance >= 4'), otlpKey))).toEqual(['eee19b7ec3c1b174']);
        expect(ids(await ok('/api/v1/traces?score.thumbs=down&sessionId=conv-42', otlpKey))).toEqual(['5b8efff798038103d269b633813fc60c']);
        expect((await ok('/api/v1/scores?traceId=5b8efff798038103d269b633813fc60c')).data).toEqual([]);
      });
    });

    describe('users', () => {
      test('rollups and score summaries match the hand-computed values', async () => {
        expect(await ok('/api/v1/users/alice')).toEqual(ALICE);
        expect(await ok('/api/v1/users/bob')).toEqual(BOB);
        expect((await ok('/api/v1/users/carol')).traceCount).toBe(CAROL.traceCount);
        expect((await get('/api/v1/users/nobody')).status).toBe(404);
      });

      test('list, with filters over user fields', async () => {
        expect(ids(await ok('/api/v1/users?sessionId=s1'))).toEqual(['bob', 'alice']);
        expect(ids(await ok('/api/v1/users?' + q('sessionCount >= 2')))).toEqual(['bob']);
        expect(ids(await ok('/api/v1/users?to=2024-01-01T10:06:00Z'))).toEqual(['alice']);
      });
    });

    describe('the filter grammar against real data', () => {
      const traces = async (expr: string) => ids(await ok(`/api/v1/traces?${q(expr)}&` + 'from=2024-01-01T09:00:00Z&to=2024-01-02T00:00:00Z'));

      test('the issue example', async () => {
        expect(await traces('kind = "llm" and durationMs > 1000 and metadata.customer = "acme" and score.thumbs = "down"')).toEqual(['t2']);
      });

      test('or, not, in, contains, !=, numbers, times and tags', async () => {
        expect(await traces('durationMs >= 2000 or status = "error"')).toEqual(['t4', 't3', 't2']);
        expect(await traces('not metadata.customer = "acme"')).toEqual(['t6', 't4', 't3']);
        expect(await traces('metadata.seats > 5')).toEqual(['t1']);
        expect(await traces('model in ["claude-3-5-sonnet", "o1"]')).toEqual(['t3']);
        expect(await traces('userId != "alice"')).toEqual(['t6', 't5', 't4', 't3']);
        expect(await traces('tag = "beta" or input contains "SESSIONS"')).toEqual(['t2', 't1']);
        expect(await traces('costUsd >= 0.004 and startTime < "2024-01-01T11:00:00Z"')).toEqual(['t2']);
        expect(await traces('(sessionId = "s1" or sessionId = "s2") and not (userId = "bob" and errorCount > 0)')).toEqual(['t4', 't2', 't1']);
        expect(await traces('sessionId = null')).toEqual(['t6', 't5']);
      });

      test('spans take the same grammar over span fields', async () => {
        expect(ids(await ok('/api/v1/spans?' + q('status = "error"')))).toEqual(['e3']);
        expect(ids(await ok('/api/v1/spans?' + q('kind = "llm" and inputTokens >= 100 and userId = "alice"')))).toEqual(['l2', 'l1']);
      });

      test('a bad expression is a 400 pointing at the token', async () => {
        const r = await get('/api/v1/traces?' + q('kind = "llm" and durationMs >> 5'));
        expect(r.status).toBe(400);
        expect(r.body).toEqual({ error: { code: 'invalid_query', message: expect.stringContaining('at position 29'), details: { parameter: 'filter', position: 29, token: '>', expected: 'value' } } });
      });
    });
  });
}
