// Rows written before the range checks (issue 14, item 1): a time no ISO text can show must never
// fail a read. Every read reads them, showing such a time as not said (null; a trace's start, as
// its arrival), named in the row's `invalid`; export leaves it out. The
// values fit both backends' bigint columns (±9.2e18 µs) but lie past Date's ±8.64e18 µs.
import { expect } from 'vitest';
import { isoFromMicros } from '../../src/model/time.js';
import { sec, type Suite } from './harness.js';

const FAR = 9.2e18;

export function badRowContracts({ it }: Suite): void {
  it('rows with times no ISO text can show are read, those times shown as not said and named, never an error', async ({ store, projectId, write }) => {
    await write({
      traces: [
        { id: 'far', name: 'far', startTime: FAR, sessionId: 'far-session', userId: 'far-user' },
        { id: 'before', name: 'before', startTime: -FAR },
        { id: 'good', name: 'good', startTime: sec(0) },
      ],
      spans: [
        { id: 'far-span', traceId: 'far', name: 'far', startTime: FAR, endTime: FAR },
        { id: 'long', traceId: 'long', name: 'long', kind: 'llm', startTime: sec(0), endTime: FAR, events: [{ name: 'later', time: FAR, attributes: {} }] },
        { id: 'fine', traceId: 'good', name: 'fine', startTime: sec(0), endTime: sec(1) },
      ],
      scores: [{ id: 'late', traceId: 'good', name: 'thumbs', value: 1, source: 'user', createdAt: FAR }],
    });
    const all = { limit: 100, order: 'desc' as const };
    const list = await store.listTraces(projectId, {}, all);
    const byId = new Map(list.data.map((t) => [t.id, t]));
    expect([...byId.keys()].sort()).toEqual(['before', 'far', 'good', 'long']);
    // the harness writes everything as arriving at sec(1000)
    const arrived = isoFromMicros(sec(1000));
    expect(byId.get('far')).toMatchObject({ startTime: arrived, endTime: null, durationMs: null, invalid: ['startTime', 'endTime'] });
    expect(byId.get('before')).toMatchObject({ startTime: arrived, invalid: ['startTime'] });
    expect(byId.get('long')).toMatchObject({ startTime: '2023-11-14T22:13:20.000000Z', endTime: null, durationMs: null, invalid: ['endTime'] });
    expect(byId.get('good')).toMatchObject({ startTime: '2023-11-14T22:13:20.000000Z', durationMs: 1000 });
    expect(byId.get('good')).not.toHaveProperty('invalid');

    // a page that ends on a bad row still gives a cursor the next page takes
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await store.listTraces(projectId, {}, { limit: 1, order: 'desc', ...(cursor ? { cursor } : {}) });
      seen.push(...page.data.map((t) => t.id));
      cursor = page.nextCursor;
    } while (cursor && seen.length < 10);
    expect(seen.sort()).toEqual(['before', 'far', 'good', 'long']);

    const far = await store.getTrace(projectId, 'far');
    expect(far?.trace).toMatchObject({ startTime: arrived, invalid: ['startTime', 'endTime'] });
    expect(far?.spans).toMatchObject([{ id: 'far-span', startTime: null, endTime: null, durationMs: null, invalid: ['startTime', 'endTime'] }]);
    expect((await store.getTraceByNumericId(projectId, far!.trace.numericId))?.trace.id).toBe('far');
    const long = await store.getTrace(projectId, 'long');
    expect(long?.spans).toMatchObject([{ id: 'long', endTime: null, durationMs: null, events: [{ name: 'later', time: null }], invalid: ['endTime', 'events.time'] }]);
    expect((await store.getTrace(projectId, 'good'))?.scores).toMatchObject([{ id: 'late', createdAt: null, invalid: ['createdAt'] }]);
    expect((await store.listTracesByOffset(projectId, {}, 100, 0)).map((t) => t.id).sort()).toEqual(['before', 'far', 'good', 'long']);
    expect((await store.listSpans(projectId, {}, all)).data).toHaveLength(3);
    expect((await store.listScores(projectId, {}, all)).data).toMatchObject([{ id: 'late', createdAt: null }]);

    const exported = (await store.exportTraces(projectId, {}, all)).data;
    expect(exported.map((r) => r.trace.id).sort()).toEqual(['before', 'far', 'good', 'long']);
    const farRecord = exported.find((r) => r.trace.id === 'far')!;
    expect(farRecord.trace).not.toHaveProperty('startTime');
    expect(farRecord.spans[0]).not.toHaveProperty('startTime');
    expect(exported.find((r) => r.trace.id === 'good')!.scores[0]).not.toHaveProperty('createdAt');

    const sessions = await store.listSessions(projectId, {}, all);
    expect(sessions.data).toMatchObject([{ id: 'far-session', firstTime: null, lastTime: null }]);
    expect(await store.getSession(projectId, 'far-session', all)).not.toBeNull();
    expect((await store.listUsers(projectId, {}, all)).data).toMatchObject([{ id: 'far-user', firstSeen: null, lastSeen: null }]);
    expect(await store.getUser(projectId, 'far-user')).toMatchObject({ firstSeen: null });
  });
}
