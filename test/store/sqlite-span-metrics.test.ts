// The span metrics rollup against a real SQLite file: after every write group it equals a
// recomputation from the spans table, through start/end parts in either order, batches written
// twice (in one group and in two), spans that change kind, model, status, start hour or usage,
// traces new in the group and traces from earlier groups; and migration 8 backfills it.
import { afterEach, beforeEach, expect, test } from 'vitest';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/store/sqlite/index.js';
import type { Batch, SpanUpsert } from '../../src/model/batch.js';
import type { SpanKind, SpanStatus } from '../../src/model/enums.js';
import type { WriteItem } from '../../src/store/store.js';
import { comparable, random, recomputedRollup, storedRollup } from '../support/span-metrics.js';

const H0 = 1_772_359_200_000_000; // 2026-03-01T10:00:00Z
const HOUR = 3_600_000_000;

let dir: string;
let file: string;
let store: SqliteStore;
let project: number;
let other: number;
let db: Database.Database;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-span-metrics-'));
  file = join(dir, 'loupe.db');
  store = new SqliteStore(file, { readWorker: false });
  await store.init();
  project = (await store.ensureProject('p')).id;
  other = (await store.ensureProject('q')).id;
  db = new Database(file, { readonly: true });
});

afterEach(async () => {
  db.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const batch = (spans: SpanUpsert[]): Batch => ({ traces: [], spans, scores: [] });
const item = (spans: SpanUpsert[], projectId = project, receivedAt = H0 + 30 * 60_000_000): WriteItem => ({ projectId, receivedAt, batch: batch(spans) });

function expectConsistent(): void {
  expect(comparable(storedRollup(db))).toEqual(comparable(recomputedRollup(db)));
}

test('a start part then an end part, and the end part first', async () => {
  // s1: start, then end with usage; s2: end part first (its start falls back to receivedAt), then the start moves it an hour back.
  await store.writeGroup([item([{ id: 's1', traceId: 't1', kind: 'llm', model: 'm', startTime: H0 + 1000 }])]);
  expectConsistent();
  await store.writeGroup([item([{ id: 's1', traceId: 't1', endTime: H0 + 51_000, status: 'ok', usage: { inputTokens: 10, outputTokens: 3 }, costUsd: 0.25 }])]);
  expectConsistent();
  await store.writeGroup([item([{ id: 's2', traceId: 't2', endTime: H0 + 2 * HOUR, kind: 'tool' }], project, H0 + HOUR + 5)]);
  expectConsistent();
  await store.writeGroup([item([{ id: 's2', traceId: 't2', startTime: H0 + 10, model: 'x' }])]);
  expectConsistent();
  const rows = comparable(storedRollup(db)).filter((r) => r.key.startsWith(`${project}|${HOUR}|`));
  expect(rows.map((r) => [r.key, r.count, r.durCount, r.inputTokens, r.costCount])).toEqual([
    [`${project}|${HOUR}|${H0}|llm|ok|m`, 1, 1, 10, 1],
    [`${project}|${HOUR}|${H0}|tool|unset|x`, 1, 1, 0, 0],
  ]);
});

test('the same batch twice, in one group and in two', async () => {
  const spans: SpanUpsert[] = [
    { id: 'a', traceId: 't', kind: 'llm', model: 'm', startTime: H0 + 5, endTime: H0 + 9005, usage: { inputTokens: 7, outputTokens: 1 }, costUsd: 0.1 },
    { id: 'b', traceId: 't', kind: 'embedding', startTime: H0 + 7, endTime: H0 + 70, usage: { inputTokens: 3 } },
    { id: 'c', traceId: 't', startTime: H0 + HOUR + 1 },
  ];
  await store.writeGroup([item(spans), item(spans)]);
  expectConsistent();
  await store.writeGroup([item(spans)]);
  expectConsistent();
  const total = [...storedRollup(db).values()].reduce((n, r) => n + r.count, 0);
  expect(total).toBe(2 * 3); // hour rows and day rows
});

test('a span that changes kind, model and status; error sticks', async () => {
  const steps: Array<Partial<SpanUpsert>> = [
    { startTime: H0 + 100 },
    { kind: 'llm', usage: { inputTokens: 5 }, costUsd: 0.5 },
    { model: 'a', endTime: H0 + 2100 },
    { model: 'b', status: 'error' },
    { status: 'ok', kind: 'agent' },
    { startTime: H0 + 3 * HOUR, kind: 'embedding', usage: { inputTokens: 9, outputTokens: 2 } },
  ];
  for (const s of steps) {
    await store.writeGroup([item([{ id: 'x', traceId: 't', ...s }])]);
    expectConsistent();
  }
  const day = H0 - (H0 % (24 * HOUR));
  expect(comparable(storedRollup(db)).map((r) => [r.key, r.count, r.inputTokens, r.outputTokens, r.costUsd])).toEqual([
    [`${project}|${HOUR}|${H0 + 3 * HOUR}|embedding|error|b`, 1, 9, 2, 0.5],
    [`${project}|${24 * HOUR}|${day}|embedding|error|b`, 1, 9, 2, 0.5],
  ]);
  // all steps in one group: the rollup sees only the net change
  await store.writeGroup(steps.map((s) => item([{ id: 'y', traceId: 'u', ...s }])));
  expectConsistent();
});

const KINDS: Array<SpanKind | undefined> = [undefined, 'llm', 'embedding', 'tool', 'agent', 'span'];
const MODELS: Array<string | undefined> = [undefined, 'gpt-4o', 'claude', ''];
const STATUSES: Array<SpanStatus | undefined> = [undefined, 'ok', 'error', 'unset'];

test('random upsert sequences over new and existing traces, in random groups', async () => {
  const rnd = random(7);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const part = (id: string, traceId: string): SpanUpsert => {
    const s: SpanUpsert = { id, traceId };
    // over three UTC days, so spans also move between day rows
    if (rnd() < 0.6) s.startTime = H0 + Math.floor(rnd() * 60 * HOUR);
    if (rnd() < 0.5) s.endTime = rnd() < 0.3 ? H0 + Math.floor(rnd() * 60 * HOUR) : (s.startTime ?? H0) + Math.floor(rnd() * 10_000_000);
    if (rnd() < 0.5) s.kind = pick(KINDS);
    if (rnd() < 0.4) s.model = pick(MODELS);
    if (rnd() < 0.4) s.status = pick(STATUSES);
    if (rnd() < 0.4) s.usage = { inputTokens: Math.floor(rnd() * 1000), ...(rnd() < 0.5 ? { outputTokens: Math.floor(rnd() * 100) } : {}) };
    if (rnd() < 0.3) s.costUsd = Math.round(rnd() * 1e6) / 1e7;
    return s;
  };
  for (let g = 0; g < 60; g++) {
    const items: WriteItem[] = [];
    const nItems = 1 + Math.floor(rnd() * 3);
    for (let i = 0; i < nItems; i++) {
      const spans: SpanUpsert[] = [];
      const n = 1 + Math.floor(rnd() * 20);
      // trace ids reach back to earlier groups (existing traces) and forward (new ones)
      for (let k = 0; k < n; k++) spans.push(part(`s${Math.floor(rnd() * 6)}`, `t${Math.floor(rnd() * (g + 3))}`));
      if (rnd() < 0.2) spans.push(...spans.slice(0, 3));
      items.push(item(spans, rnd() < 0.8 ? project : other, H0 + Math.floor(rnd() * 4 * HOUR)));
    }
    await store.writeGroup(items);
    expectConsistent();
  }
  expect(storedRollup(db).size).toBeGreaterThan(20);
});

test('a group that fails leaves the rollup as it was, and the next group is applied alone', async () => {
  await store.writeGroup([item([{ id: 'a', traceId: 't', kind: 'llm', startTime: H0, endTime: H0 + 10 }])]);
  const before = comparable(storedRollup(db));
  // a score on an unknown value type makes the transaction throw after the span upserts ran
  const bad = { projectId: project, receivedAt: H0, batch: { traces: [], spans: [{ id: 'b', traceId: 't', kind: 'tool', startTime: H0 } as SpanUpsert], scores: [{ id: 'x', traceId: 't', name: 'n', value: 1, source: 'api', createdAt: null }] } } as unknown as WriteItem;
  await expect(store.writeGroup([bad])).rejects.toThrow();
  expect(comparable(storedRollup(db))).toEqual(before);
  await store.writeGroup([item([{ id: 'c', traceId: 't', kind: 'tool', startTime: H0 + 1 }])]);
  expectConsistent();
  expect([...storedRollup(db).values()].reduce((n, r) => n + r.count, 0)).toBe(2 * 2);
});

test('migration 8 backfills the rollup of a database that had spans before it', async () => {
  const spans: SpanUpsert[] = [];
  for (let i = 0; i < 300; i++) {
    spans.push({ id: `s${i}`, traceId: `t${i % 17}`, kind: KINDS[i % KINDS.length], model: MODELS[i % MODELS.length], status: STATUSES[i % STATUSES.length],
      startTime: H0 + i * 97_000_000, ...(i % 5 ? { endTime: H0 + i * 97_000_000 + i * 1_337 } : {}), usage: { inputTokens: i, outputTokens: i % 7 }, ...(i % 3 ? { costUsd: i / 1000 } : {}) });
  }
  await store.writeGroup([item(spans), item(spans.slice(0, 40), other)]);
  const built = comparable(storedRollup(db));
  expect(built.length).toBeGreaterThan(50);
  await store.close();
  // back to the schema before migration 8, with the spans in place
  const raw = new Database(file);
  raw.exec('DROP TABLE span_metrics; DELETE FROM schema_migrations WHERE version = 8');
  raw.close();
  store = new SqliteStore(file, { readWorker: false });
  await store.init();
  expect(comparable(storedRollup(db))).toEqual(built);
  expectConsistent();
});
