// Span JSON stored as chunks: what goes in comes back unchanged through the store (on the read
// worker), repeated long strings are stored once, a growing conversation keeps its pieces, and
// values written in the earlier blob format still read back.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { SpanUpsert } from '../../model/batch.js';
import { SqliteStore } from './index.js';
import { pieceEnds } from './chunks.js';
import { writeCompacted } from '../../../test/support/compacted.js';

let dir: string;
let store: SqliteStore;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-chunks-'));
  store = new SqliteStore(join(dir, 'loupe.db'));
  await store.init();
});

afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const system = `You are a careful assistant. ${'Follow the policy. '.repeat(40)}`;
const long = (n: number) => `Message ${n}: ${'lorem ipsum dolor '.repeat(30)}`;
const bodies = () => {
  const db = new Database(join(dir, 'loupe.db'), { readonly: true });
  const all = db.prepare('SELECT body FROM chunks').pluck().all() as string[];
  db.close();
  return all;
};

test('long strings, JSON strings and marker-like strings and keys read back unchanged', async () => {
  const messages = [{ role: 'system', content: system }, { role: 'user', content: long(1) }];
  const request = JSON.stringify({ model: 'm', messages, pad: 'p'.repeat(1200) });
  const spans: SpanUpsert[] = [1, 2, 3].map((i) => ({
    id: `s${i}`, traceId: 't1', kind: 'llm', name: `call ${i}`, startTime: 1_700_000_000_000_000 + i,
    input: [...messages, ...Array.from({ length: i }, (_, k) => ({ role: 'assistant', content: long(k + 10) }))],
    output: long(100 + i),
    attributes: {
      'llm.input_messages.0.message.content': system,
      'input.value': request,
      'not.canonical': `{ "spaced": true, "pad": "${'x'.repeat(300)}" }`,
      'marker.0': '\ue000looks like a reference', 'marker.4': '\ue004zz', 'marker.5': `\ue005${'y'.repeat(300)}`,
      'marker.2': '\ue002', 'marker.3': '\u0000old', unicode: `héllo ✓ ${'ü'.repeat(100)}`,
      short: 'ok', n: 3, list: [long(7), 'a', { deep: long(8) }, { tiny: 1 }],
      '\ue004weird.key': 'v', '\ue002other': { '\ue005k': 1 }, [`\ue004${'long.marked.key.'.repeat(2)}`]: 1,
      '12345678901234567890': 'numeric-looking long key', '7': 'index key', [`nested.${'k'.repeat(20)}`]: { [`inner.${'j'.repeat(20)}`]: [1] },
    },
    events: [{ name: 'exception', time: 1_700_000_000_000_100, attributes: { 'exception.stacktrace': long(9) } }],
  }));
  await writeCompacted(store, [{ projectId: 1, batch: { traces: [{ id: 't1', name: 'chunks' }], spans, scores: [] }, receivedAt: 1_700_000_000_000_000 }]);
  const detail = await store.getTrace(1, 't1');
  expect(detail?.spans.length).toBe(3);
  for (const s of spans) {
    const got = detail!.spans.find((x) => x.id === s.id)!;
    expect(got.input).toEqual(s.input);
    expect(got.output).toEqual(s.output);
    expect(JSON.stringify(got.attributes)).toBe(JSON.stringify(s.attributes));
    expect(got.events[0].attributes).toEqual(s.events![0].attributes);
  }
  const listed = await store.listSpans(1, { traceId: 't1' }, { limit: 10, order: 'asc' });
  expect(listed.data.map((s) => s.attributes)).toEqual(spans.map((s) => s.attributes));

  // The system prompt, sent 3 times in input and 3 times in attributes, is one chunk.
  const all = bodies();
  expect(all.filter((b) => b === system).length).toBe(1);
  // So is a long key, sent in every span's attributes.
  expect(all.filter((b) => b === 'llm.input_messages.0.message.content').length).toBe(1);
  // Within one writer's memory nothing is stored twice but a span's own skeleton (the JSON left
  // around the references), which is not looked up: two spans rarely share one.
  const twice = all.filter((b, i) => all.indexOf(b) !== i);
  expect(twice.length).toBeLessThan(all.length / 4);
  for (const b of twice) {
    expect(b).toMatch(/^[[{]/);
    expect(b).toMatch(/[\ue004\ue005]/);
    expect(() => JSON.parse(b)).not.toThrow();
  }
});

test('a conversation that grows by a message per call keeps the pieces it had', async () => {
  const before = bodies().length;
  const turns = Array.from({ length: 12 }, (_, k) => ({ role: k % 2 ? 'assistant' : 'user', content: `turn ${k}: ${'words and more words '.repeat(8)}` }));
  const spans: SpanUpsert[] = turns.map((_, k) => ({
    id: `g${k}`, traceId: 't3', kind: 'llm', startTime: 1_700_000_000_000_000 + k,
    attributes: { 'input.value': JSON.stringify({ model: 'm', messages: turns.slice(0, k + 1) }) },
  }));
  for (const s of spans) await writeCompacted(store, [{ projectId: 1, batch: { traces: [], spans: [s], scores: [] }, receivedAt: 1 }]);
  const made = bodies().slice(before);
  const stored = made.reduce((n, b) => n + b.length, 0);
  const sent = spans.reduce((n, s) => n + (s.attributes!['input.value'] as string).length, 0);
  // Each call stores its new message and its last one again (that piece now ends differently),
  // not the whole conversation: linear in the conversation, not quadratic.
  expect(stored).toBeLessThan(sent / 3);
  const d = await store.getTrace(1, 't3');
  expect(d!.spans.map((s) => s.attributes['input.value'])).toEqual(spans.map((s) => s.attributes!['input.value']));
});

test('pieces cut just before `,"` and join back to the text', () => {
  const text = JSON.stringify(Array.from({ length: 50 }, (_, i) => ({ k: `value ${i} `.repeat(5) })));
  const ends = pieceEnds(text);
  expect(ends[ends.length - 1]).toBe(text.length);
  for (const e of ends.slice(0, -1)) expect(text.slice(e, e + 2)).toBe(',"');
  expect(pieceEnds('x'.repeat(10_000)).every((e, i, a) => e - (a[i - 1] ?? 0) <= 4096)).toBe(true);
});

test('a re-sent span keeps reading the same after its chunks are reused', async () => {
  const span: SpanUpsert = { id: 'r1', traceId: 't2', kind: 'tool', startTime: 1_700_000_000_000_000, input: { q: long(1) }, output: long(2) };
  for (let i = 0; i < 2; i++) await writeCompacted(store, [{ projectId: 1, batch: { traces: [], spans: [span], scores: [] }, receivedAt: 1 }]);
  const d = await store.getTrace(1, 't2');
  expect(d?.spans[0].input).toEqual(span.input);
  expect(d?.spans[0].output).toEqual(span.output);
});

test('span JSON written in the earlier blob format still reads back', async () => {
  await writeCompacted(store, [{ projectId: 1, batch: { traces: [], spans: [{ id: 'o1', traceId: 't4', kind: 'llm', startTime: 1_700_000_000_000_000 }], scores: [] }, receivedAt: 1 }]);
  const db = new Database(join(dir, 'loupe.db'));
  const id = Number(db.prepare('INSERT INTO blobs (hash, body) VALUES (?, ?)').run('h', long(3)).lastInsertRowid);
  db.prepare("UPDATE spans SET input = ?, attributes = ? WHERE id = 'o1'").run(JSON.stringify([{ role: 'user', content: `\ue000${id.toString(36)}` }]), JSON.stringify({ a: `\ue000${id.toString(36)}`, '\ue002\ue000k': 1 }));
  db.close();
  const d = await store.getTrace(1, 't4');
  expect(d?.spans[0].input).toEqual([{ role: 'user', content: long(3) }]);
  expect(d?.spans[0].attributes).toEqual({ a: long(3), '\ue000k': 1 });
});

test('the WAL stays bounded while the hot path and the compactor both write', async () => {
  const walDir = mkdtempSync(join(tmpdir(), 'loupe-wal-'));
  const file = join(walDir, 'loupe.db');
  // Two connections write (the hot path and the compactor): a long WAL is copied by a FULL pass.
  const s = new SqliteStore(file, { readWorker: false, walRestartFrames: 64 });
  await s.init();
  const { statSync } = await import('node:fs');
  let written = 0;
  // the compactor's thread up and running first (its start takes longer than the groups below)
  await writeCompacted(s, [{ projectId: 1, batch: { traces: [], spans: [{ id: 'first', traceId: 'wal', startTime: 1_700_000_000_000_000 }], scores: [] }, receivedAt: 1 }]);
  for (let g = 0; g < 120; g++) {
    const spans: SpanUpsert[] = Array.from({ length: 200 }, (_, i) => ({ id: `w${g}-${i}`, traceId: `wal${g}`, kind: 'span', startTime: 1_700_000_000_000_000 + i, attributes: { note: `${g}/${i} ${'x'.repeat(400)}` } }));
    written += spans.length * 450;
    // each group compacted (and the WAL checkpointed after the step) before the next: how far the
    // WAL may grow while the compactor keeps up; when it does not, writes are refused (compaction.test.ts)
    await writeCompacted(s, [{ projectId: 1, batch: { traces: [], spans, scores: [] }, receivedAt: 1 }]);
  }
  // Without checkpoints the WAL would hold every page written (more than `written` bytes, and the
  // compactor writes each row again); the file keeps its largest size, reached between two restarts.
  expect(statSync(`${file}-wal`).size).toBeLessThan(written / 4);
  expect((await s.getTrace(1, 'wal119'))?.spans).toHaveLength(200);
  await s.close();
  rmSync(walDir, { recursive: true, force: true });
});
