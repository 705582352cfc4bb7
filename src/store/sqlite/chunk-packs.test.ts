// Chunk packs: committed chunk rows are compressed together by later transactions, and everything
// reads the same before and after: trace details on the read worker, span filters in SQL, and a
// writer restarted on the file (its dedupe warmed from packs, its new ids never a packed one's).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { SpanUpsert } from '../../model/batch.js';
import { parseFilterExpression } from '../../query/fields.js';
import { SqliteStore } from './index.js';

let dir: string;
let file: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-packs-'));
  file = join(dir, 'loupe.db');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const text = (trace: number, i: number) => `Trace ${trace} message ${i}: ${'the refund was approved after review '.repeat(6)}#${trace}.${i}`;
const spansOf = (trace: number): SpanUpsert[] =>
  Array.from({ length: 6 }, (_, i) => ({
    id: `s${i}`, traceId: `t${trace}`, kind: 'llm', name: `call ${i}`, startTime: 1_700_000_000_000_000 + trace * 1000 + i,
    input: [{ role: 'system', content: `You are careful. ${'Follow the policy. '.repeat(10)}` }, { role: 'user', content: text(trace, i) }],
    output: text(trace, i + 100),
    attributes: { 'llm.input_messages.1.message.content': text(trace, i), 'input.value': JSON.stringify({ messages: [text(trace, i)] }) },
  }));

const counts = () => {
  const db = new Database(file, { readonly: true });
  const out = {
    packs: db.prepare('SELECT count(*) FROM chunk_packs').pluck().get() as number,
    rows: db.prepare('SELECT count(*) FROM chunks').pluck().get() as number,
    maxRow: db.prepare('SELECT max(id) FROM chunks').pluck().get() as number,
    maxPacked: db.prepare('SELECT max(last_id) FROM chunk_packs').pluck().get() as number | null,
  };
  db.close();
  return out;
};

const newRows = (after: number) => {
  const db = new Database(file, { readonly: true });
  const bodies = db.prepare('SELECT body FROM chunks WHERE id > ?').pluck().all(after) as string[];
  db.close();
  return bodies;
};

async function expectReadsBack(store: SqliteStore, traces: number[]): Promise<void> {
  for (const t of traces) {
    const d = await store.getTrace(1, `t${t}`);
    const want = spansOf(t);
    expect(d!.spans.map((s) => [s.input, s.output, s.attributes])).toEqual(want.map((s) => [s.input, s.output, s.attributes]));
  }
}

test('packed chunks read back, filter in SQL, warm a restarted writer, and are never given out again', async () => {
  const store = new SqliteStore(file, { chunkPackChars: 2000 });
  await store.init();
  for (let t = 0; t < 8; t++) await store.writeGroup([{ projectId: 1, batch: { traces: [{ id: `t${t}` }], spans: spansOf(t), scores: [] }, receivedAt: 1 }]);
  expect(counts().packs).toBeGreaterThanOrEqual(2);
  const c = counts();
  // the highest row stays a row, so SQLite never hands out a packed id again
  expect(c.maxRow).toBeGreaterThan(c.maxPacked!);
  await expectReadsBack(store, [0, 1, 2, 3, 4, 5, 6, 7]);
  const hits = await store.listSpans(1, { expr: parseFilterExpression(`output contains "message 103:"`, 'span') }, { limit: 50, order: 'asc' });
  expect(hits.data.map((s) => `${s.traceId}/${s.id}`).sort()).toEqual(Array.from({ length: 8 }, (_, t) => `t${t}/s3`));
  await store.close();

  // A new writer on the file: what is packed is known to it (no new row for a repeat), the rows
  // left unpacked are packed by it, and the chunks it adds get ids of their own.
  const again = new SqliteStore(file, { chunkPackChars: 2000 });
  await again.init();
  const before = counts();
  await again.writeGroup([{ projectId: 1, batch: { traces: [{ id: 'r0' }], spans: spansOf(0).map((s) => ({ ...s, traceId: 'r0' })), scores: [] }, receivedAt: 1 }]);
  // Every string of trace 0 was known: the only new rows are the spans' own skeletons, which
  // hold references, not text.
  const added = newRows(before.maxRow);
  expect(added.length).toBeLessThanOrEqual(spansOf(0).length * 3);
  for (const b of added) expect(b).toMatch(/^[[{].*[\ue004\ue005]/s);
  for (let t = 8; t < 12; t++) await again.writeGroup([{ projectId: 1, batch: { traces: [{ id: `t${t}` }], spans: spansOf(t), scores: [] }, receivedAt: 1 }]);
  expect(counts().packs).toBeGreaterThan(before.packs);
  await expectReadsBack(again, [0, 3, 7, 8, 9, 10, 11]);
  const r0 = await again.getTrace(1, 'r0');
  expect(r0!.spans.map((s) => s.output)).toEqual(spansOf(0).map((s) => s.output));
  await again.close();
});

test('a write group that fails rolls its packs back with it, and the next one packs them', async () => {
  const f = join(dir, 'rollback.db');
  const store = new SqliteStore(f, { chunkPackChars: 2000 });
  await store.init();
  const count = (sql: string) => {
    const db = new Database(f, { readonly: true });
    const n = db.prepare(sql).pluck().get() as number;
    db.close();
    return n;
  };
  await store.writeGroup([{ projectId: 1, batch: { traces: [{ id: 't0' }], spans: spansOf(0), scores: [] }, receivedAt: 1 }]);
  await store.writeGroup([{ projectId: 1, batch: { traces: [{ id: 't1' }], spans: spansOf(1), scores: [] }, receivedAt: 1 }]);
  const packs = count('SELECT count(*) FROM chunk_packs');
  const rows = count('SELECT count(*) FROM chunks');
  // A score without a name breaks a NOT NULL constraint after the group's packs were made.
  const bad = { id: 'bad', traceId: 't2', name: null as unknown as string, value: 1, valueType: 'numeric' as const, source: 'api' as const, createdAt: 1 };
  await expect(store.writeGroup([{ projectId: 1, batch: { traces: [{ id: 't2' }], spans: spansOf(2), scores: [bad] }, receivedAt: 1 }])).rejects.toThrow();
  expect([count('SELECT count(*) FROM chunk_packs'), count('SELECT count(*) FROM chunks')]).toEqual([packs, rows]);
  await store.writeGroup([{ projectId: 1, batch: { traces: [{ id: 't3' }], spans: spansOf(3), scores: [] }, receivedAt: 1 }]);
  expect(count('SELECT count(*) FROM chunk_packs')).toBeGreaterThan(packs);
  await expectReadsBack(store, [0, 1, 3]);
  expect(await store.getTrace(1, 't2')).toBeNull();
  await store.close();
});

test('a reader reads every chunk right across more packs than it keeps open, newest first and then in a mixed order', async () => {
  const f = join(dir, 'many-packs.db');
  const store = new SqliteStore(f, { chunkPackChars: 300 });
  await store.init();
  for (let t = 0; t < 60; t++) await store.writeGroup([{ projectId: 1, batch: { traces: [{ id: `t${t}` }], spans: spansOf(t), scores: [] }, receivedAt: 1 }]);
  const db = new Database(f, { readonly: true });
  expect(db.prepare('SELECT count(*) FROM chunk_packs').pluck().get()).toBeGreaterThan(100);
  db.close();
  // newest to oldest (over 100 packs, so open ones are let go), then odd and even alternately from both ends
  const order = [...Array.from({ length: 60 }, (_, i) => 59 - i), ...Array.from({ length: 30 }, (_, i) => (i % 2 ? i : 59 - i))];
  await expectReadsBack(store, order);
  await store.close();
});
