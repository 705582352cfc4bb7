// Issue 14, item 1: rows written before the range checks (the probe's: a trace starting 1e18 ms
// after 1970, a span lasting 1e300 ms) are still in some databases. They are written here straight
// into a real SQLite store, past the pipeline, and every read route must answer 200, never a 500
// for the page: a time no ISO text can show reads as not said (null; a trace's start, as its
// arrival) and is named in the row's `invalid`.
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Batch } from '../../src/model/batch.js';
import { call, startTestServer, type TestServer } from '../helpers/server.js';

const T0 = 1_740_823_200_000_000; // 2025-03-01T10:00:00Z in µs
/** The Avido probe's trace timestamp (1e18 ms) in µs: past Date's range, so no ISO text shows it. */
const HUGE = 1e21;
/** The Evalgate probe's span end: its start plus 1e300 ms. */
const ABSURD_END = T0 + 1e303;

let s: TestServer;

const bad: Batch = {
  traces: [
    { id: 'bad-start', name: 'probe', startTime: HUGE, sessionId: 'bad-session', userId: 'bad-user' },
    // A duration without an end: the store counts it from the trace's start.
    { id: 'bad-duration', name: 'duration', durationMs: 1e300 },
    { id: 'good', name: 'good', startTime: T0 },
  ],
  spans: [
    { id: 'early', traceId: 'bad-start', name: 'early', startTime: HUGE, endTime: HUGE },
    { id: 'long', traceId: 'bad-end', name: 'long', kind: 'llm', startTime: T0, endTime: ABSURD_END, events: [{ name: 'later', time: HUGE, attributes: {} }] },
    { id: 'fine', traceId: 'good', name: 'fine', startTime: T0, endTime: T0 + 1000 },
  ],
  scores: [{ id: 'late-score', traceId: 'good', name: 'thumbs', value: 1, source: 'user', createdAt: HUGE }],
};

beforeAll(async () => {
  s = await startTestServer('bad-rows');
  const project = await s.server.store.ensureProject('default');
  // Past the pipeline on purpose: this is what a store holds from before the range checks.
  await s.server.store.writeGroup([{ projectId: project.id, batch: bad, receivedAt: T0 }]);
});

afterAll(async () => {
  await s?.close();
});

async function get(path: string) {
  const a = await call(s.url, path, { key: s.key });
  expect(a.status, `GET ${path}: ${a.raw.toString('utf8').slice(0, 300)}`).toBe(200);
  return a.json;
}

const ARRIVED = '2025-03-01T10:00:00.000000Z';

test('the trace list answers, flagging the times it cannot show', async () => {
  const list = await get('/api/v1/traces?limit=100');
  const byId = new Map((list.data as Array<{ id: string; startTime: string; endTime: string | null; durationMs: number | null }>).map((t) => [t.id, t]));
  expect([...byId.keys()].sort()).toEqual(['bad-duration', 'bad-end', 'bad-start', 'good']);
  expect(byId.get('bad-start')).toMatchObject({ startTime: ARRIVED, endTime: null, durationMs: null, invalid: ['startTime', 'endTime'] });
  expect(byId.get('bad-end')).toMatchObject({ startTime: ARRIVED, endTime: null, durationMs: null, invalid: ['endTime'] });
  expect(byId.get('bad-duration')).toMatchObject({ startTime: ARRIVED, endTime: null, durationMs: null, invalid: ['endTime'] });
  expect(byId.get('good')).toMatchObject({ startTime: ARRIVED, durationMs: 1 });
  expect(byId.get('good')).not.toHaveProperty('invalid');
});

test('the list pages past a bad row (its cursor stays usable)', async () => {
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await get(`/api/v1/traces?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
    seen.push(...(page.data as Array<{ id: string }>).map((t) => t.id));
    cursor = page.nextCursor as string | null;
  } while (cursor && seen.length < 10);
  expect(seen.sort()).toEqual(['bad-duration', 'bad-end', 'bad-start', 'good']);
});

test('each trace answers, its bad times null and named', async () => {
  const start = await get('/api/v1/traces/bad-start');
  expect(start.trace).toMatchObject({ startTime: ARRIVED, invalid: ['startTime', 'endTime'] });
  expect(start.spans).toMatchObject([{ id: 'early', startTime: null, endTime: null, durationMs: null, invalid: ['startTime', 'endTime'] }]);
  const end = await get('/api/v1/traces/bad-end');
  expect(end.spans).toMatchObject([{ id: 'long', startTime: ARRIVED, endTime: null, durationMs: null, events: [{ name: 'later', time: null }], invalid: ['endTime', 'events.time'] }]);
  const good = await get('/api/v1/traces/good');
  expect(good.scores).toMatchObject([{ id: 'late-score', createdAt: null, invalid: ['createdAt'] }]);
  expect(good.spans[0]).not.toHaveProperty('invalid');
  await get('/api/v1/traces/bad-duration');
});

test('the Evalgate list and each Evalgate trace answer', async () => {
  const list = await get('/api/traces?limit=100');
  expect((list.traces as unknown[]).length).toBe(4);
  for (const t of list.traces as Array<{ id: number; traceId: string; startTime: string }>) {
    expect(t.startTime).toBe(ARRIVED);
    const one = await get(`/api/traces/${t.id}`);
    expect(one.trace.traceId).toBe(t.traceId);
  }
});

test('export answers with every trace, leaving out the times it cannot show', async () => {
  const res = await fetch(`${s.url}/api/v1/export`, { headers: { 'x-api-key': s.key } });
  const text = await res.text();
  expect(res.status, text.slice(0, 300)).toBe(200);
  const records = text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { trace: { id: string; startTime?: string }; spans: Array<{ id: string; startTime?: string; endTime?: string }>; scores: Array<{ createdAt?: string }> });
  expect(records.map((r) => r.trace.id).sort()).toEqual(['bad-duration', 'bad-end', 'bad-start', 'good']);
  const byId = new Map(records.map((r) => [r.trace.id, r]));
  expect(byId.get('bad-start')!.trace.startTime).toBeUndefined();
  expect(byId.get('bad-start')!.spans[0]).not.toHaveProperty('startTime');
  expect(byId.get('bad-end')!.spans[0]).toMatchObject({ startTime: ARRIVED });
  expect(byId.get('bad-end')!.spans[0]).not.toHaveProperty('endTime');
  expect(byId.get('good')!.scores[0]).not.toHaveProperty('createdAt');
});

test('spans, sessions, users, scores and metrics answer', async () => {
  await get('/api/v1/spans?limit=100');
  await get('/api/v1/spans?limit=1');
  const sessions = await get('/api/v1/sessions');
  expect(sessions.data).toMatchObject([{ id: 'bad-session', firstTime: null, lastTime: null }]);
  await get('/api/v1/sessions/bad-session');
  await get('/api/v1/users');
  await get('/api/v1/users/bad-user');
  await get('/api/v1/scores');
  await get('/api/v1/metrics?from=2025-01-01T00:00:00Z&to=2026-01-01T00:00:00Z&interval=1d');
  await get('/api/v1/metrics?from=2025-01-01T00:00:00Z&to=2026-01-01T00:00:00Z&interval=1d&level=span');
});
