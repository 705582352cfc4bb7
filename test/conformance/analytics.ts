// Analytics contracts: numeric ids, offset pages, project settings, session and user rollups
// (out-of-order writes, re-sends, traces moving between users and sessions, concurrent writers),
// the scores list, and `filter=` expressions on every target. Expected values are worked out by
// hand in the comments; every backend must give exactly these answers.
import { expect } from 'vitest';
import type { Batch } from '../../src/model/batch.js';
import { isoFromMicros } from '../../src/model/time.js';
import type { User } from '../../src/model/rollups.js';
import { parseFilterExpression } from '../../src/query/fields.js';
import type { FilterTarget } from '../../src/query/fields.js';
import type { Store } from '../../src/store/store.js';
import { batch, permutations, sec, type Suite } from './harness.js';

const iso = (n: number) => isoFromMicros(sec(n));
const ALL = { limit: 100, order: 'desc' as const };

/** Fixed data set: s1 = a1 (alice), a2 (alice), b3 (bob, error); s2 = b4 (bob); c5 carol alone; n6 nobody. */
export const DATA: Partial<Batch> = {
  traces: [
    { id: 'a1', name: 'turn 1', sessionId: 's1', userId: 'alice', startTime: sec(0), metadata: { customer: 'acme', seats: 12 }, tags: ['beta'], input: 'What is Loupe?' },
    { id: 'a2', name: 'turn 2', sessionId: 's1', userId: 'alice', startTime: sec(300), metadata: { customer: 'acme', seats: 3 }, input: 'Does it do sessions?' },
    { id: 'b3', name: 'turn 3', sessionId: 's1', userId: 'bob', startTime: sec(600), metadata: { customer: 'globex' } },
    { id: 'b4', name: 'other chat', sessionId: 's2', userId: 'bob', startTime: sec(3600) },
    { id: 'c5', name: 'one-off', userId: 'carol', startTime: sec(7200), metadata: { customer: 'acme', seats: '7' } },
    { id: 'n6', name: 'cron', startTime: sec(9000) },
  ],
  // durations: a1 1.5 s, a2 3 s, b3 2 s (e3 errs), b4 2 s, c5 0.5 s, n6 0.1 s
  spans: [
    { id: 'l1', traceId: 'a1', kind: 'llm', model: 'gpt-4o', startTime: sec(0), endTime: sec(1.5), usage: { inputTokens: 100, outputTokens: 20 }, costUsd: 0.002 },
    { id: 'l2', traceId: 'a2', kind: 'llm', model: 'gpt-4o', startTime: sec(300), endTime: sec(303), usage: { inputTokens: 200, outputTokens: 40 }, costUsd: 0.004 },
    { id: 'l3', traceId: 'b3', kind: 'llm', model: 'claude', startTime: sec(600), endTime: sec(601), usage: { inputTokens: 50, outputTokens: 10 } },
    { id: 'e3', traceId: 'b3', kind: 'tool', name: 'search', status: 'error', error: 'timeout', startTime: sec(601), endTime: sec(602) },
    { id: 'l4', traceId: 'b4', kind: 'llm', model: 'gpt-4o', startTime: sec(3600), endTime: sec(3602), usage: { inputTokens: 300, outputTokens: 60 }, costUsd: 0.01 },
    { id: 'l5', traceId: 'c5', kind: 'llm', model: 'gpt-4o-mini', startTime: sec(7200), endTime: sec(7200.5), usage: { inputTokens: 10, outputTokens: 5 }, costUsd: 0.001 },
    { id: 'k6', traceId: 'n6', kind: 'tool', startTime: sec(9000), endTime: sec(9000) + 100_000 },
  ],
  // thumbs (user): a1 up, a2 down, b3 down; rating (api): a1 5 on l1, a2 3, b4 4; helpful (eval): a2 true, b4 false
  scores: [
    { id: 'th1', traceId: 'a1', name: 'thumbs', value: 'up', source: 'user', comment: 'clear', createdAt: sec(10000) },
    { id: 'th2', traceId: 'a2', name: 'thumbs', value: 'down', source: 'user', createdAt: sec(10001) },
    { id: 'th3', traceId: 'b3', name: 'thumbs', value: 'down', source: 'user', createdAt: sec(10002) },
    { id: 'ra1', traceId: 'a1', spanId: 'l1', name: 'rating', value: 5, source: 'api', createdAt: sec(10003) },
    { id: 'ra2', traceId: 'a2', name: 'rating', value: 3, source: 'api', createdAt: sec(10003) },
    { id: 'ra4', traceId: 'b4', name: 'rating', value: 4, source: 'api', createdAt: sec(10004) },
    { id: 'he2', traceId: 'a2', name: 'helpful', value: true, source: 'eval', createdAt: sec(10005) },
    { id: 'he4', traceId: 'b4', name: 'helpful', value: false, source: 'eval', createdAt: sec(10006) },
  ],
};

// s1: 3 traces, 350 in / 70 out / 420 total, $0.006 (a1 + a2), 1 error, 00:00 → 10:00
const S1 = { id: 's1', traceCount: 3, firstTime: iso(0), lastTime: iso(600), userIds: ['alice', 'bob'], inputTokens: 350, outputTokens: 70, totalTokens: 420, costUsd: 0.006, errorCount: 1 };
const S2 = { id: 's2', traceCount: 1, firstTime: iso(3600), lastTime: iso(3600), userIds: ['bob'], inputTokens: 300, outputTokens: 60, totalTokens: 360, costUsd: 0.01, errorCount: 0 };
// alice: a1 + a2; scores thumbs up/down, rating 5 and 3 (mean 4), helpful true (mean 1)
const ALICE: User = {
  id: 'alice', traceCount: 2, sessionCount: 1, firstSeen: iso(0), lastSeen: iso(300), inputTokens: 300, outputTokens: 60, totalTokens: 360,
  costUsd: 0.006, errorCount: 0, scoreCount: 5,
  scores: [
    { name: 'helpful', count: 1, mean: 1, values: {} },
    { name: 'rating', count: 2, mean: 4, values: {} },
    { name: 'thumbs', count: 2, mean: null, values: { down: 1, up: 1 } },
  ],
};
// bob: b3 + b4, sessions s1 and s2; cost only b4's; scores thumbs down, rating 4, helpful false (mean 0)
const BOB: User = {
  id: 'bob', traceCount: 2, sessionCount: 2, firstSeen: iso(600), lastSeen: iso(3600), inputTokens: 350, outputTokens: 70, totalTokens: 420,
  costUsd: 0.01, errorCount: 1, scoreCount: 3,
  scores: [
    { name: 'helpful', count: 1, mean: 0, values: {} },
    { name: 'rating', count: 1, mean: 4, values: {} },
    { name: 'thumbs', count: 1, mean: null, values: { down: 1 } },
  ],
};

const ids = (xs: Array<{ id: string }>) => xs.map((x) => x.id);

/** What the kept rollups must equal: a recomputation from the traces themselves. */
export async function expectRollupsMatchTraces(store: Store, projectId: number): Promise<void> {
  const traces = (await store.listTraces(projectId, {}, { limit: 1000, order: 'asc' })).data;
  const sessions = (await store.listSessions(projectId, {}, { limit: 1000, order: 'asc' })).data;
  const users = (await store.listUsers(projectId, {}, { limit: 1000, order: 'asc' })).data;
  const sum = (ts: typeof traces, f: (t: (typeof traces)[number]) => number) => ts.reduce((a, t) => a + f(t), 0);
  const group = (key: 'sessionId' | 'userId') => {
    const m = new Map<string, typeof traces>();
    for (const t of traces) if (t[key]) (m.get(t[key] as string) ?? m.set(t[key] as string, []).get(t[key] as string)!).push(t);
    return m;
  };
  const bySession = group('sessionId');
  expect(sessions.map((s) => s.id).sort()).toEqual([...bySession.keys()].sort());
  for (const s of sessions) {
    const ts = bySession.get(s.id)!;
    expect(s, s.id).toMatchObject({
      traceCount: ts.length, totalTokens: sum(ts, (t) => t.totalTokens), errorCount: ts.filter((t) => t.status === 'error').length,
      firstTime: ts.map((t) => t.startTime).sort()[0], lastTime: ts.map((t) => t.startTime).sort().at(-1),
      userIds: [...new Set(ts.map((t) => t.userId).filter((u): u is string => !!u))].sort(),
    });
  }
  const byUser = group('userId');
  expect(users.map((u) => u.id).sort()).toEqual([...byUser.keys()].sort());
  for (const u of users) {
    const ts = byUser.get(u.id)!;
    expect(u, u.id).toMatchObject({
      traceCount: ts.length, totalTokens: sum(ts, (t) => t.totalTokens), sessionCount: new Set(ts.map((t) => t.sessionId).filter(Boolean)).size,
      firstSeen: ts.map((t) => t.startTime).sort()[0], lastSeen: ts.map((t) => t.startTime).sort().at(-1),
    });
  }
}

export function analyticsContracts({ it }: Suite): void {
  it('numeric ids: a trace is found by its numericId, within its project only', async ({ store, projectId, write }) => {
    await write(DATA);
    const byId = await store.getTrace(projectId, 'a2');
    const n = byId!.trace.numericId;
    expect(await store.getTraceByNumericId(projectId, n)).toEqual(byId);
    const other = (await store.ensureProject('other')).id;
    expect(await store.getTraceByNumericId(other, n)).toBeNull();
    expect(await store.getTraceByNumericId(projectId, n + 10_000)).toBeNull();
    expect(await store.getTraceByNumericId(projectId, 2 ** 62)).toBeNull();
    // numeric ids are distinct and stable across later parts
    const all = (await store.listTraces(projectId, {}, ALL)).data;
    expect(new Set(all.map((t) => t.numericId)).size).toBe(all.length);
    await write({ traces: [{ id: 'a2', output: 'later' }] });
    expect((await store.getTrace(projectId, 'a2'))?.trace.numericId).toBe(n);
  });

  it('offset pages: newest start first, ties by numericId, filters apply', async ({ store, projectId, write }) => {
    // seven traces, starts with ties: o0 o1 at 0 s, o2 o3 o4 at 5 s, o5 at 9 s, o6 at 9 s
    const starts = [0, 0, 5, 5, 5, 9, 9];
    await write({ traces: starts.map((s, i) => ({ id: `o${i}`, startTime: sec(s), userId: i % 2 ? 'odd' : 'even' })) });
    const all = (await store.listTraces(projectId, {}, ALL)).data;
    const want = [...all].sort((a, b) => (a.startTime === b.startTime ? b.numericId - a.numericId : a.startTime < b.startTime ? 1 : -1)).map((t) => t.id);
    const paged: string[] = [];
    for (let offset = 0; offset < 9; offset += 3) paged.push(...ids(await store.listTracesByOffset(projectId, {}, 3, offset)));
    expect(paged).toEqual(want);
    expect(await store.listTracesByOffset(projectId, {}, 3, 7)).toEqual([]);
    expect(ids(await store.listTracesByOffset(projectId, { userId: 'odd' }, 10, 0))).toEqual(want.filter((id) => Number(id.slice(1)) % 2 === 1));
    expect(ids(await store.listTracesByOffset(projectId, { userId: 'odd' }, 1, 1))).toEqual([want.filter((id) => Number(id.slice(1)) % 2 === 1)[1]]);
  });

  it('project settings: round trip as a JSON merge patch, seen by the next read and by another instance', async ({ store, projectId, openAnother }) => {
    expect(await store.getProjectSettings(projectId)).toEqual({});
    const first = { sampling: { rate: 0.5, rules: [{ name: 'x', rate: 0 }] }, label: 'π ✓' };
    expect(await store.updateProjectSettings(projectId, first)).toEqual(first);
    expect(await store.getProjectSettings(projectId)).toEqual(first);
    // nested objects merge; null removes a key
    const second = await store.updateProjectSettings(projectId, { sampling: { rate: 0.25 }, label: null });
    expect(second).toEqual({ sampling: { rate: 0.25, rules: [{ name: 'x', rate: 0 }] } });
    expect(await store.getProjectSettings(projectId)).toEqual(second);
    expect((await store.findProject('conformance'))?.settings).toEqual(second);
    expect(await (await openAnother()).getProjectSettings(projectId)).toEqual(second);
    expect(await store.getProjectSettings(987_654)).toBeNull();
    expect(await store.updateProjectSettings(987_654, { a: 1 })).toBeNull();
  });

  it('a trace duration without an end ends it that long after its start', async ({ store, projectId, write }) => {
    await write({ traces: [{ id: 'd', startTime: sec(10), durationMs: 1500 }] });
    expect((await store.getTrace(projectId, 'd'))?.trace).toMatchObject({ endTime: iso(11.5), durationMs: 1500, status: 'success' });
    // an end given later wins over the duration
    await write({ traces: [{ id: 'd', endTime: sec(14) }] });
    expect((await store.getTrace(projectId, 'd'))?.trace).toMatchObject({ endTime: iso(14), durationMs: 4000 });
    // a duration alone, for a trace whose start was given earlier
    await write({ traces: [{ id: 'd', durationMs: 250 }] });
    expect((await store.getTrace(projectId, 'd'))?.trace).toMatchObject({ endTime: iso(10.25), durationMs: 250 });
  });

  it('sessions and users: rollups over a fixed data set, lists, filters and pages', async ({ store, projectId, write }) => {
    await write(DATA);
    expect((await store.listSessions(projectId, {}, ALL)).data).toEqual([S2, S1]);
    expect(await store.getUser(projectId, 'alice')).toEqual(ALICE);
    expect(await store.getUser(projectId, 'bob')).toEqual(BOB);
    expect(await store.getUser(projectId, 'nobody')).toBeNull();
    expect(await store.getSession(projectId, 'nope', ALL)).toBeNull();
    expect(ids((await store.listUsers(projectId, {}, ALL)).data)).toEqual(['carol', 'bob', 'alice']);
    expect(ids((await store.listUsers(projectId, { sessionId: 's1' }, ALL)).data)).toEqual(['bob', 'alice']);
    expect(ids((await store.listUsers(projectId, { to: sec(301) }, ALL)).data)).toEqual(['alice']);
    expect(ids((await store.listSessions(projectId, { userId: 'alice' }, ALL)).data)).toEqual(['s1']);
    expect(ids((await store.listSessions(projectId, { from: sec(601) }, ALL)).data)).toEqual(['s2']);
    // keyset pages in both orders
    const p1 = await store.listSessions(projectId, {}, { limit: 1, order: 'asc' });
    expect(ids(p1.data)).toEqual(['s1']);
    const p2 = await store.listSessions(projectId, {}, { limit: 1, order: 'asc', cursor: p1.nextCursor! });
    expect([ids(p2.data), p2.nextCursor]).toEqual([['s2'], null]);
    const u1 = await store.listUsers(projectId, {}, { limit: 2, order: 'desc' });
    const u2 = await store.listUsers(projectId, {}, { limit: 2, order: 'desc', cursor: u1.nextCursor! });
    expect([...ids(u1.data), ...ids(u2.data), u2.nextCursor]).toEqual(['carol', 'bob', 'alice', null]);
    // a session's traces in time order, paged
    const d1 = await store.getSession(projectId, 's1', { limit: 2, order: 'asc' });
    expect(d1?.session).toEqual(S1);
    expect(d1?.traces.map((t) => [t.id, t.input])).toEqual([['a1', 'What is Loupe?'], ['a2', 'Does it do sessions?']]);
    const d2 = await store.getSession(projectId, 's1', { limit: 2, order: 'asc', cursor: d1!.nextCursor! });
    expect([ids(d2!.traces), d2!.nextCursor]).toEqual([['b3'], null]);
    // projects never cross
    const other = (await store.ensureProject('other')).id;
    expect(await store.getSession(other, 's1', ALL)).toBeNull();
    expect((await store.listUsers(other, {}, ALL)).data).toEqual([]);
  });

  it('sessions and users: right after out-of-order writes, re-sends, and traces moving between users and sessions', async ({ store, projectId, write }) => {
    const spanR1 = { id: 'x1', traceId: 'r1', kind: 'llm' as const, startTime: sec(0), endTime: sec(1), usage: { inputTokens: 7, outputTokens: 3 }, costUsd: 0.5 };
    const traceR1 = { id: 'r1', userId: 'dora', sessionId: 's9' };
    const scoreR3 = { id: 'score-r3', traceId: 'r3', name: 'thumbs', value: 'up', source: 'user' as const, createdAt: sec(100) };
    // a span before its trace: the user appears once the trace names it
    await write({ spans: [spanR1] });
    expect(await store.getUser(projectId, 'dora')).toBeNull();
    await write({ traces: [traceR1] });
    expect(await store.getUser(projectId, 'dora')).toMatchObject({ traceCount: 1, sessionCount: 1, inputTokens: 7, outputTokens: 3, totalTokens: 10, costUsd: 0.5, firstSeen: iso(0) });
    expect((await store.getSession(projectId, 's9', ALL))?.session).toMatchObject({ traceCount: 1, userIds: ['dora'], totalTokens: 10, costUsd: 0.5 });
    // re-sends change nothing
    const before = [await store.getUser(projectId, 'dora'), await store.getSession(projectId, 's9', ALL)];
    for (let i = 0; i < 3; i++) await write({ traces: [traceR1], spans: [spanR1] });
    await write({ spans: [spanR1] }, { traces: [traceR1] });
    expect([await store.getUser(projectId, 'dora'), await store.getSession(projectId, 's9', ALL)]).toEqual(before);
    // a trace before its span, then its usage: dora 8/4/12, still $0.5, last seen at 1800 s
    await write({ traces: [{ id: 'r2', userId: 'dora', sessionId: 's9', startTime: sec(1800) }] });
    await write({ spans: [{ id: 'x2', traceId: 'r2', kind: 'llm', startTime: sec(1800), endTime: sec(1802), usage: { inputTokens: 1, outputTokens: 1 } }] });
    expect(await store.getUser(projectId, 'dora')).toMatchObject({ traceCount: 2, sessionCount: 1, inputTokens: 8, outputTokens: 4, totalTokens: 12, costUsd: 0.5, lastSeen: iso(1800) });
    // a score before its trace counts once the trace names a user; re-sent, it counts once; a new value replaces it
    await write({ scores: [scoreR3] });
    expect((await store.getUser(projectId, 'dora'))?.scoreCount).toBe(0);
    await write({ traces: [{ id: 'r3', userId: 'dora', startTime: sec(-3600) }] });
    expect(await store.getUser(projectId, 'dora')).toMatchObject({ traceCount: 3, sessionCount: 1, scoreCount: 1, firstSeen: iso(-3600),
      scores: [{ name: 'thumbs', count: 1, mean: null, values: { up: 1 } }] });
    await write({ scores: [scoreR3, { ...scoreR3 }] });
    await write({ scores: [{ ...scoreR3, value: 'down' }] });
    expect(await store.getUser(projectId, 'dora')).toMatchObject({ scoreCount: 1, scores: [{ name: 'thumbs', count: 1, mean: null, values: { down: 1 } }] });
    // r2 moves to erin with its tokens, session and score
    await write({ scores: [{ id: 'score-r2', traceId: 'r2', name: 'rating', value: 2, source: 'api', createdAt: sec(100) }] });
    await write({ traces: [{ id: 'r2', userId: 'erin' }] });
    expect(await store.getUser(projectId, 'dora')).toMatchObject({ traceCount: 2, sessionCount: 1, totalTokens: 10, costUsd: 0.5, scoreCount: 1, lastSeen: iso(0) });
    expect(await store.getUser(projectId, 'erin')).toMatchObject({ traceCount: 1, sessionCount: 1, totalTokens: 2, costUsd: null, scoreCount: 1,
      scores: [{ name: 'rating', count: 1, mean: 2, values: {} }] });
    expect((await store.getSession(projectId, 's9', ALL))?.session).toMatchObject({ traceCount: 2, userIds: ['dora', 'erin'], totalTokens: 12, costUsd: 0.5 });
    // r1 moves to session s10: s9 keeps r2 (erin)
    await write({ traces: [{ id: 'r1', sessionId: 's10' }] });
    expect((await store.getSession(projectId, 's9', ALL))?.session).toMatchObject({ traceCount: 1, userIds: ['erin'], totalTokens: 2, costUsd: null, firstTime: iso(1800) });
    expect((await store.getSession(projectId, 's10', ALL))?.session).toMatchObject({ traceCount: 1, userIds: ['dora'], totalTokens: 10, costUsd: 0.5 });
    expect(ids((await store.listUsers(projectId, { sessionId: 's9' }, ALL)).data)).toEqual(['erin']);
    // a span turning to error counts against the session and the user
    await write({ spans: [{ id: 'x2', traceId: 'r2', status: 'error', error: 'boom' }] });
    expect((await store.getSession(projectId, 's9', ALL))?.session.errorCount).toBe(1);
    expect([(await store.getUser(projectId, 'erin'))?.errorCount, (await store.getUser(projectId, 'dora'))?.errorCount]).toEqual([1, 0]);
    await expectRollupsMatchTraces(store, projectId);
  });

  it('sessions and users end the same in every arrival order of trace, span and score parts', async ({ store }) => {
    const parts: Partial<Batch>[] = [
      { traces: [{ id: 'q1', userId: 'uma', sessionId: 'sq' }] },
      { spans: [{ id: 'y1', traceId: 'q1', kind: 'llm', startTime: sec(5), endTime: sec(6), usage: { inputTokens: 4, outputTokens: 2 }, costUsd: 0.25 }] },
      { scores: [{ id: 'sc-q1', traceId: 'q1', name: 'rating', value: 3, source: 'api', createdAt: sec(7) }] },
      { traces: [{ id: 'q2', userId: 'uma', sessionId: 'sq', startTime: sec(9) }], spans: [{ id: 'y2', traceId: 'q2', kind: 'tool', status: 'error', startTime: sec(9), endTime: sec(10) }] },
    ];
    const seen: unknown[] = [];
    for (const [i, order] of permutations(parts).entries()) {
      const p = (await store.ensureProject(`perm-${i}`)).id;
      for (const part of order) await store.writeGroup([{ projectId: p, receivedAt: sec(1000), batch: batch(part) }]);
      seen.push([await store.getUser(p, 'uma'), (await store.getSession(p, 'sq', ALL))?.session]);
    }
    expect(seen[0]).toEqual([
      { id: 'uma', traceCount: 2, sessionCount: 1, firstSeen: iso(5), lastSeen: iso(9), inputTokens: 4, outputTokens: 2, totalTokens: 6, costUsd: 0.25,
        errorCount: 1, scoreCount: 1, scores: [{ name: 'rating', count: 1, mean: 3, values: {} }] },
      { id: 'sq', traceCount: 2, firstTime: iso(5), lastTime: iso(9), userIds: ['uma'], inputTokens: 4, outputTokens: 2, totalTokens: 6, costUsd: 0.25, errorCount: 1 },
    ]);
    for (const s of seen) expect(s).toEqual(seen[0]);
  });

  it('concurrent writers on two instances keep session and user rollups right', async ({ store, projectId, openAnother }) => {
    const other = await openAnother();
    // 40 traces over 2 sessions and 3 users, written as 20 groups of 2 from both instances at once,
    // half of them naming the session/user pairs in the opposite order
    const groups = Array.from({ length: 20 }, (_, g) => {
      const pair = [0, 1].map((k) => {
        const i = g * 2 + k;
        return { id: `w${i}`, sessionId: `ws${(g + k) % 2}`, userId: `wu${i % 3}`, startTime: sec(i) };
      });
      const traces = g % 2 ? pair.reverse() : pair;
      return { traces, spans: traces.map((t) => ({ id: `sp-${t.id}`, traceId: t.id, kind: 'llm' as const, startTime: t.startTime, endTime: t.startTime + 1000, usage: { inputTokens: 1, outputTokens: 1 } })) };
    });
    await Promise.all(groups.map((b, g) => (g % 2 ? other : store).writeGroup([{ projectId, receivedAt: sec(1000), batch: batch(b) }])));
    const sessions = (await store.listSessions(projectId, {}, ALL)).data;
    expect(sessions.map((s) => [s.id, s.traceCount, s.totalTokens]).sort()).toEqual([['ws0', 20, 40], ['ws1', 20, 40]]);
    const users = (await store.listUsers(projectId, {}, ALL)).data;
    expect(users.map((u) => [u.id, u.traceCount, u.sessionCount]).sort()).toEqual([['wu0', 14, 2], ['wu1', 13, 2], ['wu2', 13, 2]]);
    await expectRollupsMatchTraces(store, projectId);
  });

  it('scores list: filters, expressions over the score and its trace, pages by createdAt', async ({ store, projectId, write }) => {
    await write(DATA);
    const list = async (f: Parameters<Store['listScores']>[1]) => ids((await store.listScores(projectId, f, { limit: 100, order: 'asc' })).data);
    expect(await list({})).toEqual(['th1', 'th2', 'th3', 'ra1', 'ra2', 'ra4', 'he2', 'he4']);
    expect(await list({ name: 'rating' })).toEqual(['ra1', 'ra2', 'ra4']);
    expect(await list({ source: ['eval', 'user'] })).toEqual(['th1', 'th2', 'th3', 'he2', 'he4']);
    expect(await list({ valueType: ['boolean'] })).toEqual(['he2', 'he4']);
    expect(await list({ traceId: 'a2' })).toEqual(['th2', 'ra2', 'he2']);
    expect(await list({ spanId: 'l1' })).toEqual(['ra1']);
    expect(await list({ userId: 'bob' })).toEqual(['th3', 'ra4', 'he4']);
    expect(await list({ sessionId: 's2' })).toEqual(['ra4', 'he4']);
    expect(await list({ from: sec(10002), to: sec(10004) })).toEqual(['th3', 'ra1', 'ra2']);
    const expr = (src: string) => parseFilterExpression(src, 'score');
    expect(await list({ expr: expr('value >= 4 and name = "rating"') })).toEqual(['ra1', 'ra4']);
    expect(await list({ expr: expr('value > 3.5') })).toEqual(['ra1', 'ra4']);
    expect(await list({ expr: expr('value = true or value = "up"') })).toEqual(['th1', 'he2']);
    expect(await list({ expr: expr('comment contains "CLE" or (userId = "alice" and source = "eval")') })).toEqual(['th1', 'he2']);
    expect(await list({ expr: expr('spanId = null and environment = null and value in ["down"]') })).toEqual(['th2', 'th3']);
    // ties on createdAt (ra1, ra2) page without gaps or duplicates, both orders
    for (const order of ['asc', 'desc'] as const) {
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.listScores(projectId, {}, { limit: 3, order, cursor });
        seen.push(...ids(page.data));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      const all = await list({});
      expect(seen).toEqual(order === 'asc' ? all : [...all].reverse());
    }
  });

  it('filter expressions: one grammar on traces, spans, sessions and users', async ({ store, projectId, write }) => {
    await write(DATA);
    const run = async (target: FilterTarget, src: string): Promise<string[]> => {
      const expr = parseFilterExpression(src, target);
      const page = { limit: 100, order: 'asc' as const };
      if (target === 'trace') return ids((await store.listTraces(projectId, { expr }, page)).data);
      if (target === 'span') return ids((await store.listSpans(projectId, { expr }, page)).data);
      if (target === 'session') return ids((await store.listSessions(projectId, { expr }, page)).data);
      return ids((await store.listUsers(projectId, { expr }, page)).data);
    };
    const cases: Array<[FilterTarget, string, string[]]> = [
      ['trace', 'kind = "llm" and durationMs > 1000 and metadata.customer = "acme" and score.thumbs = "down"', ['a2']],
      ['trace', 'durationMs >= 2000 or status = "error"', ['a2', 'b3', 'b4']],
      ['trace', 'not metadata.customer = "acme"', ['b3', 'b4', 'n6']],
      ['trace', 'metadata.seats > 5', ['a1']],
      ['trace', 'metadata.seats > 2.5', ['a1', 'a2']],
      ['trace', 'metadata.seats = "7"', ['c5']],
      ['trace', 'metadata.seats in [3, 12]', ['a1', 'a2']],
      ['trace', 'metadata.seats != 3', ['a1', 'b3', 'b4', 'c5', 'n6']],
      ['trace', 'model in ["claude", "o1"]', ['b3']],
      ['trace', 'userId != "alice"', ['b3', 'b4', 'c5', 'n6']],
      ['trace', 'tag = "beta" or input contains "SESSIONS"', ['a1', 'a2']],
      ['trace', 'costUsd >= 0.004 and startTime < "2023-11-14T23:13:20Z"', ['a2']],
      ['trace', 'spanCount > 1.5', ['b3']],
      ['trace', 'errorCount < 0.5 and durationMs <= 500', ['c5', 'n6']],
      ['trace', 'durationMs in [1500, 100]', ['a1', 'n6']],
      ['trace', 'sessionId = null', ['c5', 'n6']],
      ['trace', '(sessionId = "s1" or sessionId = "s2") and not (userId = "bob" and errorCount > 0)', ['a1', 'a2', 'b4']],
      ['trace', 'score.rating >= 4 and not score.helpful = false', ['a1']],
      ['trace', 'name contains "TURN" and totalTokens > 100.5', ['a1', 'a2']],
      ['span', 'status = "error"', ['e3']],
      ['span', 'kind = "llm" and inputTokens >= 100 and userId = "alice"', ['l1', 'l2']],
      ['span', 'score.rating = 5', ['l1']],
      ['span', 'costUsd > 0.0015 and costUsd < 0.0045', ['l1', 'l2']],
      ['span', 'kind = "span" or durationMs < 0.2', []],
      ['session', 'traceCount >= 2 and errorCount > 0 and costUsd > 0.005', ['s1']],
      ['session', 'userId = "bob" and lastTime > "2023-11-14T22:30:00Z"', ['s2']],
      ['session', 'costUsd = null or totalTokens < 400.5', ['s2']],
      ['user', 'sessionCount >= 2', ['bob']],
      ['user', 'scoreCount > 2.5 and costUsd < 0.0075', ['alice']],
      ['user', 'sessionId = "s2" or firstSeen >= "2023-11-15T00:00:00Z"', ['bob', 'carol']],
    ];
    for (const [target, src, want] of cases) expect((await run(target, src)).sort(), `${target}: ${src}`).toEqual(want);
  });
}
