// List contracts: every TraceFilter and SpanFilter field (metadata, tags and q included) over one
// seeded data set, and keyset pagination in both orders without gaps or duplicates.
import { expect } from 'vitest';
import type { Batch } from '../../src/model/batch.js';
import type { SpanFilter, TraceFilter } from '../../src/query/filter.js';
import { parseFilterExpression } from '../../src/query/fields.js';
import type { Store } from '../../src/store/store.js';
import { sec, type Suite } from './harness.js';

const SEED: Partial<Batch> = {
  traces: [
    { id: 't1', name: 'Chat Turn', externalId: 'ext-1', userId: 'u1', sessionId: 's1', environment: 'prod', tags: ['a', 'b'],
      metadata: { tier: 'gold', n: 3 }, input: 'What is the weather in Paris', output: 'Sunny and warm' },
    { id: 't2', name: 'RAG query 100%_done', userId: 'u2', sessionId: 's1', environment: 'staging', tags: ['a'],
      metadata: { tier: 'silver' }, input: { question: 'How do penguins sleep?' } },
    { id: 't3', name: 'agent run', userId: 'u1', tags: ['b'] },
    { id: 't4', name: 'chat followup', userId: 'u3', environment: 'prod', tags: ['a', 'b', 'c'], metadata: { tier: 'gold', flag: true } },
  ],
  spans: [
    { id: 'openai', traceId: 't1', kind: 'llm', name: 'openai.chat', model: 'gpt-4o', startTime: sec(10), endTime: sec(12), status: 'ok', metadata: { region: 'eu' } },
    { id: 'search', traceId: 't2', kind: 'retrieval', name: 'Search', startTime: sec(20), endTime: sec(25), status: 'error', error: 'timeout' },
    { id: 'gen', traceId: 't2', kind: 'llm', name: 'gen', model: 'claude', startTime: sec(21), endTime: sec(22) },
    { id: 'plan', traceId: 't3', kind: 'agent', name: 'plan', startTime: sec(30) },
    { id: 'lookup', traceId: 't3', name: 'lookup', startTime: sec(31), endTime: sec(31) + 500_000, status: 'ok' },
    { id: 'follow', traceId: 't4', kind: 'llm', name: 'openai.chat', model: 'gpt-4o', startTime: sec(40), endTime: sec(41), status: 'ok' },
  ],
};

const PAGE = { limit: 100, order: 'asc' as const };

async function traceIds(store: Store, projectId: number, f: TraceFilter): Promise<string[]> {
  return (await store.listTraces(projectId, f, PAGE)).data.map((t) => t.id);
}

async function spanIds(store: Store, projectId: number, f: SpanFilter): Promise<string[]> {
  return (await store.listSpans(projectId, f, PAGE)).data.map((s) => s.id);
}

export function listContracts({ it }: Suite): void {
  it('every trace filter', async ({ store, projectId, write }) => {
    await write(SEED);
    const cases: Array<[TraceFilter, string[]]> = [
      [{}, ['t1', 't2', 't3', 't4']],
      [{ from: sec(20) }, ['t2', 't3', 't4']],
      [{ to: sec(30) }, ['t1', 't2']],
      [{ from: sec(20), to: sec(40) }, ['t2', 't3']],
      [{ status: ['error'] }, ['t2']],
      [{ status: ['pending', 'success'] }, ['t1', 't3', 't4']],
      [{ name: 'chat' }, ['t1', 't4']],
      [{ name: 'CHAT T' }, ['t1']],
      [{ name: '100%_' }, ['t2']],
      [{ name: '%' }, ['t2']],
      [{ name: '_' }, ['t2']],
      [{ externalId: 'ext-1' }, ['t1']],
      [{ userId: 'u1' }, ['t1', 't3']],
      [{ sessionId: 's1' }, ['t1', 't2']],
      [{ environment: 'prod' }, ['t1', 't4']],
      [{ tags: ['a'] }, ['t1', 't2', 't4']],
      [{ tags: ['a', 'b'] }, ['t1', 't4']],
      [{ tags: ['c'] }, ['t4']],
      [{ tags: ['zzz'] }, []],
      [{ model: 'gpt-4o' }, ['t1', 't4']],
      [{ model: 'claude' }, ['t2']],
      [{ kind: 'retrieval' }, ['t2']],
      [{ kind: 'agent' }, ['t3']],
      [{ minDurationMs: 2000 }, ['t1', 't2']],
      [{ maxDurationMs: 1500 }, ['t3', 't4']],
      [{ minDurationMs: 1000, maxDurationMs: 2000 }, ['t1', 't3', 't4']],
      [{ metadata: { tier: 'gold' } }, ['t1', 't4']],
      [{ metadata: { n: '3' } }, ['t1']],
      [{ metadata: { tier: 'gold', n: '3' } }, ['t1']],
      [{ metadata: { missing: 'x' } }, []],
      [{ userId: 'u1', tags: ['b'], model: 'gpt-4o', environment: 'prod' }, ['t1']],
    ];
    for (const [f, want] of cases) expect(await traceIds(store, projectId, f), JSON.stringify(f)).toEqual(want);
  });

  it('a model filter finds the model and its dated snapshots, not longer names of other models', async ({ store, projectId, write }) => {
    const models = ['gpt-4o', 'gpt-4o-2024-08-06', 'gpt-4o-mini', 'gpt-4o-mini-2024-07-18', 'gpt-4.1', 'claude-3-5-sonnet@20241022', 'claude-3-5-sonnet-v2', 'GPT-4O'];
    await write({
      traces: models.map((_, i) => ({ id: `m${i}` })),
      spans: models.map((model, i) => ({ id: `s${i}`, traceId: `m${i}`, kind: 'llm' as const, model, startTime: sec(i) })),
    });
    const cases: Array<[string, string[]]> = [
      ['gpt-4o', ['gpt-4o', 'gpt-4o-2024-08-06']],
      ['gpt-4o-mini', ['gpt-4o-mini', 'gpt-4o-mini-2024-07-18']],
      ['gpt-4', []],
      ['claude-3-5-sonnet', ['claude-3-5-sonnet@20241022']],
      ['gpt-4o-2024-08-06', ['gpt-4o-2024-08-06']],
    ];
    for (const [model, want] of cases) {
      const ids = want.map((m) => `m${models.indexOf(m)}`);
      expect(await traceIds(store, projectId, { model }), model).toEqual(ids);
      expect(await spanIds(store, projectId, { model }), model).toEqual(ids.map((t) => t.replace('m', 's')));
    }
    // An exact match stays available as an expression.
    expect(await traceIds(store, projectId, { expr: parseFilterExpression('model = "gpt-4o"', 'trace') })).toEqual(['m0']);
  });

  it('metadata filters compare JSON booleans as true/false', async ({ store, projectId, write }) => {
    await write(SEED);
    expect(await traceIds(store, projectId, { metadata: { flag: 'true' } })).toEqual(['t4']);
  });

  it('q: full text over name, input and output; words AND-ed, case-insensitive, operators inert', async ({ store, projectId, write }) => {
    await write(SEED);
    const cases: Array<[string, string[]]> = [
      ['weather', ['t1']],
      ['PARIS weather', ['t1']],
      ['penguins', ['t2']],
      ['sunny', ['t1']],
      ['chat', ['t1', 't4']],
      ['weather penguins', []],
      ['weather*', ['t1']],
      ['(paris)', ['t1']],
      ['NOT paris', []],
      ['nothing-like-this', []],
    ];
    for (const [q, want] of cases) expect(await traceIds(store, projectId, { q }), q).toEqual(want);
    // a later part that changes the text is searchable at once; the old text no longer matches
    await write({ traces: [{ id: 't3', input: 'zebra crossing' }] });
    expect(await traceIds(store, projectId, { q: 'zebra' })).toEqual(['t3']);
    await write({ traces: [{ id: 't3', input: 'giraffe' }] });
    expect(await traceIds(store, projectId, { q: 'zebra' })).toEqual([]);
  });

  it('every span filter', async ({ store, projectId, write }) => {
    await write(SEED);
    const cases: Array<[SpanFilter, string[]]> = [
      [{}, ['openai', 'search', 'gen', 'plan', 'lookup', 'follow']],
      [{ traceId: 't2' }, ['search', 'gen']],
      [{ from: sec(30) }, ['plan', 'lookup', 'follow']],
      [{ to: sec(21) }, ['openai', 'search']],
      [{ status: ['error'] }, ['search']],
      [{ status: ['unset'] }, ['gen', 'plan']],
      [{ status: ['ok'] }, ['openai', 'lookup', 'follow']],
      [{ status: ['unset', 'error'] }, ['search', 'gen', 'plan']],
      [{ kind: 'llm' }, ['openai', 'gen', 'follow']],
      [{ kind: 'span' }, ['lookup']],
      [{ model: 'gpt-4o' }, ['openai', 'follow']],
      [{ name: 'SEARCH' }, ['search']],
      [{ name: 'openai.' }, ['openai', 'follow']],
      [{ userId: 'u1' }, ['openai', 'plan', 'lookup']],
      [{ sessionId: 's1' }, ['openai', 'search', 'gen']],
      [{ environment: 'prod' }, ['openai', 'follow']],
      [{ externalId: 'ext-1' }, ['openai']],
      [{ tags: ['b'] }, ['openai', 'plan', 'lookup', 'follow']],
      [{ tags: ['a', 'c'] }, ['follow']],
      [{ minDurationMs: 2000 }, ['openai', 'search']],
      [{ maxDurationMs: 500 }, ['lookup']],
      [{ metadata: { region: 'eu' } }, ['openai']],
      [{ traceId: 't1', kind: 'llm', model: 'gpt-4o' }, ['openai']],
    ];
    for (const [f, want] of cases) expect(await spanIds(store, projectId, f), JSON.stringify(f)).toEqual(want);
  });

  it('trace pages follow (start time, id) without gaps or duplicates, both orders', async ({ store, projectId, write }) => {
    // 24 traces, three per start time, so ties are the rule
    await write({ traces: Array.from({ length: 24 }, (_, i) => ({ id: `p${i}`, startTime: sec(Math.floor(i / 3)), userId: i % 2 ? 'odd' : 'even' })) });
    for (const order of ['asc', 'desc'] as const) {
      for (const [filter, n] of [[{}, 24], [{ userId: 'odd' }, 12]] as const) {
        const seen: { id: string; t: string; k: number }[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await store.listTraces(projectId, filter, { limit: 4, order, cursor });
          expect(page.data.length).toBeGreaterThan(0);
          seen.push(...page.data.map((t) => ({ id: t.id, t: t.startTime, k: t.numericId })));
          cursor = page.nextCursor ?? undefined;
          pages++;
        } while (cursor);
        expect(pages).toBe(n / 4);
        expect(new Set(seen.map((s) => s.id)).size).toBe(n);
        const sorted = [...seen].sort((a, b) => (a.t === b.t ? a.k - b.k : a.t < b.t ? -1 : 1));
        expect(seen).toEqual(order === 'asc' ? sorted : sorted.reverse());
      }
    }
    await expect(store.listTraces(projectId, {}, { limit: 4, order: 'asc', cursor: 'not-a-cursor' })).rejects.toMatchObject({ code: 'invalid_cursor' });
  });

  it('span pages follow start time without gaps or duplicates, both orders', async ({ store, projectId, write }) => {
    await write({ spans: Array.from({ length: 23 }, (_, i) => ({ id: `s${i}`, traceId: i % 2 ? 'x' : 'y', startTime: sec(Math.floor(i / 4)) })) });
    for (const order of ['asc', 'desc'] as const) {
      const seen: { id: string; t: string }[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.listSpans(projectId, {}, { limit: 5, order, cursor });
        seen.push(...page.data.map((s) => ({ id: s.id, t: s.startTime as string })));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(new Set(seen.map((s) => s.id)).size).toBe(23);
      expect(seen).toHaveLength(23);
      const times = seen.map((s) => s.t);
      expect(times).toEqual([...times].sort((a, b) => (order === 'asc' ? a.localeCompare(b) : b.localeCompare(a))));
    }
  });
}
