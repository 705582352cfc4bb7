// Analytics contracts: metrics over a fixed data set against numbers worked out by hand (exact
// nearest-rank percentiles, bucket alignment, error rates, tokens and cost from llm/embedding
// spans only, group order by code point, nulls last). Every backend must give these answers.
import { expect } from 'vitest';
import type { MetricsQuery, MetricsRow } from '../../src/query/metrics.js';
import type { SpanUpsert, TraceUpsert } from '../../src/model/batch.js';
import type { Ctx, Suite } from './harness.js';

/** 2023-11-14T22:00:00Z, an hour boundary (µs). */
const H0 = 1_699_999_200_000_000;
const HOUR = 3_600_000_000;
const DAY = 86_400_000_000;
const at = (min: number, ms = 0) => H0 + min * 60_000_000 + ms * 1000;

// Bucket 22:00 — a1..a8; trace durations (ms) out of order: a1 40, a2 10, a3 70, a4 20, a5 60,
// a6 30, a7 50 (agent 50 around an llm child of 20), a8 80 (no spans; given start 22:59:59.999999
// and end, so still in the 22:00 bucket). Errors: a3 (its llm span), a6 (its tool span).
// Bucket 23:00 — b1 (starts exactly at 23:00, 5 ms), b2 (an llm span that never ended: the span has
// no duration; its trace ends where the span starts, so lasts 0 ms).
// Tool and agent spans carry usage and cost that must never count (only llm and embedding do).
const TRACES: TraceUpsert[] = [
  { id: 'a1', environment: 'prod' }, { id: 'a2', environment: 'prod' }, { id: 'a3', environment: 'prod' }, { id: 'a4', environment: 'prod' },
  { id: 'a5', environment: 'dev' }, { id: 'a6', environment: 'dev' }, { id: 'a7', environment: 'dev' },
  { id: 'a8', startTime: H0 + HOUR - 1, endTime: H0 + HOUR - 1 + 80_000 },
  { id: 'b1', environment: 'prod' }, { id: 'b2', environment: 'prod' },
];

const llm = (id: string, traceId: string, start: number, ms: number | null, model: string, inT: number, outT: number, costUsd?: number, extra: Partial<SpanUpsert> = {}): SpanUpsert => ({
  id, traceId, kind: 'llm', name: 'chat', startTime: start, ...(ms === null ? {} : { endTime: start + ms * 1000 }), model,
  usage: { inputTokens: inT, outputTokens: outT }, ...(costUsd === undefined ? {} : { costUsd }), ...extra,
});

const SPANS: SpanUpsert[] = [
  llm('a1s', 'a1', at(1), 40, 'gpt-4o', 100, 10, 0.001, { usage: { inputTokens: 100, outputTokens: 10, cacheReadTokens: 40 } }),
  llm('a2s', 'a2', at(2), 10, 'gpt-4o', 200, 20, 0.002),
  llm('a3s', 'a3', at(3), 70, 'gpt-4o', 300, 30, 0.004, { status: 'error', error: 'boom' }),
  llm('a4s', 'a4', at(4), 20, 'Zeta', 50, 5),
  llm('a5s', 'a5', at(5), 60, 'alpha', 10, 1, 0.0005),
  { id: 'a6s', traceId: 'a6', kind: 'tool', name: 'search', status: 'error', startTime: at(6), endTime: at(6, 30), usage: { inputTokens: 999, outputTokens: 999, cacheReadTokens: 999 }, costUsd: 9 },
  { id: 'a7s', traceId: 'a7', kind: 'agent', name: 'agent', startTime: at(7), endTime: at(7, 50), usage: { inputTokens: 400, outputTokens: 40 }, costUsd: 0.008 },
  llm('a7c', 'a7', at(7, 10), 20, 'gpt-4o', 400, 40, 0.008, { parentId: 'a7s', usage: { inputTokens: 400, outputTokens: 40, cacheReadTokens: 100, cacheWriteTokens: 7 } }),
  llm('b1s', 'b1', at(60), 5, 'gpt-4o', 1000, 100, 0.01, { usage: { inputTokens: 1000, outputTokens: 100, cacheReadTokens: 500 } }),
  llm('b2s', 'b2', at(90), null, 'gpt-4o', 10, 1),
];

const RANGE = { from: H0, to: H0 + 2 * HOUR };

async function metrics(ctx: Ctx, q: MetricsQuery): Promise<MetricsRow[]> {
  await ctx.write({ traces: TRACES, spans: SPANS });
  return ctx.store.metrics(ctx.projectId, q);
}

/** Cost is a float sum (engines may add in different orders): compared to 12 places, the rest exactly. */
function expectRows(rows: MetricsRow[], expected: Array<Omit<MetricsRow, 'costUsd'> & { costUsd: number | null }>): void {
  expect(rows.map((r) => ({ ...r, costUsd: null }))).toEqual(expected.map((r) => ({ ...r, costUsd: null })));
  rows.forEach((r, i) => {
    const want = expected[i].costUsd;
    if (want === null) expect(r.costUsd, `row ${i} cost`).toBeNull();
    else expect(r.costUsd, `row ${i} cost`).toBeCloseTo(want, 12);
  });
}

/** `cache`: [read, write] at the span level; traces keep no cache counts (null). */
const row = (bucket: number, group: string | null, count: number, errorCount: number, p: [number | null, number | null, number | null], tokens: [number, number],
  costUsd: number | null, cache: [number, number] | null = null): MetricsRow => ({
  bucket, group, count, errorCount, errorRate: errorCount / count, latencyP50Ms: p[0], latencyP95Ms: p[1], latencyP99Ms: p[2],
  inputTokens: tokens[0], outputTokens: tokens[1], cacheReadTokens: cache?.[0] ?? null, cacheWriteTokens: cache?.[1] ?? null, costUsd,
});

export function metricsContracts({ it }: Suite): void {
  it('metrics: trace level, hourly, exact nearest rank, errors, tokens, cost', async (ctx) => {
    const rows = await metrics(ctx, { level: 'trace', filter: RANGE, intervalMicros: HOUR });
    // 22:00: 8 traces, 2 errors -> 0.25. Durations sorted 10,20,…,80 (n=8): p50 rank ceil(4)=4 -> 40;
    // p95 rank ceil(7.6)=8 -> 80; p99 rank ceil(7.92)=8 -> 80. Tokens (llm spans only):
    // in 100+200+300+50+10+400 = 1060, out 106; cost 0.001+0.002+0.004+0.0005+0.008 = 0.0155.
    // 23:00: b1 5, b2 0 -> 0,5: p50 rank 1 -> 0, p95 and p99 rank 2 -> 5; tokens 1010/101; cost 0.01.
    expectRows(rows, [
      row(H0, null, 8, 2, [40, 80, 80], [1060, 106], 0.0155),
      row(H0 + HOUR, null, 2, 0, [0, 5, 5], [1010, 101], 0.01),
    ]);
  });

  it('metrics: trace level by environment, groups in code-point order, null last', async (ctx) => {
    const rows = await metrics(ctx, { level: 'trace', filter: RANGE, intervalMicros: HOUR, groupBy: 'environment' });
    // dev = a5 60, a6 30, a7 50 -> 30,50,60: p50 rank 2 -> 50, p95/p99 rank 3 -> 60; 1 error of 3.
    // prod = a1 40, a2 10, a3 70, a4 20 -> 10,20,40,70: p50 rank 2 -> 20, p95 rank ceil(3.8)=4 -> 70.
    // null = a8 alone: 80, no tokens, no cost.
    expectRows(rows, [
      row(H0, 'dev', 3, 1, [50, 60, 60], [410, 41], 0.0085),
      row(H0, 'prod', 4, 1, [20, 70, 70], [650, 65], 0.007),
      row(H0, null, 1, 0, [80, 80, 80], [0, 0], null),
      row(H0 + HOUR, 'prod', 2, 0, [0, 5, 5], [1010, 101], 0.01),
    ]);
    expect(rows[0].errorRate).toBe(1 / 3);
  });

  it('metrics: trace level by model, daily: one group per distinct model of its spans', async (ctx) => {
    const rows = await metrics(ctx, { level: 'trace', filter: RANGE, intervalMicros: DAY, groupBy: 'model' });
    const day = Math.floor(H0 / DAY) * DAY; // 2023-11-14T00:00:00Z
    // Code points: 'Z' (0x5A) < 'a' (0x61) < 'g'. gpt-4o = a1 40, a2 10, a3 70, a7 50, b1 5, b2 0:
    // n=6 -> 0,5,10,40,50,70: p50 rank 3 -> 10, p95 rank ceil(5.7)=6 -> 70; 1 error of 6; tokens of those traces'
    // llm spans 100+200+300+400+1000+10 = 2010 in, 201 out; cost 0.001+0.002+0.004+0.008+0.01 = 0.025.
    // null = a6 (a tool span without a model: 30) and a8 (no spans: 80): 30,80 -> p50 rank 1 -> 30.
    expectRows(rows, [
      row(day, 'Zeta', 1, 0, [20, 20, 20], [50, 5], null),
      row(day, 'alpha', 1, 0, [60, 60, 60], [10, 1], 0.0005),
      row(day, 'gpt-4o', 6, 1, [10, 70, 70], [2010, 201], 0.025),
      row(day, null, 2, 1, [30, 80, 80], [0, 0], null),
    ]);
  });

  it('metrics: span level by kind: usage counts from llm and embedding spans only', async (ctx) => {
    const rows = await metrics(ctx, { level: 'span', filter: RANGE, intervalMicros: HOUR, groupBy: 'kind' });
    // 22:00 llm = a1s 40, a2s 10, a3s 70, a4s 20, a5s 60, a7c 20 -> 10,20,20,40,60,70: p50 rank 3 -> 20,
    // p95 rank ceil(5.7)=6 -> 70; 1 error of 6. agent and tool: counted, but no tokens and no cost.
    // 23:00 llm = b1s 5 and b2s (open: no duration, so n=1) -> every rank 1 -> 5.
    expectRows(rows, [
      row(H0, 'agent', 1, 0, [50, 50, 50], [0, 0], null, [0, 0]),
      // cache: a1s 40 read, a7c 100 read and 7 written; the tool span's 999 never counts
      row(H0, 'llm', 6, 1, [20, 70, 70], [1060, 106], 0.0155, [140, 7]),
      row(H0, 'tool', 1, 1, [30, 30, 30], [0, 0], null, [0, 0]),
      row(H0 + HOUR, 'llm', 2, 0, [5, 5, 5], [1010, 101], 0.01, [500, 0]),
    ]);
  });

  it('metrics: 7-minute buckets align to epoch multiples; a bucket without durations has null percentiles', async (ctx) => {
    const seven = 7 * 60_000_000;
    const rows = await metrics(ctx, { level: 'span', filter: { ...RANGE, model: 'gpt-4o' }, intervalMicros: seven });
    // floor(H0 / 7 min) * 7 min = 21:59:00. a1s, a2s, a3s (22:01-22:03) -> 21:59: 40,10,70 -> p50 rank 2 -> 40.
    // a7c (22:07:00.010) -> 22:06. b1s (23:00) -> 21:59 + 8*7 min = 22:55. b2s (23:30) -> exactly 23:30.
    const b0 = Math.floor(H0 / seven) * seven;
    expect(b0).toBe(H0 - 60_000_000);
    expectRows(rows, [
      row(b0, null, 3, 1, [40, 70, 70], [600, 60], 0.007, [40, 0]),
      row(b0 + seven, null, 1, 0, [20, 20, 20], [400, 40], 0.008, [100, 7]),
      row(b0 + 8 * seven, null, 1, 0, [5, 5, 5], [1000, 100], 0.01, [500, 0]),
      row(b0 + 13 * seven, null, 1, 0, [null, null, null], [10, 1], null, [0, 0]),
    ]);
  });

  it('metrics: filters apply and projects never cross', async (ctx) => {
    const other = (await ctx.store.ensureProject('other')).id;
    await ctx.store.writeGroup([{ projectId: other, receivedAt: H0, batch: { traces: TRACES, spans: SPANS, scores: [] } }]);
    const rows = await metrics(ctx, { level: 'trace', filter: { ...RANGE, environment: 'prod', status: ['error'] }, intervalMicros: HOUR });
    expectRows(rows, [row(H0, null, 1, 1, [70, 70, 70], [300, 30], 0.004)]);
    expect(await ctx.store.metrics(ctx.projectId, { level: 'trace', filter: { from: H0 + 2 * HOUR, to: H0 + 3 * HOUR }, intervalMicros: HOUR })).toEqual([]);
  });
}
