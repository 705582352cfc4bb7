// Reads on a worker thread: same answers as inline, and errors keep their catalogue code.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { isLoupeError } from '../../errors.js';
import { SqliteStore } from './index.js';

let dir: string;
let store: SqliteStore;
let inline: SqliteStore;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-readpool-'));
  store = new SqliteStore(join(dir, 'loupe.db'), { readWorker: true });
  await store.init();
  await store.writeGroup([{ projectId: 1, receivedAt: 1_700_000_000_000_000, batch: {
    traces: [{ id: 'a', name: 'first', userId: 'u1' }, { id: 'b', name: 'second', userId: 'u2' }],
    spans: [{ id: 's1', traceId: 'a', kind: 'llm', startTime: 1_700_000_000_000_000, endTime: 1_700_000_000_500_000, model: 'm', input: 'x'.repeat(500) },
      { id: 's2', traceId: 'b', kind: 'tool', startTime: 1_700_000_001_000_000 }],
    scores: [] } }]);
  inline = new SqliteStore(join(dir, 'loupe.db'), { readWorker: false });
  await inline.init();
});

afterAll(async () => {
  await store.close();
  await inline.close();
  rmSync(dir, { recursive: true, force: true });
});

test('the worker answers exactly what an inline read answers', async () => {
  const page = { limit: 10, order: 'desc' as const };
  expect(await store.listTraces(1, {}, page)).toEqual(await inline.listTraces(1, {}, page));
  expect(await store.listSpans(1, { model: 'm' }, page)).toEqual(await inline.listSpans(1, { model: 'm' }, page));
  expect(await store.getTrace(1, 'a')).toEqual(await inline.getTrace(1, 'a'));
  expect(await store.getTrace(1, 'missing')).toBeNull();
});

test('writes are durable and readable at once from another connection, re-sends change nothing', async () => {
  const span = { id: 's9', traceId: 'c', kind: 'llm' as const, startTime: 1_700_000_002_000_000, endTime: 1_700_000_002_100_000, usage: { inputTokens: 5, outputTokens: 7 }, output: 'y'.repeat(300) };
  for (let i = 0; i < 2; i++) await store.writeGroup([{ projectId: 1, receivedAt: 1, batch: { traces: [], spans: [span], scores: [] } }]);
  const d = await inline.getTrace(1, 'c');
  expect(d?.spans.length).toBe(1);
  expect(d?.spans[0].output).toBe(span.output);
  expect(d?.trace.totalTokens).toBe(12);
});

test('a LoupeError raised on the worker arrives as the same LoupeError', async () => {
  const err = await store.listTraces(1, {}, { limit: 10, order: 'desc', cursor: 'not-a-cursor' }).catch((e: unknown) => e);
  expect(isLoupeError(err)).toBe(true);
  expect((err as { code: string }).code).toBe('invalid_cursor');
});

test('getTraceJson is getTrace serialized, built on the worker', async () => {
  expect(JSON.parse((await store.getTraceJson(1, 'a'))!)).toEqual(JSON.parse(JSON.stringify(await inline.getTrace(1, 'a'))));
  expect(await store.getTraceJson(1, 'missing')).toBeNull();
});
