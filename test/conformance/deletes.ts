// Delete contracts: a trace by id, every trace of a user, traces older than a time (the retention
// purge's step), in batches; and the retention purge itself. Afterwards nothing of a deleted trace is readable (spans, scores,
// full text), and every rollup (sessions, users, metrics) equals the same data written without
// the deleted traces into a reference project.
import { expect } from 'vitest';
import type { Batch } from '../../src/model/batch.js';
import type { MetricsQuery } from '../../src/query/metrics.js';
import type { Store } from '../../src/store/store.js';
import { microsFromIso } from '../../src/model/time.js';
import { DATA, expectRollupsMatchTraces } from './analytics.js';
import { batch, sec, type Suite } from './harness.js';
import { RetentionPurger } from '../../src/store/purge.js';
import { RETENTION_SETTINGS_KEY } from '../../src/store/retention.js';

const ALL = { limit: 1000, order: 'asc' as const };
const HOUR = 3_600_000_000;
const window = { from: sec(-3600), to: sec(20_000) };
const QUERIES: MetricsQuery[] = [
  { level: 'trace', filter: window, intervalMicros: HOUR },
  { level: 'trace', filter: window, intervalMicros: HOUR, groupBy: 'userId' },
  { level: 'span', filter: window, intervalMicros: HOUR, groupBy: 'model' },
  { level: 'span', filter: window, intervalMicros: 24 * HOUR, groupBy: 'kind' },
];

/** DATA without the given traces (and their spans and scores). */
function without(traceIds: string[]): Partial<Batch> {
  const gone = new Set(traceIds);
  return {
    traces: DATA.traces!.filter((t) => !gone.has(t.id)),
    spans: DATA.spans!.filter((s) => !gone.has(s.traceId)),
    scores: DATA.scores!.filter((s) => !gone.has(s.traceId)),
  };
}

/** Sessions, users and metrics of `projectId` equal those of a project holding only the traces that should be left. */
async function expectSameAsWritten(store: Store, projectId: number, left: Partial<Batch>): Promise<void> {
  const ref = await store.ensureProject('reference');
  await store.writeGroup([{ projectId: ref.id, batch: batch(left), receivedAt: sec(1000) }]);
  await expectRollupsMatchTraces(store, projectId);
  expect((await store.listSessions(projectId, {}, ALL)).data).toEqual((await store.listSessions(ref.id, {}, ALL)).data);
  expect((await store.listUsers(projectId, {}, ALL)).data).toEqual((await store.listUsers(ref.id, {}, ALL)).data);
  for (const u of ['alice', 'bob', 'carol']) expect(await store.getUser(projectId, u), u).toEqual(await store.getUser(ref.id, u));
  for (const q of QUERIES) expect(await store.metrics(projectId, q), JSON.stringify(q)).toEqual(await store.metrics(ref.id, q));
}

export function deleteContracts({ it }: Suite): void {
  it('deleting a trace takes its spans, scores and full-text entry, and every rollup follows', async ({ store, projectId, write }) => {
    await write(DATA);
    expect((await store.listTraces(projectId, { q: 'sessions' }, ALL)).data.map((t) => t.id)).toEqual(['a2']);
    expect(await store.deleteTraces(projectId, { ids: ['a2'] }, 100)).toEqual({ traces: 1, spans: 1, scores: 3 });
    expect(await store.getTrace(projectId, 'a2')).toBeNull();
    expect((await store.listSpans(projectId, {}, ALL)).data.map((s) => s.id)).not.toContain('l2');
    expect((await store.listScores(projectId, {}, ALL)).data.map((s) => s.id).sort()).toEqual(['he4', 'ra1', 'ra4', 'th1', 'th3']);
    expect((await store.listTraces(projectId, { q: 'sessions' }, ALL)).data).toEqual([]);
    await expectSameAsWritten(store, projectId, without(['a2']));
    // gone is gone: deleting again, or an unknown id, removes nothing
    expect(await store.deleteTraces(projectId, { ids: ['a2', 'nope'] }, 100)).toEqual({ traces: 0, spans: 0, scores: 0 });
  });

  it('a deleted trace sent again is stored anew', async ({ store, projectId, write }) => {
    await write(DATA);
    await store.deleteTraces(projectId, { ids: ['n6', 'c5'] }, 100);
    const again: Partial<Batch> = { traces: DATA.traces!.filter((t) => t.id === 'c5'), spans: DATA.spans!.filter((s) => s.traceId === 'c5') };
    await write(again);
    expect((await store.getTrace(projectId, 'c5'))?.trace).toMatchObject({ spanCount: 1, userId: 'carol', name: 'one-off' });
    await expectSameAsWritten(store, projectId, without(['n6']));
  });

  it('deleting a user takes all their traces, their session rows and the user row, in batches', async ({ store, projectId, write }) => {
    await write(DATA);
    const total = { traces: 0, spans: 0, scores: 0 };
    for (;;) {
      const c = await store.deleteTraces(projectId, { userId: 'bob' }, 1);
      total.traces += c.traces;
      total.spans += c.spans;
      total.scores += c.scores;
      if (c.traces < 1) break;
    }
    expect(total).toEqual({ traces: 2, spans: 3, scores: 3 });
    expect(await store.getUser(projectId, 'bob')).toBeNull();
    expect(await store.getSession(projectId, 's2', ALL)).toBeNull();
    expect((await store.listSessions(projectId, { userId: 'bob' }, ALL)).data).toEqual([]);
    expect((await store.listTraces(projectId, { userId: 'bob' }, ALL)).data).toEqual([]);
    await expectSameAsWritten(store, projectId, without(['b3', 'b4']));
  });

  it('deleting by start time takes the oldest traces first, never a newer one, and stays in its project', async ({ store, projectId, write }) => {
    await write(DATA);
    const other = await store.ensureProject('other');
    await store.writeGroup([{ projectId: other.id, batch: batch(DATA), receivedAt: sec(1000) }]);
    expect(await store.deleteTraces(projectId, { startedBefore: sec(600) }, 1)).toMatchObject({ traces: 1 });
    expect(await store.deleteTraces(projectId, { startedBefore: sec(600) }, 5)).toMatchObject({ traces: 1 });
    expect(await store.deleteTraces(projectId, { startedBefore: sec(600) }, 5)).toEqual({ traces: 0, spans: 0, scores: 0 });
    expect((await store.listTraces(projectId, {}, ALL)).data.map((t) => t.id)).toEqual(['b3', 'b4', 'c5', 'n6']);
    expect((await store.listTraces(other.id, {}, ALL)).data).toHaveLength(6);
    await expectSameAsWritten(store, projectId, without(['a1', 'a2']));
  });
}

export function concurrentDeleteContracts({ it }: Suite): void {
  it('deletes and writes of the same traces at once leave the rollups equal to what is stored', async ({ store, projectId }) => {
    const writes: Array<Promise<unknown>> = [];
    const deletes: Array<Promise<unknown>> = [];
    for (let i = 0; i < 24; i++) {
      const traceId = `t${i % 4}`;
      writes.push(store.writeGroup([{ projectId, receivedAt: sec(1000), batch: batch({
        traces: [{ id: traceId, userId: `u${i % 2}`, sessionId: `s${i % 3}` }],
        spans: [{ id: `s${i}`, traceId, kind: 'llm', model: 'm', startTime: sec(i), endTime: sec(i + 1), usage: { inputTokens: 2, outputTokens: 1 }, costUsd: 0.5 }],
        scores: [{ id: `sc${i}`, traceId, name: 'n', value: i, source: 'api', createdAt: sec(i) }],
      }) }]));
      if (i % 3 === 0) deletes.push(store.deleteTraces(projectId, { ids: [`t${(i + 1) % 4}`] }, 10));
      if (i % 8 === 0) deletes.push(store.deleteTraces(projectId, { userId: 'u1' }, 1));
    }
    await Promise.all([...writes, ...deletes]);
    await expectRollupsMatchTraces(store, projectId);
    // what is left equals the same traces written afresh into another project
    const ref = await store.ensureProject('reference');
    const micros = (iso: string | null) => microsFromIso(iso!)!;
    for (const t of (await store.listTraces(projectId, {}, ALL)).data) {
      const d = (await store.getTrace(projectId, t.id))!;
      await store.writeGroup([{ projectId: ref.id, receivedAt: sec(1000), batch: batch({
        traces: [{ id: t.id, userId: t.userId ?? undefined, sessionId: t.sessionId ?? undefined }],
        spans: d.spans.map((sp) => ({ id: sp.id, traceId: t.id, kind: 'llm' as const, model: 'm', startTime: micros(sp.startTime),
          endTime: micros(sp.endTime), usage: { inputTokens: 2, outputTokens: 1 }, costUsd: 0.5 })),
        scores: d.scores.map((sc) => ({ id: sc.id, traceId: t.id, name: 'n', value: sc.value, source: 'api' as const, createdAt: micros(sc.createdAt) })),
      }) }]);
    }
    expect((await store.listUsers(projectId, {}, ALL)).data).toEqual((await store.listUsers(ref.id, {}, ALL)).data);
    expect((await store.listSessions(projectId, {}, ALL)).data).toEqual((await store.listSessions(ref.id, {}, ALL)).data);
    for (const q of QUERIES) expect(await store.metrics(projectId, q), JSON.stringify(q)).toEqual(await store.metrics(ref.id, q));
  });
}

export function purgeContracts({ it }: Suite): void {
  it('the retention purge deletes traces older than the retention, in batches, and keeps newer ones and other projects', async ({ store, projectId, write }) => {
    await write(DATA);
    const other = await store.ensureProject('no-retention');
    await store.writeGroup([{ projectId: other.id, batch: batch(DATA), receivedAt: sec(1000) }]);
    // one day of retention, "now" one day and 700 s after T0: a1 (0 s), a2 (300 s) and b3 (600 s) are older
    await store.updateProjectSettings(projectId, { [RETENTION_SETTINGS_KEY]: { days: 1 } });
    const purger = new RetentionPurger(store, { batch: 2, now: () => sec(86_400 + 700) });
    expect(await purger.runOnce()).toEqual([{ projectId, counts: { traces: 3, spans: 4, scores: 6 } }]);
    expect(await purger.runOnce()).toEqual([]);
    expect((await store.listTraces(projectId, {}, ALL)).data.map((t) => t.id)).toEqual(['b4', 'c5', 'n6']);
    expect((await store.listTraces(other.id, {}, ALL)).data).toHaveLength(6);
    await expectSameAsWritten(store, projectId, without(['a1', 'a2', 'b3']));
  });
}
