// The native API over HTTP: POST /api/v1/ingest (partial rejects), GET /api/v1/traces with every
// filter of DESIGN.md, GET /api/v1/traces/:id, GET /api/v1/spans, health and /openapi.json.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ROUTE_MODULES } from '../../src/server/routes/index.js';
import { call, qs, startTestServer, type TestServer } from '../helpers/server.js';

let ts: TestServer;
const BASE = Date.UTC(2026, 1, 1, 0, 0, 0);
const H = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

// Five traces, each differing in the fields the filters look at.
const DATA = {
  traces: [
    { id: 't1', name: 'checkout flow', externalId: 'ext-1', userId: 'alice', sessionId: 's1', environment: 'production', tags: ['a', 'b'],
      metadata: { team: 'pay', tier: 1 }, input: 'please refund my order', output: 'refund issued' },
    { id: 't2', name: 'search', userId: 'bob', sessionId: 's1', environment: 'staging', tags: ['b'], metadata: { team: 'search', beta: true, nested: { deep: 'x' } } },
    { id: 't3', name: 'Checkout retry', userId: 'alice', sessionId: 's2', environment: 'production', tags: ['a'], metadata: { team: 'pay' } },
    { id: 't4', name: 'embedding job', userId: 'carol', environment: 'dev' },
    { id: 't5', name: 'Agent Run', externalId: 'ext-5', userId: 'alice', tags: ['c'], input: { question: 'weather in oslo' } },
  ],
  spans: [
    // Sent child first: the detail must still list spans by start time.
    { id: 't1-llm', traceId: 't1', parentId: 't1-root', kind: 'llm', name: 'chat', model: 'gpt-4o', startTime: BASE + 100, endTime: BASE + 900, status: 'ok',
      usage: { inputTokens: 50, outputTokens: 10 }, costUsd: 0.001, metadata: { step: 'answer' } },
    { id: 't1-root', traceId: 't1', kind: 'chain', name: 'checkout flow', startTime: iso(BASE), endTime: iso(BASE + 1000), status: 'ok' },
    { id: 't2-ret', traceId: 't2', kind: 'retrieval', name: 'retrieve docs', startTime: BASE + H, endTime: BASE + H + 50 },
    { id: 't2-llm', traceId: 't2', parentId: 't2-ret', kind: 'llm', name: 'chat', model: 'claude-3-5-sonnet', startTime: BASE + H + 60, endTime: BASE + H + 200,
      status: 'error', error: 'overloaded', usage: { inputTokens: 30, outputTokens: 0 } },
    { id: 't3-tool', traceId: 't3', kind: 'tool', name: 'charge card', startTime: BASE + 2 * H },
    { id: 't4-emb', traceId: 't4', kind: 'embedding', name: 'embed', model: 'text-embedding-3-small', startTime: BASE + 3 * H, endTime: BASE + 3 * H + 5000, usage: { inputTokens: 500 } },
    { id: 't5-agent', traceId: 't5', kind: 'agent', name: 'agent', startTime: BASE + 4 * H, endTime: BASE + 4 * H + 50, status: 'ok' },
  ],
  scores: [{ id: 'sc1', traceId: 't1', name: 'thumbs', value: 1, comment: 'great', source: 'user', createdAt: BASE + 2000 }],
};

beforeAll(async () => {
  ts = await startTestServer('native');
  const r = await call(ts.url, '/api/v1/ingest', { key: ts.key, body: DATA });
  expect(r.status).toBe(200);
  expect(r.json).toEqual({ accepted: 13, rejected: [] });
});
afterAll(async () => ts.close());

async function traceIds(pairs: Array<[string, string | number]>): Promise<string[]> {
  const r = await call(ts.url, `/api/v1/traces${qs(pairs)}`, { key: ts.key });
  expect(r.status, JSON.stringify(r.json)).toBe(200);
  return r.json.data.map((t: { id: string }) => t.id);
}

describe('POST /api/v1/ingest', () => {
  test('bad items are rejected one by one, the rest stored', async () => {
    const r = await call(ts.url, '/api/v1/ingest', { key: ts.key, body: {
      traces: [{ id: 'p1', name: 'partial' }, { name: 'no id' }],
      spans: [{ id: 'p1-s', traceId: 'p1', startTime: 'yesterday-ish' }, { id: 'p1-ok', traceId: 'p1', name: 'ok span', startTime: BASE + 10 * H }, { id: 'p1-k', traceId: 'p1', kind: 'banana' }, { id: 'p1-far', traceId: 'p1', startTime: 1e20 }],
      scores: [{ traceId: 'p1', name: 'stars', value: 4 }, { traceId: 'p1', name: 'bad', value: { nested: true } }],
    } });
    expect(r.status).toBe(200);
    expect(r.json.accepted).toBe(3);
    expect(r.json.rejected.map((x: { item: string }) => x.item)).toEqual(['traces[1]', 'spans[0] (p1-s)', 'spans[2] (p1-k)', 'spans[3] (p1-far)', 'scores[1]']);
    const d = await call(ts.url, '/api/v1/traces/p1', { key: ts.key });
    expect(d.json.trace.name).toBe('partial');
    expect(d.json.spans.map((s: { id: string }) => s.id)).toEqual(['p1-ok']);
    expect(d.json.scores.map((s: { name: string; value: unknown }) => [s.name, s.value])).toEqual([['stars', 4]]);
  });

  test('all items invalid, or a body that is not a batch: 400 with a JSON error', async () => {
    for (const body of [{ spans: [{ traceId: 'x' }] }, { traces: [{ id: 5 }], scores: [{ name: 'x' }] }]) {
      const r = await call(ts.url, '/api/v1/ingest', { key: ts.key, body });
      expect(r.status).toBe(400);
      expect(r.json.error.code).toBe('invalid_body');
    }
    for (const body of ['{not json', '[1,2]', '{"traces": 5}']) {
      const r = await call(ts.url, '/api/v1/ingest', { key: ts.key, body, headers: { 'content-type': 'application/json' } });
      expect(r.status, body).toBe(400);
      expect(r.json.error.code).toBe('invalid_body');
    }
  });
});

describe('GET /api/v1/traces filters', () => {
  const cases: Array<[string, Array<[string, string | number]>, string[]]> = [
    ['no filter (newest first)', [], ['t5', 't4', 't3', 't2', 't1']],
    ['from', [['from', iso(BASE + H)]], ['t5', 't4', 't3', 't2']],
    ['to (exclusive)', [['to', iso(BASE + 2 * H)]], ['t2', 't1']],
    ['from and to', [['from', iso(BASE + H)], ['to', iso(BASE + 3 * H)]], ['t3', 't2']],
    ['status=error', [['status', 'error']], ['t2']],
    ['status=pending (an open span)', [['status', 'pending']], ['t3']],
    ['status=success', [['status', 'success']], ['t5', 't4', 't1']],
    ['status list', [['status', 'error,pending']], ['t3', 't2']],
    ['name substring, any case', [['name', 'CHECKOUT']], ['t3', 't1']],
    ['externalId', [['externalId', 'ext-1']], ['t1']],
    ['userId', [['userId', 'alice']], ['t5', 't3', 't1']],
    ['sessionId', [['sessionId', 's1']], ['t2', 't1']],
    ['environment', [['environment', 'production']], ['t3', 't1']],
    ['tag', [['tag', 'a']], ['t3', 't1']],
    ['tag repeated (all must match)', [['tag', 'a'], ['tag', 'b']], ['t1']],
    ['model', [['model', 'gpt-4o']], ['t1']],
    ['model (embedding)', [['model', 'text-embedding-3-small']], ['t4']],
    ['kind', [['kind', 'retrieval']], ['t2']],
    ['kind=agent', [['kind', 'agent']], ['t5']],
    ['minDurationMs', [['minDurationMs', 1000]], ['t4', 't1']],
    ['maxDurationMs (an open trace lasts 0 so far)', [['maxDurationMs', 200]], ['t5', 't3', 't2']],
    ['min and max duration', [['minDurationMs', 100], ['maxDurationMs', 2000]], ['t2', 't1']],
    ['q over output text', [['q', 'refund']], ['t1']],
    ['q over JSON input', [['q', 'oslo']], ['t5']],
    ['q over the name', [['q', 'embedding']], ['t4']],
    ['metadata.KEY', [['metadata.team', 'pay']], ['t3', 't1']],
    ['metadata number as text', [['metadata.tier', '1']], ['t1']],
    ['metadata boolean as text', [['metadata.beta', 'true']], ['t2']],
    ['metadata key with a dot is one top-level key', [['metadata.nested.deep', 'x']], []],
    ['combined', [['userId', 'alice'], ['status', 'success']], ['t5', 't1']],
    ['order=asc', [['userId', 'alice'], ['order', 'asc']], ['t1', 't3', 't5']],
  ];
  test.each(cases)('%s', async (_name, pairs, expected) => {
    // Traces written by other tests start later than BASE + 5h; leave them out.
    const bounded = pairs.some(([k]) => k === 'to') ? pairs : [...pairs, ['to', iso(BASE + 5 * H)] as [string, string]];
    expect(await traceIds(bounded)).toEqual(expected);
  });

  test('the trace rollups are served', async () => {
    const r = await call(ts.url, `/api/v1/traces${qs([['externalId', 'ext-1']])}`, { key: ts.key });
    expect(r.json.data[0]).toMatchObject({ id: 't1', status: 'success', spanCount: 2, errorCount: 0, inputTokens: 50, outputTokens: 10, totalTokens: 60, costUsd: 0.001,
      startTime: iso(BASE).replace('Z', '000Z'), endTime: iso(BASE + 1000).replace('Z', '000Z'), durationMs: 1000, tags: ['a', 'b'], metadata: { team: 'pay', tier: 1 } });
    expect(r.json.nextCursor).toBeNull();
  });

  test('q finds a trace by the name it took from its spans (no trace record sent)', async () => {
    const r = await call(ts.url, '/api/v1/ingest', { key: ts.key, body: { spans: [{ id: 'z1', traceId: 'fts-derived', name: 'zebra crossing', startTime: BASE + 20 * H }] } });
    expect(r.status).toBe(200);
    expect((await call(ts.url, '/api/v1/traces/fts-derived', { key: ts.key })).json.trace.name).toBe('zebra crossing');
    expect(await traceIds([['q', 'zebra']])).toEqual(['fts-derived']);
  });

  test('LIKE and full-text syntax in user text is inert', async () => {
    expect(await traceIds([['name', '%']])).toEqual([]);
    expect(await traceIds([['name', '_']])).toEqual([]);
    for (const q of ['"', '*', 'AND', 'refund OR', 'NEAR(refund', 'refund*', '-refund', "'; DROP TABLE traces; --", 'name:refund']) {
      const r = await call(ts.url, `/api/v1/traces${qs([['q', q]])}`, { key: ts.key });
      expect(r.status, q).toBe(200);
    }
    expect(await traceIds([['q', 'REFUND issued']])).toEqual(['t1']);
  });

  test('unknown or malformed parameters: 400 JSON', async () => {
    for (const q of ['?foo=1', '?status=weird', '?from=yesterday', '?limit=0', '?limit=1001', '?order=sideways', '?cursor=garbage', '?minDurationMs=-1', '?kind=banana', '?traceId=t1', '?metadata.a%20b=1']) {
      const r = await call(ts.url, `/api/v1/traces${q}`, { key: ts.key });
      expect(r.status, q).toBe(400);
      expect(r.json.error.code, q).toMatch(/^invalid_(query|cursor)$/);
    }
  });
});

describe('GET /api/v1/traces/:id', () => {
  test('the trace with its spans ordered by start time, and its scores', async () => {
    const r = await call(ts.url, '/api/v1/traces/t1', { key: ts.key });
    expect(r.status).toBe(200);
    expect(r.json.trace.id).toBe('t1');
    expect(r.json.spans.map((s: { id: string }) => s.id)).toEqual(['t1-root', 't1-llm']);
    expect(r.json.spans[1]).toMatchObject({ parentId: 't1-root', kind: 'llm', model: 'gpt-4o', status: 'ok', durationMs: 800, usage: { inputTokens: 50, outputTokens: 10, totalTokens: 60 }, metadata: { step: 'answer' } });
    expect(r.json.scores).toMatchObject([{ id: 'sc1', name: 'thumbs', value: 1, comment: 'great', source: 'user' }]);
  });

  test('404 with a JSON error when absent', async () => {
    const r = await call(ts.url, '/api/v1/traces/nope', { key: ts.key });
    expect(r.status).toBe(404);
    expect(r.json.error.code).toBe('not_found');
  });
});

describe('GET /api/v1/spans', () => {
  const spanIds = async (pairs: Array<[string, string | number]>) => {
    const r = await call(ts.url, `/api/v1/spans${qs([...pairs, ['to', iso(BASE + 5 * H)]])}`, { key: ts.key });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    return r.json.data.map((s: { id: string }) => s.id);
  };
  test.each([
    ['traceId', [['traceId', 't1']], ['t1-llm', 't1-root']],
    ['kind', [['kind', 'llm']], ['t2-llm', 't1-llm']],
    ['model', [['model', 'claude-3-5-sonnet']], ['t2-llm']],
    ['status=error', [['status', 'error']], ['t2-llm']],
    ['status=unset', [['status', 'unset']], ['t4-emb', 't3-tool', 't2-ret']],
    ['name', [['name', 'CHAT']], ['t2-llm', 't1-llm']],
    ["the trace's userId", [['userId', 'bob']], ['t2-llm', 't2-ret']],
    ["the trace's environment and tag", [['environment', 'production'], ['tag', 'a']], ['t3-tool', 't1-llm', 't1-root']],
    ['minDurationMs', [['minDurationMs', 800]], ['t4-emb', 't1-llm', 't1-root']],
    ['span metadata', [['metadata.step', 'answer']], ['t1-llm']],
    ['from', [['from', iso(BASE + 3 * H)]], ['t5-agent', 't4-emb']],
    ['order=asc', [['traceId', 't2'], ['order', 'asc']], ['t2-ret', 't2-llm']],
  ] as Array<[string, Array<[string, string]>, string[]]>)('%s', async (_n, pairs, expected) => {
    expect(await spanIds(pairs)).toEqual(expected);
  });

  test('q is refused on spans; unknown parameters are 400', async () => {
    expect((await call(ts.url, '/api/v1/spans?q=x', { key: ts.key })).json.error.code).toBe('unsupported_filter');
    expect((await call(ts.url, '/api/v1/spans?bogus=1', { key: ts.key })).status).toBe(400);
  });

  test('span pages walk with a cursor', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const r: { json: { data: Array<{ id: string }>; nextCursor: string | null } } = await call(ts.url, `/api/v1/spans${qs([['limit', 2], ['to', iso(BASE + 5 * H)], ...(cursor ? [['cursor', cursor] as [string, string]] : [])])}`, { key: ts.key });
      seen.push(...r.json.data.map((s) => s.id));
      cursor = r.json.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['t5-agent', 't4-emb', 't3-tool', 't2-llm', 't2-ret', 't1-llm', 't1-root']);
  });
});

describe('health and the API description', () => {
  test('/healthz and /readyz', async () => {
    expect((await call(ts.url, '/healthz')).json).toEqual({ status: 'ok' });
    expect((await call(ts.url, '/readyz')).json).toMatchObject({ status: 'ready' });
  });

  test('/openapi.json describes every route, with responses and the list filters', async () => {
    const r = await call(ts.url, '/openapi.json');
    expect(r.status).toBe(200);
    const doc = r.json;
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.info.title).toBe('Loupe');
    const routes = ROUTE_MODULES.flatMap((m) => m(ts.server.deps)).map((x) => [x.method.toLowerCase(), x.path.replace(/:(\w+)/g, '{$1}')]);
    for (const [method, path] of [...routes, ['get', '/healthz'], ['get', '/readyz'], ['get', '/openapi.json'], ['post', '/v1/traces'], ['post', '/api/v1/ingest'], ['get', '/api/v1/traces'], ['get', '/api/v1/traces/{id}'], ['get', '/api/v1/spans']]) {
      const op = doc.paths[path]?.[method];
      expect(op, `${method} ${path}`).toBeDefined();
      expect(Object.keys(op.responses).length).toBeGreaterThan(0);
      expect(typeof op.summary).toBe('string');
    }
    const params = doc.paths['/api/v1/traces'].get.parameters.map((p: { name: string }) => p.name);
    for (const name of ['from', 'to', 'status', 'name', 'externalId', 'userId', 'sessionId', 'environment', 'tag', 'model', 'kind', 'minDurationMs', 'maxDurationMs', 'q', 'metadata.KEY', 'limit', 'cursor', 'order']) {
      expect(params, name).toContain(name);
    }
    expect(doc.paths['/api/v1/traces/{id}'].get.parameters).toContainEqual(expect.objectContaining({ name: 'id', in: 'path', required: true }));
    expect(doc.paths['/api/v1/traces'].get.responses['200'].content['application/json'].schema).toBeDefined();
  });
});
