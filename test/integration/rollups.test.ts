// Trace rollups in every arrival order. A trace's parts (root, llm child with tokens, error child,
// a span's start part then its end part, and a native trace record) arrive as separate requests
// in every permutation; the rollups must be the same whatever the order, right at every step,
// and re-sending everything must change nothing.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { call, startTestServer, type TestServer } from '../helpers/server.js';
import { exportOf, ids, nanos, type SpanSpec } from '../helpers/otlp.js';

let ts: TestServer;
beforeAll(async () => {
  // Thousands of small commits: skip the per-commit fsync here (durability has its own test).
  process.env.LOUPE_SQLITE_SYNC = 'NORMAL';
  ts = await startTestServer('rollups');
});
afterAll(async () => ts.close());

const BASE = Date.UTC(2026, 3, 1, 12, 0, 0);
const ROOT = 'a000000000000001';
const LLM = 'a000000000000002';
const ERR = 'a000000000000003';
const OPEN = 'a000000000000004';

type Part = 'root' | 'llm' | 'error' | 'start' | 'end' | 'record';

function body(part: Part, traceId: string): { path: string; body: unknown } {
  const span = (s: Omit<SpanSpec, 'traceId'>) => ({ path: '/v1/traces', body: exportOf([{ traceId, ...s }], { 'service.name': 'rollups' }) });
  switch (part) {
    case 'root':
      return span({ spanId: ROOT, name: 'turn', start: nanos(BASE), end: nanos(BASE + 1000), status: { code: 1 } });
    case 'llm':
      return span({ spanId: LLM, parentId: ROOT, name: 'chat', start: nanos(BASE + 100), end: nanos(BASE + 600),
        attrs: { 'openinference.span.kind': 'LLM', 'llm.model_name': 'gpt-4o', 'llm.token_count.prompt': 100, 'llm.token_count.completion': 20, 'llm.token_count.total': 120, 'llm.cost.total': 0.5 } });
    case 'error':
      return span({ spanId: ERR, parentId: ROOT, name: 'lookup', start: nanos(BASE + 200), end: nanos(BASE + 700), status: { code: 2, message: 'boom' },
        events: [{ name: 'exception', time: nanos(BASE + 650), attrs: { 'exception.type': 'KeyError', 'exception.message': 'order' } }] });
    // An agent span repeating its children's usage: it must never count towards the trace.
    case 'start':
      return span({ spanId: OPEN, parentId: ROOT, name: 'agent step', start: nanos(BASE + 50),
        attrs: { 'openinference.span.kind': 'AGENT', 'llm.token_count.prompt': 999, 'llm.token_count.completion': 999, 'llm.cost.total': 7 } });
    case 'end':
      return span({ spanId: OPEN, parentId: ROOT, name: 'agent step', start: nanos(BASE + 50), end: nanos(BASE + 1200), status: { code: 1 },
        attrs: { 'openinference.span.kind': 'AGENT', 'llm.token_count.prompt': 999, 'llm.token_count.completion': 999, 'llm.cost.total': 7, 'output.value': 'done' } });
    case 'record':
      return { path: '/api/v1/ingest', body: { traces: [{ id: traceId, userId: 'u-1', sessionId: 'sess-1', environment: 'production', tags: ['rollup'], metadata: { source: 'record' } }] } };
  }
}

function permutations<T>(xs: T[]): T[][] {
  if (xs.length <= 1) return [xs];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
}

/** What the trace's status must be once these parts have arrived. */
function expectedStatus(seen: Set<Part>): string {
  if (seen.has('error')) return 'error';
  const spans = ['root', 'llm', 'start', 'end'].some((p) => seen.has(p as Part));
  if (!spans) return 'pending';
  if (seen.has('start') && !seen.has('end')) return 'pending';
  return 'success';
}

const FINAL = {
  status: 'error', spanCount: 4, errorCount: 1, inputTokens: 100, outputTokens: 20, totalTokens: 120, costUsd: 0.5,
  startTime: '2026-04-01T12:00:00.000000Z', endTime: '2026-04-01T12:00:01.200000Z', durationMs: 1200,
  userId: 'u-1', sessionId: 'sess-1', environment: 'production', tags: ['rollup'], metadata: { source: 'record', 'service.name': 'rollups' },
};

async function send(part: Part, traceId: string): Promise<void> {
  const { path, body: b } = body(part, traceId);
  const r = await call(ts.url, path, { key: ts.key, body: b });
  expect(r.status, `${part}: ${JSON.stringify(r.json)}`).toBe(200);
  if (path === '/v1/traces') expect(r.json).toEqual({});
}

async function trace(traceId: string) {
  const r = await call(ts.url, `/api/v1/traces/${traceId}`, { key: ts.key });
  expect(r.status).toBe(200);
  return r.json as { trace: Record<string, unknown>; spans: Array<Record<string, unknown>>; scores: unknown[] };
}

/** Runs tasks with at most `n` at a time (orders are independent; parts within one are sequential). */
async function pool<T>(items: T[], n: number, fn: (x: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
}

describe('trace rollups', () => {
  test('a span whose start arrived but not its end is pending at once', async () => {
    const { traceId } = ids();
    await send('start', traceId);
    const d = await trace(traceId);
    expect(d.trace.status).toBe('pending');
    expect(d.spans).toMatchObject([{ id: OPEN, endTime: null, durationMs: null, status: 'unset' }]);
    const listed = await call(ts.url, '/api/v1/traces?status=pending&limit=1000', { key: ts.key });
    expect(listed.json.data.map((t: { id: string }) => t.id)).toContain(traceId);
    await send('end', traceId);
    expect((await trace(traceId)).trace.status).toBe('success');
  });

  test('the same rollups in every arrival order, right at every step; re-sending changes nothing', async () => {
    const spanOrders = permutations<Part>(['root', 'llm', 'error', 'start', 'end']);
    const orders = spanOrders.flatMap((o): Part[][] => [['record', ...o], [...o, 'record']]);
    expect(orders).toHaveLength(240);
    const finals: Array<Record<string, unknown>> = [];
    await pool(orders, 24, async (order) => {
      const { traceId } = ids();
      const seen = new Set<Part>();
      for (const part of order) {
        await send(part, traceId);
        seen.add(part);
        // Step checks once per span order (the record's place does not change what spans imply).
        if (order[0] === 'record') continue;
        const { trace: t } = await trace(traceId);
        expect(t.status, `${order.join(' → ')}: after ${part}`).toBe(expectedStatus(seen));
      }
      const d = await trace(traceId);
      expect(d.trace, order.join(' → ')).toMatchObject(FINAL);
      expect(d.spans.map((s) => s.id)).toEqual([ROOT, OPEN, LLM, ERR]);
      expect(d.spans.find((s) => s.id === OPEN)).toMatchObject({ status: 'ok', kind: 'agent', output: 'done', endTime: '2026-04-01T12:00:01.200000Z' });
      expect(d.spans.find((s) => s.id === ERR)).toMatchObject({ status: 'error', error: 'boom\nKeyError: order' });
      // Idempotency: every part again (the spans in reverse order, in one export) changes nothing at all.
      const again = order.filter((p) => p !== 'record').reverse().flatMap((p) => (body(p, traceId).body as { resourceSpans: Array<{ scopeSpans: Array<{ spans: unknown[] }> }> }).resourceSpans[0].scopeSpans[0].spans);
      const r = await call(ts.url, '/v1/traces', { key: ts.key, body: { resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'rollups' } }] }, scopeSpans: [{ scope: { name: 'loupe-test', version: '1.0.0' }, spans: again }] }] } });
      expect(r.status).toBe(200);
      await send('record', traceId);
      expect(await trace(traceId)).toEqual(d);
      const { id: _id, numericId: _n, name: _name, ...rest } = d.trace;
      finals.push(rest);
    });
    expect(finals).toHaveLength(240);
    for (const f of finals) expect(f).toEqual(finals[0]);
  });
});
