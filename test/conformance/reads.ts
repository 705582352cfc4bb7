// Read contracts: not found is null (not an empty object), projects never cross, scores, and
// projects and API keys.
import { expect } from 'vitest';
import { sec, span, trace, score, batch, type Suite } from './harness.js';

export function readContracts({ it }: Suite): void {
  it('not found is null; an empty list is an empty page', async ({ store, projectId }) => {
    expect(await store.getTrace(projectId, 'nope')).toBeNull();
    expect(await store.findProject('no-such-project')).toBeNull();
    expect(await store.findProject('987654')).toBeNull();
    expect(await store.findApiKeyByHash('0'.repeat(64))).toBeNull();
    expect(await store.listTraces(projectId, {}, { limit: 10, order: 'desc' })).toEqual({ data: [], nextCursor: null });
    expect(await store.listSpans(projectId, {}, { limit: 10, order: 'desc' })).toEqual({ data: [], nextCursor: null });
  });

  it('projects never cross: same ids in two projects stay apart', async ({ store, projectId }) => {
    const other = (await store.ensureProject('other')).id;
    expect(other).not.toBe(projectId);
    for (const [p, name] of [[projectId, 'mine'], [other, 'theirs']] as const) {
      await store.writeGroup([{ projectId: p, receivedAt: sec(0), batch: batch({
        traces: [{ id: 'same', name, userId: name, tags: [name] }],
        spans: [{ id: 'root', traceId: 'same', name, kind: 'llm', startTime: sec(0), endTime: sec(1), model: name, usage: { inputTokens: p === projectId ? 1 : 2 } }],
        scores: [{ id: 'score', traceId: 'same', name: 'n', value: name, source: 'api', createdAt: sec(1) }],
      }) }]);
    }
    await store.writeGroup([{ projectId: other, receivedAt: sec(0), batch: batch({ traces: [{ id: 'only-theirs' }] }) }]);
    const mine = await store.getTrace(projectId, 'same');
    expect(mine?.trace).toMatchObject({ name: 'mine', projectId: String(projectId), inputTokens: 1, spanCount: 1, tags: ['mine'] });
    expect(mine?.spans.map((s) => s.name)).toEqual(['mine']);
    expect(mine?.scores.map((s) => s.value)).toEqual(['mine']);
    expect((await store.getTrace(other, 'same'))?.trace).toMatchObject({ name: 'theirs', inputTokens: 2 });
    expect(await store.getTrace(projectId, 'only-theirs')).toBeNull();
    const page = { limit: 100, order: 'asc' as const };
    expect((await store.listTraces(projectId, {}, page)).data.map((t) => t.name)).toEqual(['mine']);
    expect((await store.listTraces(projectId, { userId: 'theirs' }, page)).data).toEqual([]);
    expect((await store.listTraces(projectId, { tags: ['theirs'] }, page)).data).toEqual([]);
    expect((await store.listTraces(projectId, { model: 'theirs' }, page)).data).toEqual([]);
    expect((await store.listTraces(projectId, { q: 'theirs' }, page)).data).toEqual([]);
    expect((await store.listSpans(projectId, {}, page)).data.map((s) => s.name)).toEqual(['mine']);
    expect((await store.listSpans(projectId, { traceId: 'only-theirs' }, page)).data).toEqual([]);
    expect((await store.listSpans(other, { traceId: 'same' }, page)).data.map((s) => s.projectId)).toEqual([String(other)]);
  });

  it('scores: typed values, upserted by id, listed with their trace in time order', async ({ store, projectId, write }) => {
    await write(span({ id: 's', traceId: 'tr', startTime: sec(0), endTime: sec(1) }));
    await write(
      score({ id: 'b', traceId: 'tr', spanId: 's', name: 'thumbs', value: true, source: 'user', comment: 'nice', createdAt: sec(3) }),
      score({ id: 'a', traceId: 'tr', name: 'accuracy', value: 0.75, source: 'eval', createdAt: sec(2) }),
      score({ id: 'c', traceId: 'tr', name: 'label', value: 'good', source: 'api', createdAt: sec(3) }),
      score({ id: 'f', traceId: 'tr', name: 'thumbs', value: false, source: 'user', createdAt: sec(4) }),
    );
    let d = await store.getTrace(projectId, 'tr');
    expect(d?.scores.map((s) => [s.id, s.value])).toEqual([['a', 0.75], ['b', true], ['c', 'good'], ['f', false]]);
    expect(d?.scores[1]).toEqual({ id: 'b', projectId: String(projectId), traceId: 'tr', spanId: 's', name: 'thumbs', value: true,
      comment: 'nice', source: 'user', createdAt: '2023-11-14T22:13:23.000000Z' });
    // the same id again replaces the value; a missing comment keeps the stored one
    await write(score({ id: 'b', traceId: 'tr', spanId: 's', name: 'thumbs', value: false, source: 'user', createdAt: sec(3) }));
    d = await store.getTrace(projectId, 'tr');
    expect(d?.scores[1]).toMatchObject({ id: 'b', value: false, comment: 'nice' });
    expect(d?.scores).toHaveLength(4);
    // scores do not change the trace's rollups
    expect(d?.trace).toMatchObject({ spanCount: 1, status: 'success' });
  });

  it('a score may arrive before its trace', async ({ store, projectId, write }) => {
    await write(score({ id: 'early', traceId: 'later', name: 'n', value: 1, source: 'api', createdAt: sec(5) }));
    await write(trace({ id: 'later', name: 'arrived' }));
    const d = await store.getTrace(projectId, 'later');
    expect(d?.trace.name).toBe('arrived');
    expect(d?.scores.map((s) => s.id)).toEqual(['early']);
  });

  it('projects: ensureProject is idempotent; findProject by id or name; countProjects', async ({ store, projectId }) => {
    expect(await store.countProjects()).toBe(1);
    const a = await store.ensureProject('alpha');
    const again = await store.ensureProject('alpha');
    expect(again).toEqual(a);
    expect(a).toMatchObject({ name: 'alpha', settings: {} });
    expect(a.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(await store.findProject(String(a.id))).toEqual(a);
    expect(await store.findProject('alpha')).toEqual(a);
    expect((await store.findProject(String(projectId)))?.name).toBe('conformance');
    // a project named like another's id: the id wins for that text
    const numeric = await store.ensureProject(String(a.id));
    expect(await store.findProject(String(a.id))).toEqual(a);
    expect(await store.findProject(String(numeric.id))).toEqual(numeric);
    expect(await store.countProjects()).toBe(3);
    await Promise.all(Array.from({ length: 5 }, () => store.ensureProject('raced')));
    expect(await store.countProjects()).toBe(4);
  });

  it('API keys are found by hash with their project and scopes', async ({ store, projectId }) => {
    await store.createApiKey({ id: 'k1', projectId, hash: 'a'.repeat(64), prefix: 'lp_abc', scopes: ['ingest', 'read'], name: 'ci' });
    await store.createApiKey({ id: 'k2', projectId, hash: 'b'.repeat(64), prefix: 'lp_def', scopes: ['admin'], name: null });
    expect(await store.findApiKeyByHash('a'.repeat(64))).toEqual({ id: 'k1', projectId, scopes: ['ingest', 'read'], name: 'ci', prefix: 'lp_abc' });
    expect(await store.findApiKeyByHash('b'.repeat(64))).toEqual({ id: 'k2', projectId, scopes: ['admin'], name: null, prefix: 'lp_def' });
    await expect(store.createApiKey({ id: 'k3', projectId, hash: 'a'.repeat(64), prefix: 'x', scopes: ['read'], name: null })).rejects.toThrow();
  });
}
