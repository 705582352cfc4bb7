// Session and user rollups stay right whatever the arrival order, and re-sending changes nothing:
// spans before their trace, a score before its trace, a trace moving to another user. Each step
// is checked over HTTP against values worked out by hand.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startServer, type RunningServer } from '../../src/server/index.js';

let server: RunningServer;
let dir: string;
let key: string;

async function ingest(body: unknown): Promise<void> {
  const res = await fetch(`${server.url}/api/v1/ingest`, { method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status, await res.clone().text()).toBe(200);
}
async function get(path: string): Promise<Record<string, unknown> | null> {
  const res = await fetch(`${server.url}${path}`, { headers: { 'x-api-key': key } });
  return res.status === 404 ? null : ((await res.json()) as Record<string, unknown>);
}
const user = (id: string) => get(`/api/v1/users/${id}`);
const session = async (id: string) => (await get(`/api/v1/sessions/${id}`))?.session ?? null;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-rollups-'));
  server = await startServer({ host: '127.0.0.1', port: 0, dataDir: dir });
  key = readFileSync(join(dir, 'admin-key.txt'), 'utf8').trim();
});

afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const SPAN_R1 = { id: 'x1', traceId: 'r1', kind: 'llm', startTime: '2024-02-01T09:00:00Z', endTime: '2024-02-01T09:00:01Z', usage: { inputTokens: 7, outputTokens: 3 }, costUsd: 0.5 };
const TRACE_R1 = { id: 'r1', userId: 'dora', sessionId: 's9' };
const SCORE_R3 = { id: 'score-r3', traceId: 'r3', name: 'thumbs', value: 'up', source: 'user', createdAt: '2024-02-01T10:00:00Z' };

test('a span before its trace: the user appears once the trace names it', async () => {
  await ingest({ spans: [SPAN_R1] });
  expect(await user('dora')).toBeNull();
  await ingest({ traces: [TRACE_R1] });
  // r1: 7 in, 3 out, 10 total, $0.5, started 09:00
  expect(await user('dora')).toMatchObject({ traceCount: 1, sessionCount: 1, inputTokens: 7, outputTokens: 3, totalTokens: 10, costUsd: 0.5, firstSeen: '2024-02-01T09:00:00.000000Z' });
  expect(await session('s9')).toMatchObject({ traceCount: 1, userIds: ['dora'], totalTokens: 10, costUsd: 0.5 });
});

test('re-sending the same batches changes nothing', async () => {
  const before = [await user('dora'), await session('s9')];
  for (let i = 0; i < 3; i++) await ingest({ traces: [TRACE_R1], spans: [SPAN_R1] });
  await ingest({ spans: [SPAN_R1] });
  expect([await user('dora'), await session('s9')]).toEqual(before);
});

test('a trace that arrives before its span, then its usage', async () => {
  await ingest({ traces: [{ id: 'r2', userId: 'dora', sessionId: 's9', startTime: '2024-02-01T09:30:00Z' }] });
  await ingest({ spans: [{ id: 'x2', traceId: 'r2', kind: 'llm', startTime: '2024-02-01T09:30:00Z', endTime: '2024-02-01T09:30:02Z', usage: { inputTokens: 1, outputTokens: 1 } }] });
  // dora: r1 + r2 = 8 in, 4 out, 12 total; cost still $0.5 (r2 has none); last seen 09:30
  expect(await user('dora')).toMatchObject({ traceCount: 2, sessionCount: 1, inputTokens: 8, outputTokens: 4, totalTokens: 12, costUsd: 0.5, lastSeen: '2024-02-01T09:30:00.000000Z' });
  expect(await session('s9')).toMatchObject({ traceCount: 2, totalTokens: 12, lastTime: '2024-02-01T09:30:00.000000Z' });
});

test('a score before its trace is counted for the user once the trace names one', async () => {
  await ingest({ scores: [SCORE_R3] });
  expect((await user('dora'))?.scoreCount).toBe(0);
  await ingest({ traces: [{ id: 'r3', userId: 'dora', startTime: '2024-02-01T08:00:00Z' }] });
  // r3 has no session: dora has 3 traces, still 1 session; the earliest start is now r3's 08:00
  expect(await user('dora')).toMatchObject({ traceCount: 3, sessionCount: 1, scoreCount: 1, firstSeen: '2024-02-01T08:00:00.000000Z', scores: [{ name: 'thumbs', count: 1, mean: null, values: { up: 1 } }] });
  await ingest({ scores: [SCORE_R3, { ...SCORE_R3 }] });
  expect((await user('dora'))?.scoreCount).toBe(1);
  // the same score id with a new value replaces the old one in the summary
  await ingest({ scores: [{ ...SCORE_R3, value: 'down' }] });
  expect((await user('dora'))?.scores).toEqual([{ name: 'thumbs', count: 1, mean: null, values: { down: 1 } }]);
});

test('a trace moving to another user moves its tokens, sessions and scores', async () => {
  await ingest({ scores: [{ id: 'score-r2', traceId: 'r2', name: 'rating', value: 2, createdAt: '2024-02-01T10:00:00Z' }] });
  await ingest({ traces: [{ id: 'r2', userId: 'erin' }] });
  // dora keeps r1 and r3: 7/3/10, $0.5, session s9 through r1; erin has r2: 1/1/2, no cost, session s9, the rating
  expect(await user('dora')).toMatchObject({ traceCount: 2, sessionCount: 1, inputTokens: 7, outputTokens: 3, totalTokens: 10, costUsd: 0.5, scoreCount: 1, lastSeen: '2024-02-01T09:00:00.000000Z' });
  expect(await user('erin')).toMatchObject({ traceCount: 1, sessionCount: 1, inputTokens: 1, outputTokens: 1, totalTokens: 2, costUsd: null, scoreCount: 1, scores: [{ name: 'rating', count: 1, mean: 2, values: {} }] });
  expect(await session('s9')).toMatchObject({ traceCount: 2, userIds: ['dora', 'erin'], inputTokens: 8, outputTokens: 4, totalTokens: 12, costUsd: 0.5 });
});

test('a trace moving to another session leaves the old one', async () => {
  await ingest({ traces: [{ id: 'r1', sessionId: 's10' }] });
  // s9 keeps r2 (erin); s10 has r1 (dora): dora's sessions are now {s10}, still 1
  expect(await session('s9')).toMatchObject({ traceCount: 1, userIds: ['erin'], totalTokens: 2, costUsd: null, firstTime: '2024-02-01T09:30:00.000000Z' });
  expect(await session('s10')).toMatchObject({ traceCount: 1, userIds: ['dora'], totalTokens: 10, costUsd: 0.5 });
  expect(await user('dora')).toMatchObject({ sessionCount: 1 });
  const list = (await get('/api/v1/users?sessionId=s9'))?.data as Array<{ id: string }>;
  expect(list.map((u) => u.id)).toEqual(['erin']);
});

test('a span turning to error counts against the session and the user', async () => {
  await ingest({ spans: [{ id: 'x2', traceId: 'r2', status: 'error', error: 'boom' }] });
  expect(await session('s9')).toMatchObject({ errorCount: 1 });
  expect(await user('erin')).toMatchObject({ errorCount: 1 });
  expect(await user('dora')).toMatchObject({ errorCount: 0 });
});

test('the kept rows equal a recomputation from the traces', () => {
  const db = new Database(join(dir, 'loupe.db'), { readonly: true });
  try {
    const kept = db.prepare(`SELECT id, trace_count, first_seen, last_seen, total_tokens, error_count FROM users WHERE trace_count > 0 ORDER BY id`).all();
    const fresh = db.prepare(`SELECT user_id AS id, count(*) AS trace_count, min(start_time) AS first_seen, max(start_time) AS last_seen,
      sum(total_tokens) AS total_tokens, sum(status = 'error') AS error_count FROM traces WHERE user_id IS NOT NULL GROUP BY user_id ORDER BY user_id`).all();
    expect(kept).toEqual(fresh);
    const keptSessions = db.prepare(`SELECT id, trace_count, first_time, last_time, total_tokens FROM sessions WHERE trace_count > 0 ORDER BY id`).all();
    const freshSessions = db.prepare(`SELECT session_id AS id, count(*) AS trace_count, min(start_time) AS first_time, max(start_time) AS last_time,
      sum(total_tokens) AS total_tokens FROM traces WHERE session_id IS NOT NULL GROUP BY session_id ORDER BY session_id`).all();
    expect(keptSessions).toEqual(freshSessions);
  } finally {
    db.close();
  }
});
