// Content-addressed strings: what goes in comes back unchanged through the store (on the read
// worker), and repeated long strings are stored once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { SpanUpsert } from '../../model/batch.js';
import { SqliteStore } from './index.js';

let dir: string;
let store: SqliteStore;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-blobs-'));
  store = new SqliteStore(join(dir, 'loupe.db'));
  await store.init();
});

afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const system = `You are a careful assistant. ${'Follow the policy. '.repeat(40)}`;
const long = (n: number) => `Message ${n}: ${'lorem ipsum dolor '.repeat(30)}`;

test('long strings, canonical JSON strings and marker-like strings read back unchanged', async () => {
  const messages = [{ role: 'system', content: system }, { role: 'user', content: long(1) }];
  const canonical = JSON.stringify({ model: 'm', messages });
  const spans: SpanUpsert[] = [1, 2, 3].map((i) => ({
    id: `s${i}`, traceId: 't1', kind: 'llm', name: `call ${i}`, startTime: 1_700_000_000_000_000 + i,
    input: [...messages, ...Array.from({ length: i }, (_, k) => ({ role: 'assistant', content: long(k + 10) }))],
    output: long(100 + i),
    attributes: {
      'llm.input_messages.0.message.content': system,
      'input.value': canonical,
      'not.canonical': `{ "spaced": true, "pad": "${'x'.repeat(300)}" }`,
      'marker.0': '\ue000looks like a reference',
      'marker.1': `\ue001${'y'.repeat(300)}`,
      'marker.2': '\ue002', 'marker.3': '\u0000old',
      short: 'ok', n: 3, list: [long(7), 'a', { deep: long(8) }, { tiny: 1 }],
      'llm.input_messages.1.message.role': 'user',
      'llm.input_messages.1.message.content': long(1),
      'retrieval.documents.0.document.id': 'd0',
      '\ue003weird.key': 'v', '\ue002other': { '\ue000k': 1 },
    },
    events: [{ name: 'exception', time: 1_700_000_000_000_100, attributes: { 'exception.stacktrace': long(9) } }],
  }));
  await store.writeGroup([{ projectId: 1, batch: { traces: [{ id: 't1', name: 'blobs' }], spans, scores: [] }, receivedAt: 1_700_000_000_000_000 }]);
  const detail = await store.getTrace(1, 't1');
  expect(detail?.spans.length).toBe(3);
  for (const s of spans) {
    const got = detail!.spans.find((x) => x.id === s.id)!;
    expect(got.input).toEqual(s.input);
    expect(got.output).toEqual(s.output);
    expect(got.attributes).toEqual(s.attributes);
    expect(got.events[0].attributes).toEqual(s.events![0].attributes);
  }
  const listed = await store.listSpans(1, { traceId: 't1' }, { limit: 10, order: 'asc' });
  expect(listed.data.map((s) => s.attributes)).toEqual(spans.map((s) => s.attributes));

  // The system prompt, sent 3 times in input and 3 times in attributes (and inside input.value), is one blob.
  const db = new Database(join(dir, 'loupe.db'), { readonly: true });
  const bodies = db.prepare('SELECT body FROM blobs').pluck().all() as string[];
  db.close();
  expect(bodies.filter((b) => b === system).length).toBe(1);
  expect(new Set(bodies).size).toBe(bodies.length); // within one writer's memory, nothing twice
});

test('a re-sent span keeps reading the same after its blobs are reused', async () => {
  const span: SpanUpsert = { id: 'r1', traceId: 't2', kind: 'tool', startTime: 1_700_000_000_000_000, input: { q: long(1) }, output: long(2) };
  for (let i = 0; i < 2; i++) await store.writeGroup([{ projectId: 1, batch: { traces: [], spans: [span], scores: [] }, receivedAt: 1 }]);
  const d = await store.getTrace(1, 't2');
  expect(d?.spans[0].input).toEqual(span.input);
  expect(d?.spans[0].output).toEqual(span.output);
});
