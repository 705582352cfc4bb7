// traceFacets contracts: the extras of a trace list page (GET /api/v1/traces?include=) are the same
// on every backend: distinct models sorted, scores newest first and capped per trace, an entry
// for every id asked (empty for a trace with none), and never anything of another project.
import { expect } from 'vitest';
import type { Batch } from '../../src/model/batch.js';
import { LIST_ROW_SCORE_CAP } from '../../src/model/schemas.js';
import type { TraceFacets } from '../../src/store/store.js';
import { batch, sec, type Suite } from './harness.js';

const SEED: Partial<Batch> = {
  traces: [{ id: 'rich' }, { id: 'bare', name: 'no models, no scores' }, { id: 'scored-only' }],
  spans: [
    { id: 'a', traceId: 'rich', kind: 'llm', name: 'chat', model: 'gpt-4o', startTime: sec(1), endTime: sec(2) },
    { id: 'b', traceId: 'rich', kind: 'llm', name: 'chat again', model: 'claude-3-5-sonnet', startTime: sec(3), endTime: sec(4) },
    { id: 'c', traceId: 'rich', kind: 'tool', name: 'search', startTime: sec(5), endTime: sec(6) },
    { id: 'd', traceId: 'rich', kind: 'llm', name: 'same model', model: 'gpt-4o', startTime: sec(7), endTime: sec(8) },
    { id: 'e', traceId: 'rich', kind: 'embedding', name: 'embed', model: 'Ada-002', startTime: sec(9), endTime: sec(10) },
    { id: 'x', traceId: 'bare', kind: 'chain', name: 'root', startTime: sec(1), endTime: sec(2) },
    { id: 'y', traceId: 'scored-only', kind: 'agent', name: 'plan', startTime: sec(1), endTime: sec(2) },
  ],
  // Sent out of order; two share a time, so the id breaks the tie, descending: s2b before s2.
  scores: [
    { id: 's1', traceId: 'rich', name: 'accuracy', value: 0.75, source: 'eval', createdAt: sec(20) },
    { id: 's3', traceId: 'rich', spanId: 'a', name: 'thumbs', value: true, source: 'user', comment: 'good answer', createdAt: sec(40) },
    { id: 's2', traceId: 'rich', name: 'label', value: 'helpful', source: 'api', createdAt: sec(30) },
    { id: 's2b', traceId: 'rich', name: 'flag', value: false, source: 'api', createdAt: sec(30) },
    { id: 'only', traceId: 'scored-only', name: 'rating', value: 4, source: 'user', createdAt: sec(5) },
  ],
};

const plain = (m: Map<string, TraceFacets>) => Object.fromEntries([...m].map(([id, f]) => [id, { ...f }]));

export function traceFacetContracts({ it }: Suite): void {
  it('traceFacets: distinct models sorted, scores newest first, an entry for every id asked', async ({ store, projectId, write }) => {
    await write(SEED);
    // the same trace id in another project, with its own model and score, must not show
    const other = (await store.ensureProject('other')).id;
    await store.writeGroup([{ projectId: other, receivedAt: sec(0), batch: batch({
      spans: [{ id: 'a', traceId: 'rich', kind: 'llm', name: 'theirs', model: 'theirs-model', startTime: sec(1), endTime: sec(2) }],
      scores: [{ id: 'theirs', traceId: 'rich', name: 'theirs', value: 1, source: 'api', createdAt: sec(99) }],
    }) }]);

    const ids = ['rich', 'bare', 'scored-only', 'no-such-trace'];
    const both = await store.traceFacets(projectId, ids, { models: true, scores: true });
    expect(plain(both)).toStrictEqual({
      rich: {
        models: ['Ada-002', 'claude-3-5-sonnet', 'gpt-4o'],
        scores: [
          { name: 'thumbs', value: true, source: 'user', comment: 'good answer', spanId: 'a' },
          { name: 'flag', value: false, source: 'api', comment: null, spanId: null },
          { name: 'label', value: 'helpful', source: 'api', comment: null, spanId: null },
          { name: 'accuracy', value: 0.75, source: 'eval', comment: null, spanId: null },
        ],
      },
      bare: { models: [], scores: [] },
      'scored-only': { models: [], scores: [{ name: 'rating', value: 4, source: 'user', comment: null, spanId: null }] },
      'no-such-trace': { models: [], scores: [] },
    });

    // only what was asked for is set
    expect(plain(await store.traceFacets(projectId, ['rich', 'bare'], { models: true, scores: false })))
      .toStrictEqual({ rich: { models: ['Ada-002', 'claude-3-5-sonnet', 'gpt-4o'] }, bare: { models: [] } });
    expect(plain(await store.traceFacets(projectId, ['scored-only'], { models: false, scores: true })))
      .toStrictEqual({ 'scored-only': { scores: [{ name: 'rating', value: 4, source: 'user', comment: null, spanId: null }] } });
    expect((await store.traceFacets(projectId, [], { models: true, scores: true })).size).toBe(0);

    // the other project sees only its own
    expect(plain(await store.traceFacets(other, ['rich'], { models: true, scores: true }))).toStrictEqual({
      rich: { models: ['theirs-model'], scores: [{ name: 'theirs', value: 1, source: 'api', comment: null, spanId: null }] },
    });
  });

  it('traceFacets: at most LIST_ROW_SCORE_CAP scores per trace, the newest, whatever the page holds', async ({ store, projectId, write }) => {
    const many = LIST_ROW_SCORE_CAP + 10;
    await write({
      traces: [{ id: 'busy' }, { id: 'quiet' }],
      scores: [
        ...Array.from({ length: many }, (_, i) => ({ id: `n${String(i).padStart(3, '0')}`, traceId: 'busy', name: 'n', value: i, source: 'eval' as const, createdAt: sec(i) })),
        { id: 'q', traceId: 'quiet', name: 'n', value: -1, source: 'api', createdAt: sec(0) },
      ],
    });
    const facets = await store.traceFacets(projectId, ['busy', 'quiet'], { models: false, scores: true });
    const busy = facets.get('busy')?.scores ?? [];
    expect(busy).toHaveLength(LIST_ROW_SCORE_CAP);
    expect(busy.map((s) => s.value)).toEqual(Array.from({ length: LIST_ROW_SCORE_CAP }, (_, i) => many - 1 - i));
    // the cap is per trace: the busy trace does not crowd the other one out
    expect(facets.get('quiet')?.scores?.map((s) => s.value)).toEqual([-1]);
  });
}
