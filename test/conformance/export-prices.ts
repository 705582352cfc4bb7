// Export, price and span-id contracts: the export of a fixed data set is the same bytes on every
// backend (test/fixtures/export/conformance-expected.jsonl) and survives export -> import into an
// empty project -> export; prices keep their effective dates; span ids are found only when indexed.
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { nativeAdapter } from '../../src/ingest/native/index.js';
import { lineToResult } from '../../src/export/import.js';
import type { Batch } from '../../src/model/batch.js';
import type { Order } from '../../src/query/filter.js';
import type { Store } from '../../src/store/store.js';
import { batch, sec, type Ctx, type Suite } from './harness.js';

const FIXTURES = new URL('../fixtures/export/', import.meta.url);
const EXPECTED = new URL('conformance-expected.jsonl', FIXTURES);

function native(body: unknown): Batch {
  const r = nativeAdapter(body, { receivedAt: sec(500), headers: {} });
  expect(r.rejected).toEqual([]);
  return r.batch;
}

/** The export data set: the rich fixture, plus maps with keys in no order, parts, ties and a desc page walk. */
async function writeDataSet(ctx: Ctx): Promise<void> {
  await ctx.store.writeGroup([{ projectId: ctx.projectId, receivedAt: sec(500), batch: native(JSON.parse(readFileSync(new URL('rich-batch.json', FIXTURES), 'utf8'))) }]);
  const more = [
    // keys in an order no store keeps (jsonb sorts by length first, SQLite keeps insertion order)
    { traces: [{ id: 'keys', startTime: '2025-03-05T00:00:00Z', metadata: { zz: 1, a: { y: 2, b: [{ q: 1, p: 2 }] }, mm: 'x' } }],
      spans: [{ id: 'k1', traceId: 'keys', startTime: '2025-03-05T00:00:00Z', params: { top_p: 1, n: 2 }, attributes: { 'z.z': 1, 'a.a': 2 }, metadata: { later: 1, early: 2 } }] },
    // a span in two parts; a map merged over two writes
    { spans: [{ id: 'part', traceId: 'parts', kind: 'llm', startTime: '2025-03-06T00:00:00.000001Z', model: 'm', params: { b: 1 } }] },
    { spans: [{ id: 'part', traceId: 'parts', endTime: '2025-03-06T00:00:02.000002Z', status: 'ok', usage: { outputTokens: 3 }, params: { a: 2 } }] },
    // two traces starting at the same time, written apart, the later one with the smaller id
    { traces: [{ id: 'tie-z', startTime: '2025-03-07T00:00:00Z', name: 'z' }] },
    { traces: [{ id: 'tie-a', startTime: '2025-03-07T00:00:00Z', name: 'a' }] },
  ];
  for (const body of more) await ctx.store.writeGroup([{ projectId: ctx.projectId, receivedAt: sec(500), batch: native(body) }]);
}

async function exportAll(store: Store, projectId: number, order: Order = 'asc', limit = 2): Promise<string> {
  let out = '';
  let cursor: string | undefined;
  for (;;) {
    const page = await store.exportTraces(projectId, {}, { limit, order, cursor });
    for (const r of page.data) out += `${JSON.stringify(r)}\n`;
    if (!page.nextCursor) return out;
    cursor = page.nextCursor;
  }
}

async function importText(store: Store, projectId: number, text: string): Promise<void> {
  const b = batch({});
  text.trimEnd().split('\n').forEach((line, i) => {
    const r = lineToResult(line, i + 1, sec(900));
    expect(r.rejected).toEqual([]);
    b.traces.push(...r.batch.traces);
    b.spans.push(...r.batch.spans);
    b.scores.push(...r.batch.scores);
  });
  await store.writeGroup([{ projectId, receivedAt: sec(900), batch: b }]);
}

export function exportContracts({ it }: Suite): void {
  it('export: the same bytes on every backend, paged or not, both orders', async (ctx) => {
    await writeDataSet(ctx);
    const text = await exportAll(ctx.store, ctx.projectId);
    if (process.env.LOUPE_WRITE_EXPECTED === '1') (await import('node:fs')).writeFileSync(EXPECTED, text);
    expect(text).toBe(readFileSync(EXPECTED, 'utf8'));
    expect(await exportAll(ctx.store, ctx.projectId, 'asc', 1000)).toBe(text);
    expect(await exportAll(ctx.store, ctx.projectId, 'desc', 3)).toBe(`${text.trimEnd().split('\n').reverse().join('\n')}\n`);
    // the trace-list filters apply
    const page = await ctx.store.exportTraces(ctx.projectId, { tags: ['zeta'] }, { limit: 10, order: 'asc' });
    expect(page.data.map((r) => r.trace.id)).toEqual(['rt-1']);
  });

  it('export -> import into an empty project -> export is byte-identical', async (ctx) => {
    await writeDataSet(ctx);
    const text = await exportAll(ctx.store, ctx.projectId);
    const copy = (await ctx.store.ensureProject('copy')).id;
    await importText(ctx.store, copy, text);
    expect(await exportAll(ctx.store, copy)).toBe(text);
    // what the store derives agrees as well (rollups, status, times); numericId is store-local
    for (const id of ['rt-1', 'rt-3', 'rt-5', 'parts']) {
      const [a, b] = await Promise.all([ctx.store.getTrace(ctx.projectId, id), ctx.store.getTrace(copy, id)]);
      const local = (d: typeof a) => ({ ...d, trace: { ...d?.trace, numericId: 0, projectId: '' }, spans: d?.spans.map((s) => ({ ...s, projectId: '' })), scores: d?.scores.map((s) => ({ ...s, projectId: '' })) });
      expect(local(b), id).toEqual(local(a));
    }
  });
}

export function priceContracts({ it }: Suite): void {
  it('prices: upserted by (pattern, effectiveFrom), listed by pattern then date, deleted by pattern or one date', async ({ store, projectId }) => {
    expect(await store.listPrices(projectId)).toEqual([]);
    await store.putPrices(projectId, [
      { modelPattern: 'gpt-4o', inputPrice: 2e-6, outputPrice: 8e-6, effectiveFrom: sec(100) },
      { modelPattern: 'GPT-4o', inputPrice: 2.5e-6, outputPrice: 10e-6, cacheReadPrice: 1.25e-6, effectiveFrom: 0 },
      { modelPattern: 'acme-*', inputPrice: 1e-7, outputPrice: 3e-7, cacheReadPrice: 0, effectiveFrom: 0 },
      { modelPattern: 'Zed', inputPrice: 0.1, outputPrice: 0.2, effectiveFrom: sec(5) },
    ]);
    // an existing key is replaced (cacheReadPrice absent again means "the input price")
    await store.putPrices(projectId, [{ modelPattern: 'gpt-4o', inputPrice: 3e-6, outputPrice: 9e-6, effectiveFrom: sec(100) }]);
    const other = (await store.ensureProject('other')).id;
    await store.putPrices(other, [{ modelPattern: 'gpt-4o', inputPrice: 1, outputPrice: 1, effectiveFrom: 0 }]);
    expect(await store.listPrices(projectId)).toEqual([
      { modelPattern: 'acme-*', inputPrice: 1e-7, outputPrice: 3e-7, cacheReadPrice: 0, effectiveFrom: 0 },
      { modelPattern: 'gpt-4o', inputPrice: 2.5e-6, outputPrice: 10e-6, cacheReadPrice: 1.25e-6, effectiveFrom: 0 },
      { modelPattern: 'gpt-4o', inputPrice: 3e-6, outputPrice: 9e-6, effectiveFrom: sec(100) },
      { modelPattern: 'zed', inputPrice: 0.1, outputPrice: 0.2, effectiveFrom: sec(5) },
    ]);
    expect(await store.deletePrices(projectId, 'GPT-4o', sec(100))).toBe(1);
    expect(await store.deletePrices(projectId, 'gpt-4o', sec(100))).toBe(0);
    expect((await store.listPrices(projectId)).map((p) => [p.modelPattern, p.effectiveFrom])).toEqual([['acme-*', 0], ['gpt-4o', 0], ['zed', sec(5)]]);
    await store.putPrices(projectId, [{ modelPattern: 'zed', inputPrice: 0.3, outputPrice: 0.4, effectiveFrom: sec(9) }]);
    expect(await store.deletePrices(projectId, 'zed')).toBe(2);
    expect(await store.deletePrices(projectId, 'nothing')).toBe(0);
    expect((await store.listPrices(projectId)).map((p) => p.modelPattern)).toEqual(['acme-*', 'gpt-4o']);
    expect(await store.listPrices(other)).toEqual([{ modelPattern: 'gpt-4o', inputPrice: 1, outputPrice: 1, effectiveFrom: 0 }]);
  });
}

export function spanIdContracts({ it }: Suite): void {
  it('span ids: found only when written with indexSpanIds; the first trace to claim an id keeps it; projects never cross', async ({ store, projectId }) => {
    const other = (await store.ensureProject('other')).id;
    const w = (p: number, b: Batch) => store.writeGroup([{ projectId: p, receivedAt: sec(0), batch: b }]);
    await w(projectId, { ...batch({ spans: [{ id: 'obs-1', traceId: 'lf-1', startTime: sec(1) }, { id: 'obs-2', traceId: 'lf-1', startTime: sec(1) }] }), indexSpanIds: true });
    await w(projectId, batch({ spans: [{ id: 'plain', traceId: 'otel-1', startTime: sec(1) }] }));
    // a later part of obs-1 (indexed again) and a second trace claiming obs-2
    await w(projectId, { ...batch({ spans: [{ id: 'obs-1', traceId: 'lf-1', endTime: sec(2) }, { id: 'obs-2', traceId: 'lf-2', startTime: sec(3) }] }), indexSpanIds: true });
    // one group, two items: only the flagged one is indexed
    await store.writeGroup([
      { projectId, receivedAt: sec(0), batch: { ...batch({ spans: [{ id: 'obs-3', traceId: 'lf-3', startTime: sec(4) }] }), indexSpanIds: true } },
      { projectId, receivedAt: sec(0), batch: batch({ spans: [{ id: 'obs-4', traceId: 'lf-3', startTime: sec(4) }] }) },
    ]);
    await w(other, { ...batch({ spans: [{ id: 'theirs', traceId: 'lf-x', startTime: sec(1) }] }), indexSpanIds: true });
    expect(await store.findSpanTraceId(projectId, 'obs-1')).toBe('lf-1');
    expect(await store.findSpanTraceId(projectId, 'obs-2')).toBe('lf-1');
    expect(await store.findSpanTraceId(projectId, 'obs-3')).toBe('lf-3');
    expect(await store.findSpanTraceId(projectId, 'obs-4')).toBeNull();
    expect(await store.findSpanTraceId(projectId, 'plain')).toBeNull();
    expect(await store.findSpanTraceId(projectId, 'nope')).toBeNull();
    expect(await store.findSpanTraceId(projectId, 'theirs')).toBeNull();
    expect(await store.findSpanTraceId(other, 'theirs')).toBe('lf-x');
    expect((await store.getTrace(projectId, 'lf-1'))?.spans.map((s) => [s.id, s.endTime])).toEqual([['obs-1', '2023-11-14T22:13:22.000000Z'], ['obs-2', null]]);
  });
}
