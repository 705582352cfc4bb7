// The span and trace metrics rollups against a real SQLite file: after every write group they
// equal a recomputation from the spans and traces tables, through start/end parts in either
// order, batches written twice (in one group and in two), spans that change kind, model, status,
// start hour or usage, traces whose status, times or rollups change, traces new in the group and
// traces from earlier groups, traces made by a score alone; and migrations 9 and 10 backfill them.
import { afterEach, beforeEach, expect, test } from 'vitest';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/store/sqlite/index.js';
import type { Batch, ScoreUpsert, SpanUpsert, TraceUpsert } from '../../src/model/batch.js';
import type { SpanKind, SpanStatus, TraceStatus } from '../../src/model/enums.js';
import type { WriteItem } from '../../src/store/store.js';
import { comparable, recomputedRollup, storedRollup } from '../support/metric-rollups.js';
import { prng } from '../helpers/otlp.js';

const H0 = 1_772_359_200_000_000; // 2026-03-01T10:00:00Z
const HOUR = 3_600_000_000;

let dir: string;
let file: string;
let store: SqliteStore;
let project: number;
let other: number;
let db: Database.Database;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-metric-rollups-'));
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

const batch = (spans: SpanUpsert[], traces: TraceUpsert[] = [], scores: ScoreUpsert[] = []): Batch => ({ traces, spans, scores });
const item = (spans: SpanUpsert[], projectId = project, receivedAt = H0 + 30 * 60_000_000, traces: TraceUpsert[] = [], scores: ScoreUpsert[] = []): WriteItem => (
  { projectId, receivedAt, batch: batch(spans, traces, scores) });

/** The rollups equal a recomputation from the tables, once the compactor has caught up. */
async function expectConsistent(): Promise<void> {
  await store.compacted();
  expect(comparable(storedRollup(db, 'span'))).toEqual(comparable(recomputedRollup(db, 'span')));
  expect(comparable(storedRollup(db, 'trace'))).toEqual(comparable(recomputedRollup(db, 'trace')));
}

test('a start part then an end part, and the end part first', async () => {
  // s1: start, then end with usage; s2: end part first (its start falls back to receivedAt), then the start moves it an hour back.
  await store.writeGroup([item([{ id: 's1', traceId: 't1', kind: 'llm', model: 'm', startTime: H0 + 1000 }])]);
  await expectConsistent();
  await store.writeGroup([item([{ id: 's1', traceId: 't1', endTime: H0 + 51_000, status: 'ok', usage: { inputTokens: 10, outputTokens: 3 }, costUsd: 0.25 }])]);
  await expectConsistent();
  await store.writeGroup([item([{ id: 's2', traceId: 't2', endTime: H0 + 2 * HOUR, kind: 'tool' }], project, H0 + HOUR + 5)]);
  await expectConsistent();
  await store.writeGroup([item([{ id: 's2', traceId: 't2', startTime: H0 + 10, model: 'x' }])]);
  await expectConsistent();
  const rows = comparable(storedRollup(db, 'span')).filter((r) => r.key.startsWith(`${project}|${HOUR}|`));
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
  await expectConsistent();
  await store.writeGroup([item(spans)]);
  await expectConsistent();
  const total = [...storedRollup(db, 'span').values()].reduce((n, r) => n + r.count, 0);
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
    await expectConsistent();
  }
  const day = H0 - (H0 % (24 * HOUR));
  expect(comparable(storedRollup(db, 'span')).map((r) => [r.key, r.count, r.inputTokens, r.outputTokens, r.costUsd])).toEqual([
    [`${project}|${HOUR}|${H0 + 3 * HOUR}|embedding|error|b`, 1, 9, 2, 0.5],
    [`${project}|${24 * HOUR}|${day}|embedding|error|b`, 1, 9, 2, 0.5],
  ]);
  // all steps in one group: the rollup sees only the net change
  await store.writeGroup(steps.map((s) => item([{ id: 'y', traceId: 'u', ...s }])));
  await expectConsistent();
});

const KINDS: Array<SpanKind | undefined> = [undefined, 'llm', 'embedding', 'tool', 'agent', 'span'];
const MODELS: Array<string | undefined> = [undefined, 'gpt-4o', 'claude', ''];
const STATUSES: Array<SpanStatus | undefined> = [undefined, 'ok', 'error', 'unset'];
const TRACE_STATUSES: Array<TraceStatus | undefined> = [undefined, undefined, 'success', 'error', 'pending'];

test('random upsert sequences over new and existing traces, in random groups', async () => {
  const rnd = prng(7);
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
  const tracePart = (id: string): TraceUpsert => {
    const t: TraceUpsert = { id };
    if (rnd() < 0.3) t.status = pick(TRACE_STATUSES);
    if (rnd() < 0.3) t.startTime = H0 + Math.floor(rnd() * 60 * HOUR);
    if (rnd() < 0.2) t.endTime = H0 + Math.floor(rnd() * 62 * HOUR);
    if (rnd() < 0.1) t.durationMs = Math.floor(rnd() * 100_000);
    if (rnd() < 0.3) t.name = 'n';
    return t;
  };
  for (let g = 0; g < 60; g++) {
    const items: WriteItem[] = [];
    const nItems = 1 + Math.floor(rnd() * 3);
    for (let i = 0; i < nItems; i++) {
      const spans: SpanUpsert[] = [];
      const n = 1 + Math.floor(rnd() * 20);
      // trace ids reach back to earlier groups (existing traces) and forward (new ones)
      const traceId = () => `t${Math.floor(rnd() * (g + 3))}`;
      for (let k = 0; k < n; k++) spans.push(part(`s${Math.floor(rnd() * 6)}`, traceId()));
      if (rnd() < 0.2) spans.push(...spans.slice(0, 3));
      const traces = Array.from({ length: Math.floor(rnd() * 4) }, () => tracePart(traceId()));
      const scores: ScoreUpsert[] = rnd() < 0.2 ? [{ id: `sc${g}-${i}`, traceId: traceId(), name: 'q', value: 1, source: 'api', createdAt: H0 + Math.floor(rnd() * 60 * HOUR) }] : [];
      items.push(item(spans, rnd() < 0.8 ? project : other, H0 + Math.floor(rnd() * 4 * HOUR), traces, scores));
    }
    await store.writeGroup(items);
    await expectConsistent();
  }
  expect(storedRollup(db, 'span').size).toBeGreaterThan(20);
  expect(storedRollup(db, 'trace').size).toBeGreaterThan(10);
});

test('a group that fails leaves the rollup as it was, and the next group is applied alone', async () => {
  await store.writeGroup([item([{ id: 'a', traceId: 't', kind: 'llm', startTime: H0, endTime: H0 + 10 }])]);
  const before = comparable(storedRollup(db, 'span'));
  // a score on an unknown value type makes the transaction throw after the span upserts ran
  const bad = { projectId: project, receivedAt: H0, batch: { traces: [], spans: [{ id: 'b', traceId: 't', kind: 'tool', startTime: H0 } as SpanUpsert], scores: [{ id: 'x', traceId: 't', name: 'n', value: 1, source: 'api', createdAt: null }] } } as unknown as WriteItem;
  await expect(store.writeGroup([bad])).rejects.toThrow();
  expect(comparable(storedRollup(db, 'span'))).toEqual(before);
  await store.writeGroup([item([{ id: 'c', traceId: 't', kind: 'tool', startTime: H0 + 1 }])]);
  await expectConsistent();
  expect([...storedRollup(db, 'span').values()].reduce((n, r) => n + r.count, 0)).toBe(2 * 2);
});

test('a trace made by a score alone, then given spans and an end', async () => {
  await store.writeGroup([item([], project, H0, [], [{ id: 'x', traceId: 'lonely', name: 'q', value: 'good', source: 'api', createdAt: H0 + 5 }])]);
  await expectConsistent();
  expect([...storedRollup(db, 'trace').values()].map((r) => [r.key, r.count, r.durCount])).toEqual([
    [`${project}|${HOUR}|${H0}|pending`, 1, 0], [`${project}|${24 * HOUR}|${H0 - (H0 % (24 * HOUR))}|pending`, 1, 0],
  ]);
  await store.writeGroup([item([{ id: 'a', traceId: 'lonely', kind: 'llm', startTime: H0 - HOUR, endTime: H0 + 100, usage: { inputTokens: 4 }, costUsd: 0.5 }])]);
  await expectConsistent();
  await store.writeGroup([item([], project, H0, [{ id: 'lonely', status: 'error', endTime: H0 + 2 * HOUR }])]);
  await expectConsistent();
  expect(comparable(storedRollup(db, 'trace')).map((r) => [r.key, r.count, r.durCount, r.inputTokens, r.costUsd])).toEqual([
    [`${project}|${HOUR}|${H0 - HOUR}|error`, 1, 1, 4, 0.5], [`${project}|${24 * HOUR}|${H0 - (H0 % (24 * HOUR))}|error`, 1, 1, 4, 0.5],
  ]);
});

test('migration 14 builds the rollups of a database that had spans and traces before them, or rollups without cache counts', async () => {
  const spans: SpanUpsert[] = [];
  for (let i = 0; i < 300; i++) {
    spans.push({ id: `s${i}`, traceId: `t${i % 17}`, kind: KINDS[i % KINDS.length], model: MODELS[i % MODELS.length], status: STATUSES[i % STATUSES.length],
      startTime: H0 + i * 97_000_000, ...(i % 5 ? { endTime: H0 + i * 97_000_000 + i * 1_337 } : {}),
      usage: { inputTokens: i, outputTokens: i % 7, cacheReadTokens: i % 4, ...(i % 6 ? {} : { cacheWriteTokens: 3 }) }, ...(i % 3 ? { costUsd: i / 1000 } : {}) });
  }
  await store.writeGroup([item(spans), item(spans.slice(0, 40), other)]);
  await store.compacted();
  const built = [comparable(storedRollup(db, 'span')), comparable(storedRollup(db, 'trace'))];
  expect(built[0].length).toBeGreaterThan(50);
  expect(built[1].length).toBeGreaterThan(5);
  await store.close();
  const cache = () => db.prepare('SELECT sum(cache_read_tokens), sum(cache_write_tokens) FROM span_metrics WHERE width = ?').raw().get(HOUR);
  const cached = cache();
  // cache counts of llm and embedding spans only, both projects
  const usage = (s: SpanUpsert) => (s.kind === 'llm' || s.kind === 'embedding' ? s.usage!.cacheReadTokens! : 0);
  expect(cached).toEqual([spans.reduce((a, s) => a + usage(s), 0) + spans.slice(0, 40).reduce((a, s) => a + usage(s), 0), expect.any(Number)]);
  expect((cached as number[])[0]).toBeGreaterThan(0);
  /** Takes the file back to an older schema with `sql`, opens it again: the migrations rebuild the rollups as they were. */
  const migratedFrom = async (sql: string) => {
    await store.close();
    const raw = new Database(file);
    raw.exec(sql);
    raw.close();
    store = new SqliteStore(file, { readWorker: false });
    await store.init();
    expect([comparable(storedRollup(db, 'span')), comparable(storedRollup(db, 'trace'))]).toEqual(built);
    expect(cache()).toEqual(cached);
    await expectConsistent();
  };
  // back to the schema before migration 9, with the spans and traces in place
  await migratedFrom('DROP TABLE span_metrics; DROP TABLE trace_metrics; DELETE FROM schema_migrations WHERE version IN (9, 10, 14)');
  // back to rollups without cache columns (a database at migration 13)
  await migratedFrom(`DELETE FROM schema_migrations WHERE version = 14;
    ${['span_metrics', 'trace_metrics'].flatMap((t) => [`ALTER TABLE ${t} DROP COLUMN cache_read_tokens;`, `ALTER TABLE ${t} DROP COLUMN cache_write_tokens;`]).join('\n')}`);
});
