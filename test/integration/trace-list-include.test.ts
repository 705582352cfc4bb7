// GET /api/v1/traces?include=models,scores: the row extras the dashboard's list shows, fetched
// for the whole page in one Store call; rows without include stay exactly as they were.
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { call, qs, startTestServer, type TestServer } from '../helpers/server.js';

let ts: TestServer;
const BASE = Date.UTC(2026, 2, 1, 0, 0, 0);

const DATA = {
  traces: [{ id: 'inc-1', name: 'two models' }, { id: 'inc-2', name: 'nothing extra' }, { id: 'inc-3', name: 'scored' }],
  spans: [
    { id: 'l1', traceId: 'inc-1', kind: 'llm', name: 'chat', model: 'gpt-4o-mini', startTime: BASE, endTime: BASE + 100 },
    { id: 'l2', traceId: 'inc-1', kind: 'llm', name: 'chat', model: 'claude-3-haiku', startTime: BASE + 200, endTime: BASE + 300 },
    { id: 'l3', traceId: 'inc-1', kind: 'llm', name: 'chat', model: 'gpt-4o-mini', startTime: BASE + 400, endTime: BASE + 500 },
    { id: 't1', traceId: 'inc-2', kind: 'tool', name: 'lookup', startTime: BASE + 1000, endTime: BASE + 1100 },
    { id: 'r1', traceId: 'inc-3', kind: 'retrieval', name: 'search', startTime: BASE + 2000, endTime: BASE + 2100 },
  ],
  scores: [
    { id: 'sc-old', traceId: 'inc-3', name: 'thumbs', value: 'down', source: 'user', comment: 'wrong doc', createdAt: BASE + 3000 },
    { id: 'sc-new', traceId: 'inc-3', spanId: 'r1', name: 'relevance', value: 0.4, source: 'eval', createdAt: BASE + 4000 },
    { id: 'sc-1', traceId: 'inc-1', name: 'ok', value: true, source: 'api', createdAt: BASE + 5000 },
  ],
};

const rows = async (query: string) => {
  const r = await call(ts.url, `/api/v1/traces${query}`, { key: ts.key });
  expect(r.status, JSON.stringify(r.json)).toBe(200);
  return Object.fromEntries((r.json.data as Array<Record<string, unknown>>).map((t) => [t.id, t]));
};

beforeAll(async () => {
  ts = await startTestServer('include');
  expect((await call(ts.url, '/api/v1/ingest', { key: ts.key, body: DATA })).json).toEqual({ accepted: 11, rejected: [] });
});
afterAll(async () => ts.close());

describe('GET /api/v1/traces?include=', () => {
  test('without include the rows are plain traces', async () => {
    const plain = await rows('');
    for (const t of Object.values(plain)) {
      expect(t).not.toHaveProperty('models');
      expect(t).not.toHaveProperty('scores');
    }
    expect(Object.keys(plain).sort()).toEqual(['inc-1', 'inc-2', 'inc-3']);
  });

  test('models: the distinct span models of each trace, sorted; [] for none', async () => {
    const r = await rows('?include=models');
    expect(r['inc-1'].models).toEqual(['claude-3-haiku', 'gpt-4o-mini']);
    expect(r['inc-2'].models).toEqual([]);
    expect(r['inc-3'].models).toEqual([]);
    expect(r['inc-1']).not.toHaveProperty('scores');
    // the trace fields are all still there, unchanged
    const plain = await rows('');
    const { models: _m, ...rest } = r['inc-1'];
    expect(rest).toEqual(plain['inc-1']);
  });

  test('scores: newest first, with name, value, source, comment and spanId', async () => {
    const r = await rows('?include=scores');
    expect(r['inc-3'].scores).toEqual([
      { name: 'relevance', value: 0.4, source: 'eval', comment: null, spanId: 'r1' },
      { name: 'thumbs', value: 'down', source: 'user', comment: 'wrong doc', spanId: null },
    ]);
    expect(r['inc-1'].scores).toEqual([{ name: 'ok', value: true, source: 'api', comment: null, spanId: null }]);
    expect(r['inc-2'].scores).toEqual([]);
    expect(r['inc-3']).not.toHaveProperty('models');
  });

  test('comma-separated or repeated, with filters and paging; one Store call per page', async () => {
    const spy = vi.spyOn(ts.server.store, 'traceFacets');
    try {
      for (const query of ['?include=models,scores', qs([['include', 'models'], ['include', 'scores']]), '?include=scores,models,']) {
        const r = await rows(query);
        expect(r['inc-1']).toMatchObject({ models: ['claude-3-haiku', 'gpt-4o-mini'], scores: [{ name: 'ok' }] });
        expect(r['inc-2']).toMatchObject({ models: [], scores: [] });
      }
      expect(spy).toHaveBeenCalledTimes(3);
      expect(spy.mock.calls[0][1]).toHaveLength(3);
      spy.mockClear();
      const page = await call(ts.url, `/api/v1/traces${qs([['include', 'models'], ['limit', 2], ['order', 'asc']])}`, { key: ts.key });
      expect(page.json.data.map((t: { id: string; models: string[] }) => [t.id, t.models])).toEqual([['inc-1', ['claude-3-haiku', 'gpt-4o-mini']], ['inc-2', []]]);
      const next = await call(ts.url, `/api/v1/traces${qs([['include', 'models'], ['limit', 2], ['order', 'asc'], ['cursor', page.json.nextCursor]])}`, { key: ts.key });
      expect(next.json).toEqual({ data: [expect.objectContaining({ id: 'inc-3', models: [] })], nextCursor: null });
      expect(spy).toHaveBeenCalledTimes(2);
      spy.mockClear();
      // an empty page asks the store nothing
      expect((await call(ts.url, '/api/v1/traces?include=models&userId=nobody', { key: ts.key })).json).toEqual({ data: [], nextCursor: null });
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });

  test('an unknown include is a 400 invalid_query naming the known ones; other lists refuse include', async () => {
    const r = await call(ts.url, '/api/v1/traces?include=models,spans', { key: ts.key });
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('invalid_query');
    expect(r.json.error.message).toContain('"spans"');
    expect(r.json.error.message).toContain('models, scores');
    for (const path of ['/api/v1/spans?include=models', '/api/v1/export?include=models', '/api/v1/metrics?include=models']) {
      const x = await call(ts.url, path, { key: ts.key });
      expect(x.status, path).toBe(400);
      expect(x.json.error.message, path).toContain('include applies to the trace list');
    }
    for (const path of ['/api/v1/sessions?include=models', '/api/v1/users?include=models', '/api/v1/scores?include=models']) {
      expect((await call(ts.url, path, { key: ts.key })).status, path).toBe(400);
    }
  });

  test('/openapi.json documents include on the trace list only, and the optional row fields', async () => {
    const doc = (await call(ts.url, '/openapi.json')).json;
    const names = (path: string) => doc.paths[path].get.parameters.map((p: { name: string }) => p.name);
    expect(names('/api/v1/traces')).toContain('include');
    for (const path of ['/api/v1/spans', '/api/v1/export', '/api/v1/metrics']) expect(names(path), path).not.toContain('include');
    const row = doc.paths['/api/v1/traces'].get.responses['200'].content['application/json'].schema.properties.data.items;
    expect(row.properties.models).toMatchObject({ type: 'array', items: { type: 'string' } });
    expect(Object.keys(row.properties.scores.items.properties).sort()).toEqual(['comment', 'name', 'source', 'spanId', 'value']);
    expect(row.required).toContain('id');
    expect(row.required).not.toContain('models');
    expect(row.required).not.toContain('scores');
  });
});
