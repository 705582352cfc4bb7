// The chunk garbage collection: after deletes, what no span holds any more leaves the database
// (rows and packs), what remaining spans hold reads back unchanged, and a write during a cycle
// that repeats a deleted span's text (the writer's dedupe knows its chunks) keeps what it uses,
// before and after the cycle forgets them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { SpanUpsert } from '../../model/batch.js';
import type { WriteItem } from '../store.js';
import { RetentionPurger } from '../purge.js';
import { SqliteStore } from './index.js';
import { SqliteWritePath } from './write.js';
import { Compactor } from './compactor.js';
import { writeCompacted } from '../../../test/support/compacted.js';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-gc-'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SYSTEM = `You are a careful support agent. ${'Follow the refund policy to the letter. '.repeat(8)}`;
/** Text only trace `t` holds, long enough to be a chunk of its own. */
const secret = (t: number, i: number) => `Customer ${t} wrote (message ${i}): my card ends in ${String(1000 + t)} and ${'I would like a refund please '.repeat(3)}#${t}.${i}`;
const spansOf = (trace: string, t: number): SpanUpsert[] =>
  Array.from({ length: 6 }, (_, i) => ({
    id: `s${i}`, traceId: trace, kind: 'llm', name: `call ${i}`, startTime: 1_700_000_000_000_000 + t * 1000 + i,
    input: [{ role: 'system', content: SYSTEM }, { role: 'user', content: secret(t, i) }],
    output: `Answer to ${secret(t, i)}`,
    attributes: { 'llm.input_messages.1.message.content': secret(t, i), 'input.value': JSON.stringify({ messages: [SYSTEM, secret(t, i)] }) },
    events: [{ name: 'note', time: 1_700_000_000_000_000 + t * 1000 + i, attributes: { 'a.long.attribute.key.name': secret(t, i + 50) } }],
  }));
const itemOf = (t: number, trace = `t${t}`): WriteItem => ({ projectId: 1, batch: { traces: [{ id: trace }], spans: spansOf(trace, t), scores: [] }, receivedAt: 1 });

/** Every chunk text in the file, rows and packs alike. */
function chunkTexts(file: string): string[] {
  const db = new Database(file, { readonly: true });
  const rows = db.prepare('SELECT body FROM chunks').pluck().all() as string[];
  const packs = db.prepare('SELECT body FROM chunk_packs').pluck().all() as Buffer[];
  db.close();
  return [...rows, ...packs.map((p) => inflateRawSync(p).toString('utf8'))];
}

const holds = (texts: string[], s: string) => texts.some((t) => t.includes(s));

/** The hot path and the compactor on one connection; write() compacts what it wrote before it returns. */
function writePathOn(file: string, chunkPackChars: number) {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 10000');
  const path = new SqliteWritePath(db);
  const compactor = new Compactor(db, { chunkPackChars });
  const write = (items: WriteItem[]) => {
    path.writeGroup(items);
    while (compactor.step().rows > 0);
  };
  return { db, path, compactor, write };
}

async function detailOf(store: SqliteStore, trace: string): Promise<unknown> {
  const d = await store.getTrace(1, trace);
  return d?.spans.map((s) => [s.id, s.input, s.output, s.attributes, s.events?.map((e) => e.attributes)]);
}

const wanted = (trace: string, t: number) => spansOf(trace, t).map((s) => [s.id, s.input, s.output, s.attributes, s.events?.map((e) => e.attributes)]);

for (const packChars of [4000, 0]) {
  test(`deleted traces' chunks are freed, the rest read back unchanged (${packChars ? 'packed' : 'rows only'})`, async () => {
    const file = join(dir, `free-${packChars}.db`);
    const store = new SqliteStore(file, { chunkPackChars: packChars });
    await store.init();
    for (let t = 0; t < 60; t += 3) await writeCompacted(store, [itemOf(t), itemOf(t + 1), itemOf(t + 2)]);
    expect(holds(chunkTexts(file), secret(7, 2))).toBe(true);
    expect(await store.collectGarbage()).toBeUndefined();

    const gone = Array.from({ length: 30 }, (_, i) => `t${2 * i + 1}`);
    expect((await store.deleteTraces(1, { ids: gone }, 100)).traces).toBe(30);
    const before = chunkTexts(file).length;
    const counts = await store.collectGarbage();
    expect(counts!.spansScanned).toBe(30 * 6);
    expect(counts!.chunksFreed).toBeGreaterThan(30 * 6);
    if (packChars) expect(counts!.packsRewritten + counts!.packsDeleted).toBeGreaterThan(0);
    else expect(chunkTexts(file).length).toBe(before - counts!.chunksFreed);

    const texts = chunkTexts(file);
    // An odd trace's own text is gone, except what the newest pack or the unpacked rows hold
    // (never freed: chunk-gc.ts); an even trace's stays, and so does what they share.
    const freed = Array.from({ length: 25 }, (_, i) => 2 * i + 1).filter((t) => !holds(texts, secret(t, 3)));
    expect(freed.length).toBeGreaterThanOrEqual(20);
    for (let t = 0; t < 60; t += 2) expect(holds(texts, secret(t, 3))).toBe(true);
    expect(holds(texts, SYSTEM)).toBe(true);
    for (let t = 0; t < 60; t += 2) expect(await detailOf(store, `t${t}`)).toEqual(wanted(`t${t}`, t));

    // Nothing deleted since: no cycle. A cycle with nothing to free frees nothing.
    expect(await store.collectGarbage()).toBeUndefined();
    await store.deleteTraces(1, { ids: ['t0'] }, 10);
    const again = await store.collectGarbage();
    expect(again!.spansScanned).toBe(29 * 6);
    // Written again after the cycle: new chunks, not the freed ones.
    await writeCompacted(store, [itemOf(1), itemOf(0)]);
    expect(await detailOf(store, 't1')).toEqual(wanted('t1', 1));
    expect(await detailOf(store, 't0')).toEqual(wanted('t0', 0));
    await store.close();
  });
}

test('a write during a cycle that repeats deleted text keeps the chunks it reuses', async () => {
  const file = join(dir, 'barrier.db');
  const made = new SqliteStore(file);
  await made.init();
  await made.close();
  const { db, path, compactor, write } = writePathOn(file, 4000);
  // 600 spans: the mark phase takes three steps at the smallest budget.
  for (let t = 0; t < 100; t += 5) write([0, 1, 2, 3, 4].map((i) => itemOf(t + i)));
  for (let t = 1; t < 100; t += 2) path.deleteTraces(1, { ids: [`t${t}`] }, 1);

  expect(compactor.collectChunks(0)).toEqual({ done: false, phase: 'mark' });
  // Mid-mark, a span the scan has passed gets an attribute repeating the deleted t11's text (its
  // chunks unreferenced, still in the writer's Map): the merge moves the row past the watermark,
  // the compactor encodes it again with those chunks, and only the write barrier marks them.
  const extra = { 'late.attribute': secret(11, 0) };
  write([{ projectId: 1, batch: { traces: [{ id: 't0' }], spans: [{ id: 's0', traceId: 't0', startTime: spansOf('t0', 0)[0].startTime, attributes: extra }], scores: [] }, receivedAt: 1 }]);
  // and a new trace repeats t1's text too
  write([itemOf(1, 'again-1')]);
  let progress = compactor.collectChunks(0);
  while (!progress.done && progress.phase === 'mark') progress = compactor.collectChunks(0);
  // Between sweep slices, traces repeat t3's text: its chunks are being freed, so the writer must
  // have forgotten them and store them anew.
  let n = 0;
  while (!progress.done) {
    write([itemOf(3, `again-3-${n++}`)]);
    progress = compactor.collectChunks(0);
  }
  expect(n).toBeGreaterThan(1);
  expect(progress.counts.chunksFreed).toBeGreaterThan(0);
  // The deleted t7's text after the cycle: it was freed and must be stored anew.
  write([itemOf(7, 'again-7')]);
  db.close();

  const store = new SqliteStore(file, { chunkPackChars: 4000 });
  await store.init();
  const t0 = wanted('t0', 0);
  (t0[0][3] as Record<string, unknown>)['late.attribute'] = secret(11, 0);
  expect(await detailOf(store, 't0')).toEqual(t0);
  const again: Array<[string, number]> = [['again-1', 1], ['again-7', 7], ['t98', 98]];
  for (let i = 0; i < n; i++) again.push([`again-3-${i}`, 3]);
  for (const [trace, t] of again) expect(await detailOf(store, trace)).toEqual(wanted(trace, t));
  const texts = chunkTexts(file);
  expect(holds(texts, secret(9, 3))).toBe(false);
  await store.close();
});

test('the retention purge collects after deletes, at most once per interval, and then reclaims the space', async () => {
  const file = join(dir, 'purge.db');
  const store = new SqliteStore(file, { chunkPackChars: 4000 });
  await store.init();
  for (let t = 0; t < 40; t += 4) await writeCompacted(store, [0, 1, 2, 3].map((i) => itemOf(t + i)));
  const collected: number[] = [];
  const purger = new RetentionPurger(store, { intervalMs: 0, gcIntervalMs: 60_000, onCollected: (c) => collected.push(c.chunksFreed) });
  // No retention and no deletes: nothing to collect.
  await purger.runOnce();
  expect(collected).toEqual([]);
  // A user's data deleted through the API: the next pass frees its content.
  await store.deleteTraces(1, { ids: Array.from({ length: 20 }, (_, i) => `t${i}`) }, 100);
  await purger.runOnce();
  expect(collected.length).toBe(1);
  expect(holds(chunkTexts(file), secret(4, 3))).toBe(false);
  // More deletes within the interval wait for the next one.
  await store.deleteTraces(1, { ids: ['t30'] }, 10);
  await purger.runOnce();
  expect(collected.length).toBe(1);
  await purger.stop();
  await store.close();
});
