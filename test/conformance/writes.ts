// Write contracts: idempotent upserts, arrival order (span before trace, parts in any order),
// merge rules, rollups (status, counts, tokens from llm/embedding spans only, cost, times),
// durability and atomicity of a group, group commit and concurrent writers.
import { expect } from 'vitest';
import { Writer } from '../../src/store/writer.js';
import type { Batch, SpanUpsert } from '../../src/model/batch.js';
import { batch, permutations, sec, span, trace, type Suite } from './harness.js';

export function writeContracts({ it }: Suite): void {
  it('init() is safe to call again on a migrated database', async ({ store }) => {
    await store.init();
    await store.ping();
  });

  it('re-sending a batch changes nothing', async ({ store, projectId, write }) => {
    const b: Partial<Batch> = {
      traces: [{ id: 'tr', name: 'chat', tags: ['a', 'b'], metadata: { k: 'v' }, input: { q: 'hi' } }],
      spans: [{ id: 's1', traceId: 'tr', kind: 'llm', name: 'call', startTime: sec(0), endTime: sec(2), usage: { inputTokens: 3, outputTokens: 4 }, costUsd: 0.5 }],
      scores: [{ id: 'sc', traceId: 'tr', name: 'q', value: 1, source: 'api', createdAt: sec(3) }],
    };
    await write(b);
    const first = await store.getTrace(projectId, 'tr');
    await write(b, b);
    expect(await store.getTrace(projectId, 'tr')).toEqual(first);
    expect(first?.trace.spanCount).toBe(1);
  });

  it('a span may arrive before its trace', async ({ store, projectId, write }) => {
    await write(span({ id: 's1', traceId: 'tr', name: 'root', startTime: sec(0), endTime: sec(1), status: 'ok' }));
    let d = await store.getTrace(projectId, 'tr');
    expect(d?.trace.spanCount).toBe(1);
    expect(d?.trace.name).toBe('root');
    await write(trace({ id: 'tr', name: 'the trace', userId: 'u1', environment: 'prod' }));
    d = await store.getTrace(projectId, 'tr');
    expect(d?.trace).toMatchObject({ name: 'the trace', userId: 'u1', environment: 'prod', spanCount: 1, status: 'success' });
    expect(d?.spans.map((s) => s.id)).toEqual(['s1']);
  });

  it('span parts merge: start then end', async ({ store, projectId, write }) => {
    await write(span({ id: 's1', traceId: 'tr', kind: 'llm', name: 'gen', startTime: sec(0), input: 'q', model: 'm1', attributes: { a: 1 } }));
    let d = await store.getTrace(projectId, 'tr');
    expect(d?.trace.status).toBe('pending');
    expect(d?.spans[0]).toMatchObject({ endTime: null, status: 'unset', durationMs: null });
    await write(span({ id: 's1', traceId: 'tr', endTime: sec(2), status: 'ok', output: 'a', usage: { outputTokens: 9 }, attributes: { b: 2 } }));
    d = await store.getTrace(projectId, 'tr');
    expect(d?.spans[0]).toMatchObject({
      kind: 'llm', name: 'gen', model: 'm1', input: 'q', output: 'a', status: 'ok', durationMs: 2000,
      startTime: '2023-11-14T22:13:20.000000Z', attributes: { a: 1, b: 2 }, usage: { outputTokens: 9, totalTokens: 9 },
    });
    expect(d?.trace).toMatchObject({ status: 'success', durationMs: 2000, outputTokens: 9 });
  });

  it('span parts merge: end then start', async ({ store, projectId, write }) => {
    await write(span({ id: 's1', traceId: 'tr', endTime: sec(5), status: 'ok', output: 'done' }));
    await write(span({ id: 's1', traceId: 'tr', name: 'late start', startTime: sec(1) }));
    const d = await store.getTrace(projectId, 'tr');
    expect(d?.spans[0]).toMatchObject({ name: 'late start', output: 'done', status: 'ok', durationMs: 4000 });
    expect(d?.trace).toMatchObject({ status: 'success', durationMs: 4000 });
  });

  it('span parts in one group and one batch apply in order', async ({ store, projectId }) => {
    const start: SpanUpsert = { id: 's1', traceId: 'tr', name: 'n', startTime: sec(0), metadata: { a: 1 } };
    const end: SpanUpsert = { id: 's1', traceId: 'tr', endTime: sec(1), status: 'error', error: 'boom', metadata: { b: 2 } };
    const again: SpanUpsert = { id: 's1', traceId: 'tr', status: 'ok', metadata: { a: 3 } };
    await store.writeGroup([
      { projectId, batch: batch({ spans: [start, end] }), receivedAt: sec(10) },
      { projectId, batch: batch({ spans: [again], traces: [{ id: 'tr', tags: ['x'] }, { id: 'tr', tags: ['y'] }] }), receivedAt: sec(10) },
    ]);
    const d = await store.getTrace(projectId, 'tr');
    expect(d?.spans).toHaveLength(1);
    // a span once in error stays in error
    expect(d?.spans[0]).toMatchObject({ status: 'error', error: 'boom', metadata: { a: 3, b: 2 }, durationMs: 1000 });
    expect(d?.trace).toMatchObject({ status: 'error', errorCount: 1, tags: ['x', 'y'] });
  });

  it('a later part leaves what it does not say; maps merge key by key; tags add up', async ({ store, projectId, write }) => {
    await write(trace({ id: 'tr', name: 'a', userId: 'u', sessionId: 's', release: 'r1', tags: ['t1'], metadata: { k1: 'v1', nested: { x: 1 }, gone: 1 }, input: 'in' }));
    await write(trace({ id: 'tr', output: 'out', tags: ['t2', 't1'], metadata: { k2: 2, nested: { y: 2 }, gone: null } }));
    const t = (await store.getTrace(projectId, 'tr'))?.trace;
    expect(t).toMatchObject({ name: 'a', userId: 'u', sessionId: 's', release: 'r1', input: 'in', output: 'out', tags: ['t1', 't2'] });
    expect(t?.metadata).toEqual({ k1: 'v1', k2: 2, nested: { x: 1, y: 2 } });
    await write(span({ id: 's', traceId: 'tr', params: { temperature: 0.2 }, attributes: { 'a.b': 'c' } }));
    await write(span({ id: 's', traceId: 'tr', params: { max_tokens: 10 }, attributes: { 'a.d': [1, 2] } }));
    const s = (await store.getTrace(projectId, 'tr'))?.spans[0];
    expect(s?.params).toEqual({ temperature: 0.2, max_tokens: 10 });
    expect(s?.attributes).toEqual({ 'a.b': 'c', 'a.d': [1, 2] });
  });

  it('values round-trip: JSON input/output, events, links, unicode', async ({ store, projectId, write }) => {
    const input = { messages: [{ role: 'user', content: 'héllo 👋 "quoted" \\ back' }], n: 1.5, big: 12345678901234, flag: false, none: null };
    await write({
      traces: [{ id: 'tr', input, output: ['a', 1, null], metadata: { 'dotted.key': 'ü' } }],
      spans: [{ id: 's', traceId: 'tr', startTime: sec(0), input: 'plain text', output: 42,
        events: [{ name: 'exception', time: sec(1), attributes: { 'exception.message': 'x' } }],
        links: [{ traceId: 'other', spanId: 'o1', attributes: {} }] }],
    });
    const d = await store.getTrace(projectId, 'tr');
    expect(d?.trace.input).toEqual(input);
    expect(d?.trace.output).toEqual(['a', 1, null]);
    expect(d?.trace.metadata).toEqual({ 'dotted.key': 'ü' });
    expect(d?.spans[0]).toMatchObject({ input: 'plain text', output: 42,
      events: [{ name: 'exception', time: '2023-11-14T22:13:21.000000Z', attributes: { 'exception.message': 'x' } }],
      links: [{ traceId: 'other', spanId: 'o1', attributes: {} }] });
  });

  it('text the database may not hold as such (NUL, lone surrogates) does not fail the write', async ({ store, projectId, write }) => {
    await write({
      traces: [{ id: 'tr', name: 'nul\0name', input: 'in\0put', metadata: { k: 'v\0', s: 'x\uD800' } }],
      spans: [{ id: 's', traceId: 'tr', name: 'sp\0an', startTime: sec(0), attributes: { a: '\0' }, output: { o: '\uDC00' } }],
    });
    const d = await store.getTrace(projectId, 'tr');
    expect(d?.trace.input).toBe('in\0put');
    expect(d?.spans).toHaveLength(1);
    expect(d?.trace.name?.startsWith('nul')).toBe(true);
  });

  it('trace status: pending while a span is open, error once any span errs, success when all ended', async ({ store, projectId, write }) => {
    const status = async () => (await store.getTrace(projectId, 'tr'))?.trace.status;
    await write(trace({ id: 'tr', name: 'x' }));
    expect(await status()).toBe('pending');
    await write(span({ id: 'a', traceId: 'tr', startTime: sec(0) }));
    expect(await status()).toBe('pending');
    await write(span({ id: 'a', traceId: 'tr', endTime: sec(1), status: 'ok' }));
    expect(await status()).toBe('success');
    await write(span({ id: 'b', traceId: 'tr', startTime: sec(1) }));
    expect(await status()).toBe('pending');
    await write(span({ id: 'c', traceId: 'tr', startTime: sec(1), endTime: sec(2), status: 'error', error: 'bad' }));
    expect(await status()).toBe('error');
    await write(span({ id: 'b', traceId: 'tr', endTime: sec(3), status: 'ok' }));
    expect(await status()).toBe('error');
    // what the caller says about the trace wins, but never hides an error
    await write(trace({ id: 'ok-trace', status: 'success' }), span({ id: 'o', traceId: 'ok-trace', startTime: sec(0) }));
    expect((await store.getTrace(projectId, 'ok-trace'))?.trace.status).toBe('success');
    await write(trace({ id: 'tr', status: 'success' }));
    expect(await status()).toBe('error');
    // a trace with no spans is pending until it has an end
    await write(trace({ id: 'bare', startTime: sec(0) }));
    expect((await store.getTrace(projectId, 'bare'))?.trace.status).toBe('pending');
    await write(trace({ id: 'bare', endTime: sec(4) }));
    expect((await store.getTrace(projectId, 'bare'))?.trace).toMatchObject({ status: 'success', durationMs: 4000 });
  });

  it('rollups are right in every arrival order', async ({ store, projectId, write }) => {
    const parts = (id: string): Partial<Batch>[] => [
      trace({ id, name: 'root', startTime: sec(1), userId: 'u' }),
      span({ id: 'llm', traceId: id, kind: 'llm', name: 'gen', startTime: sec(2), endTime: sec(4), status: 'ok', usage: { inputTokens: 10, outputTokens: 5 }, costUsd: 0.25 }),
      span({ id: 'emb', traceId: id, kind: 'embedding', startTime: sec(0), endTime: sec(1), usage: { inputTokens: 7, totalTokens: 7 }, costUsd: 0.5 }),
      span({ id: 'tool', traceId: id, kind: 'tool', startTime: sec(3), endTime: sec(9), status: 'error', error: 'e', usage: { inputTokens: 1000, outputTokens: 1000 }, costUsd: 100 }),
      span({ id: 'agent', traceId: id, kind: 'agent', startTime: sec(0) }),
      span({ id: 'agent', traceId: id, endTime: sec(8), usage: { inputTokens: 17, outputTokens: 5 } }),
    ];
    const orders = permutations([0, 1, 2, 3, 4]).filter((_, i) => i % 4 === 0); // 30 of the 120 orders
    for (const [n, order] of orders.entries()) {
      const id = `tr-${n}`;
      const p = parts(id);
      // the agent's end part always comes after its start, in a separate write
      for (const i of order) await write(p[i]);
      await write(p[5]);
      const t = (await store.getTrace(projectId, id))?.trace;
      expect(t, `order ${order.join(',')}`).toMatchObject({
        name: 'root', userId: 'u', status: 'error', spanCount: 4, errorCount: 1,
        inputTokens: 17, outputTokens: 5, totalTokens: 22,
        startTime: '2023-11-14T22:13:20.000000Z', endTime: '2023-11-14T22:13:29.000000Z', durationMs: 9000,
      });
      expect(t?.costUsd).toBeCloseTo(0.75, 10);
    }
  });

  it('a trace without llm or embedding spans has no tokens and no cost', async ({ store, projectId, write }) => {
    await write(span({ id: 't', traceId: 'tr', kind: 'tool', startTime: sec(0), endTime: sec(1), usage: { inputTokens: 5 }, costUsd: 1 }));
    expect((await store.getTrace(projectId, 'tr'))?.trace).toMatchObject({ inputTokens: 0, outputTokens: 0, totalTokens: 0, costUsd: null });
  });

  it('a trace without a name takes its earliest span\'s name', async ({ store, projectId, write }) => {
    await write({ spans: [{ id: 'late', traceId: 'tr', name: 'second', startTime: sec(5) }, { id: 'early', traceId: 'tr', name: 'first', startTime: sec(1) }] });
    expect((await store.getTrace(projectId, 'tr'))?.trace.name).toBe('first');
    await write(span({ id: 'x', traceId: 'tr2', name: 'b', startTime: sec(5) }), trace({ id: 'tr2', name: 'given' }));
    expect((await store.getTrace(projectId, 'tr2'))?.trace.name).toBe('given');
  });

  it('a write is durable and visible to another instance when it returns', async ({ store, projectId, openAnother, write }) => {
    await write(trace({ id: 'tr', name: 'kept' }), span({ id: 's', traceId: 'tr', startTime: sec(0), endTime: sec(1) }));
    const other = await openAnother();
    expect((await other.getTrace(projectId, 'tr'))?.trace).toMatchObject({ name: 'kept', spanCount: 1 });
    await store.close();
    expect((await other.getTrace(projectId, 'tr'))?.spans).toHaveLength(1);
  });

  it('a group that fails stores nothing', async ({ store, projectId }) => {
    const good = { projectId, batch: batch({ traces: [{ id: 'good', name: 'g' }] }), receivedAt: sec(0) };
    // no start time and no arrival time: the span cannot be stored
    const bad = { projectId, batch: batch({ spans: [{ id: 's', traceId: 'bad' }] }), receivedAt: Number.NaN };
    await expect(store.writeGroup([good, bad])).rejects.toThrow();
    expect(await store.getTrace(projectId, 'good')).toBeNull();
    expect(await store.getTrace(projectId, 'bad')).toBeNull();
    await store.writeGroup([good]);
    expect(await store.getTrace(projectId, 'good')).not.toBeNull();
  });

  it('the writer group-commits concurrent batches, parts of one span included', async ({ store, projectId }) => {
    const writer = new Writer(store, { maxGroupItems: 50 });
    const jobs: Promise<void>[] = [];
    for (let i = 0; i < 40; i++) {
      const traceId = `tr-${i % 4}`;
      jobs.push(writer.submit({ projectId, receivedAt: sec(100), batch: batch({ spans: [
        { id: `s${i}`, traceId, kind: 'llm', startTime: sec(i), usage: { inputTokens: 1 } },
      ] }) }));
      jobs.push(writer.submit({ projectId, receivedAt: sec(100), batch: batch({ spans: [{ id: `s${i}`, traceId, endTime: sec(i + 1), status: 'ok' }] }) }));
    }
    await Promise.all(jobs);
    await writer.close();
    for (let k = 0; k < 4; k++) {
      expect((await store.getTrace(projectId, `tr-${k}`))?.trace).toMatchObject({ spanCount: 10, inputTokens: 10, status: 'success' });
    }
    expect(writer.stats.batches).toBe(80);
  });

  it('concurrent writers on two instances keep one trace right', async ({ store, projectId, openAnother }) => {
    const other = await openAnother();
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 30; i++) {
      const target = i % 2 ? store : other;
      const spans: SpanUpsert[] = [{ id: `s${i}`, traceId: 'shared', kind: 'llm', startTime: sec(i), endTime: sec(i + 1), usage: { inputTokens: 2 }, status: i === 7 ? 'error' : 'ok' }];
      writes.push(target.writeGroup([{ projectId, receivedAt: sec(0), batch: batch({ spans, traces: i === 3 ? [{ id: 'shared', name: 'shared' }] : [] }) }]));
      // another trace in the same group, in the opposite order on each instance
      writes.push(target.writeGroup([{ projectId, receivedAt: sec(0), batch: batch({ spans: [
        { id: `x${i}`, traceId: i % 2 ? 'other-a' : 'other-b', startTime: sec(i), endTime: sec(i + 1) },
        { id: `y${i}`, traceId: i % 2 ? 'other-b' : 'other-a', startTime: sec(i), endTime: sec(i + 1) },
      ] }) }]));
    }
    await Promise.all(writes);
    expect((await store.getTrace(projectId, 'shared'))?.trace).toMatchObject({ name: 'shared', spanCount: 30, errorCount: 1, inputTokens: 60, status: 'error', durationMs: 30_000 });
    expect((await other.getTrace(projectId, 'other-a'))?.trace.spanCount).toBe(30);
    expect((await store.listTraces(projectId, {}, { limit: 10, order: 'asc' })).data).toHaveLength(3);
  });
}
