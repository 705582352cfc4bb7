// Chunk packs: chunks are compressed together, committed rows by later transactions and a large
// group's new chunks at once, and everything reads the same before and after: trace details on
// the read worker, span filters in SQL, a span merged from parts within one group, and a writer
// restarted on the file or a second one beside it (dedupe warmed from packs, new ids never a
// stored one's, every pack holding each id of its range).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { SpanUpsert } from '../../model/batch.js';
import { parseFilterExpression } from '../../query/fields.js';
import { SqliteStore } from './index.js';
import { decodeVarints } from './varint.js';
import { writeCompacted } from '../../../test/support/compacted.js';

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

/** A store on `f` (opened) whose packs are `chunkPackChars` characters. */
async function openStore(f: string, chunkPackChars: number): Promise<SqliteStore> {
  const store = new SqliteStore(f, { chunkPackChars });
  await store.init();
  return store;
}

/** One write item: trace `t` with its spans (all of spansOf(t) unless given). */
const itemOf = (t: number, spans: SpanUpsert[] = spansOf(t)) => ({ projectId: 1, batch: { traces: [{ id: `t${t}` }], spans, scores: [] }, receivedAt: 1 });

function holeyPacks(db: Database.Database): number {
  const packs = db.prepare('SELECT first_id, last_id, ids FROM chunk_packs ORDER BY first_id').all() as Array<{ first_id: number; last_id: number; ids: Buffer }>;
  const inRange = db.prepare('SELECT count(*) FROM chunks WHERE id BETWEEN ? AND ?').pluck();
  let holey = 0;
  let prevLast = 0;
  for (const p of packs) {
    const offsets = decodeVarints(p.ids).filter((_, i) => i % 2 === 0);
    const whole = offsets.length === p.last_id - p.first_id + 1 && offsets.every((o, i) => o === i);
    if (!whole || p.first_id <= prevLast || (inRange.get(p.first_id, p.last_id) as number) > 0) holey++;
    prevLast = p.last_id;
  }
  return holey;
}

const counts = () => {
  const db = new Database(file, { readonly: true });
  const out = {
    packs: db.prepare('SELECT count(*) FROM chunk_packs').pluck().get() as number,
    rows: db.prepare('SELECT count(*) FROM chunks').pluck().get() as number,
    maxRow: db.prepare('SELECT max(id) FROM chunks').pluck().get() as number,
    maxPacked: db.prepare('SELECT max(last_id) FROM chunk_packs').pluck().get() as number | null,
    /** Packs whose id range holds an id that is not theirs (another pack's, or a row's). */
    holey: holeyPacks(db),
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
  const store = await openStore(file, 2000);
  for (let t = 0; t < 8; t++) await writeCompacted(store, [itemOf(t)]);
  expect(counts().packs).toBeGreaterThanOrEqual(2);
  expect(counts().holey).toBe(0);
  await expectReadsBack(store, [0, 1, 2, 3, 4, 5, 6, 7]);
  const hits = await store.listSpans(1, { expr: parseFilterExpression(`output contains "message 103:"`, 'span') }, { limit: 50, order: 'asc' });
  expect(hits.data.map((s) => `${s.traceId}/${s.id}`).sort()).toEqual(Array.from({ length: 8 }, (_, t) => `t${t}/s3`));
  await store.close();

  // A new writer on the file: what is packed is known to it (no new row for a repeat), the rows
  // left unpacked are packed by it, and the chunks it adds get ids of their own.
  const again = await openStore(file, 2000);
  const before = counts();
  await writeCompacted(again, [{ projectId: 1, batch: { traces: [{ id: 'r0' }], spans: spansOf(0).map((s) => ({ ...s, traceId: 'r0' })), scores: [] }, receivedAt: 1 }]);
  // Every string of trace 0 was known: the only new rows are the spans' own skeletons, which
  // hold references, not text.
  const added = newRows(Math.max(before.maxRow, before.maxPacked ?? 0));
  expect(added.length).toBeLessThanOrEqual(spansOf(0).length * 3);
  for (const b of added) expect(b).toMatch(/^[[{].*[\ue004\ue005]/s);
  for (let t = 8; t < 12; t++) await writeCompacted(again, [itemOf(t)]);
  expect(counts().packs).toBeGreaterThan(before.packs);
  await expectReadsBack(again, [0, 3, 7, 8, 9, 10, 11]);
  const r0 = await again.getTrace(1, 'r0');
  expect(r0!.spans.map((s) => s.output)).toEqual(spansOf(0).map((s) => s.output));
  await again.close();
});

test('a write group that fails rolls its packs back with it, and the next one packs them', async () => {
  const f = join(dir, 'rollback.db');
  const store = await openStore(f, 2000);
  const count = (sql: string) => {
    const db = new Database(f, { readonly: true });
    const n = db.prepare(sql).pluck().get() as number;
    db.close();
    return n;
  };
  await writeCompacted(store, [itemOf(0)]);
  await writeCompacted(store, [itemOf(1)]);
  const packs = count('SELECT count(*) FROM chunk_packs');
  const rows = count('SELECT count(*) FROM chunks');
  // A score without a name breaks a NOT NULL constraint after the group's packs were made.
  const bad = { id: 'bad', traceId: 't2', name: null as unknown as string, value: 1, valueType: 'numeric' as const, source: 'api' as const, createdAt: 1 };
  await expect(writeCompacted(store, [{ projectId: 1, batch: { traces: [{ id: 't2' }], spans: spansOf(2), scores: [bad] }, receivedAt: 1 }])).rejects.toThrow();
  expect([count('SELECT count(*) FROM chunk_packs'), count('SELECT count(*) FROM chunks')]).toEqual([packs, rows]);
  await writeCompacted(store, [itemOf(3)]);
  expect(count('SELECT count(*) FROM chunk_packs')).toBeGreaterThan(packs);
  await expectReadsBack(store, [0, 1, 3]);
  expect(await store.getTrace(1, 't2')).toBeNull();
  await store.close();
});

test('a reader reads every chunk right across more packs than it keeps open, newest first and then in a mixed order', async () => {
  const f = join(dir, 'many-packs.db');
  const store = await openStore(f, 300);
  for (let t = 0; t < 60; t++) await writeCompacted(store, [itemOf(t)]);
  const db = new Database(f, { readonly: true });
  expect(db.prepare('SELECT count(*) FROM chunk_packs').pluck().get()).toBeGreaterThan(100);
  db.close();
  // newest to oldest (over 100 packs, so open ones are let go), then odd and even alternately from both ends
  const order = [...Array.from({ length: 60 }, (_, i) => 59 - i), ...Array.from({ length: 30 }, (_, i) => (i % 2 ? i : 59 - i))];
  await expectReadsBack(store, order);
  await store.close();
});

test('a large group packs its own new chunks in the same transaction, leaving only a tail as rows', async () => {
  const f = join(dir, 'direct.db');
  const store = await openStore(f, 2000);
  const traces = Array.from({ length: 10 }, (_, t) => 100 + t);
  await writeCompacted(store, traces.map((t) => itemOf(t)));
  const db = new Database(f, { readonly: true });
  const packs = db.prepare('SELECT count(*) FROM chunk_packs').pluck().get() as number;
  const rowChars = db.prepare('SELECT coalesce(sum(length(body)), 0) FROM chunks').pluck().get() as number;
  expect(holeyPacks(db)).toBe(0);
  db.close();
  expect(packs).toBeGreaterThanOrEqual(5);
  expect(rowChars).toBeLessThan(2000);
  await expectReadsBack(store, traces);
  await store.close();
});

test('a span sent in two parts within one group merges with the part whose chunks are not stored yet', async () => {
  const f = join(dir, 'parts.db');
  const store = await openStore(f, 2000);
  const [first] = spansOf(7);
  const second: SpanUpsert = { id: first.id, traceId: first.traceId, endTime: first.startTime! + 500, attributes: { 'llm.output_messages.0.message.content': text(7, 99), extra: 'yes' } };
  await writeCompacted(store, [itemOf(7, [first]), { projectId: 1, batch: { traces: [], spans: [second], scores: [] }, receivedAt: 2 }]);
  const d = await store.getTrace(1, 't7');
  expect(d!.spans).toHaveLength(1);
  expect(d!.spans[0].attributes).toEqual({ ...first.attributes, ...second.attributes });
  expect(d!.spans[0].input).toEqual(first.input);
  await store.close();
});

test('two writers on one file number their chunks apart and never make overlapping packs', async () => {
  const f = join(dir, 'two-writers.db');
  const a = await openStore(f, 1500);
  const b = await openStore(f, 1500);
  for (let t = 200; t < 216; t++) {
    const w = t % 3 === 0 ? b : a;
    await writeCompacted(w, [itemOf(t, spansOf(t).slice(0, 1 + (t % 4)))]);
  }
  const db = new Database(f, { readonly: true });
  expect(holeyPacks(db)).toBe(0);
  expect(db.prepare('SELECT count(*) FROM chunk_packs').pluck().get()).toBeGreaterThan(2);
  db.close();
  for (let t = 200; t < 216; t++) {
    const d = await a.getTrace(1, `t${t}`);
    const want = spansOf(t).slice(0, 1 + (t % 4));
    expect(d!.spans.map((s) => [s.input, s.output, s.attributes])).toEqual(want.map((s) => [s.input, s.output, s.attributes]));
  }
  await a.close();
  await b.close();
});
