// Trace lists filtered by duration take one of two plans on SQLite (SqliteReads.durationListSql):
// sorting the few matches out of the duration index, or walking start-time order when many
// match. Both must give the same pages. One store forces the walk (a probe limit of 1), the
// other keeps the default, so every filter here runs both plans over the same file; and an
// EXPLAIN of the statement each one ran checks that it took the plan its limit implies.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteStore } from '../../src/store/sqlite/index.js';
import { SqliteReads } from '../../src/store/sqlite/reads.js';
import { emptyBatch } from '../../src/model/batch.js';
import type { TraceFilter } from '../../src/query/filter.js';
import type { Order } from '../../src/query/filter.js';

const T0 = 1_772_359_200_000_000;
const N = 40;
let dir: string;
let sorting: SqliteStore;
let walking: SqliteStore;
let project: number;

/** Trace i: three traces per start time, durations 0, 100, …, 3900 ms in a scrambled order. */
const durationOf = (i: number) => ((i * 17) % N) * 100;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-duration-list-'));
  const file = join(dir, 'loupe.db');
  sorting = new SqliteStore(file);
  await sorting.init();
  project = (await sorting.ensureProject('p')).id;
  const other = (await sorting.ensureProject('other')).id;
  const b = emptyBatch();
  for (let i = 0; i < N; i++) {
    const start = T0 + Math.floor(i / 3) * 1_000_000;
    b.traces.push({ id: `t${i}`, startTime: start, endTime: start + durationOf(i) * 1000, status: i % 4 === 0 ? 'error' : 'success' });
  }
  const o = emptyBatch();
  o.traces.push({ id: 'elsewhere', startTime: T0, endTime: T0 + 3_000_000 });
  await sorting.writeGroup([{ projectId: project, batch: b, receivedAt: T0 }, { projectId: other, batch: o, receivedAt: T0 }]);
  walking = new SqliteStore(file, { durationProbeLimit: 1 });
  await walking.init();
});

afterAll(async () => {
  await walking.close();
  await sorting.close();
  rmSync(dir, { recursive: true, force: true });
});

async function allPages(store: SqliteStore, filter: TraceFilter, order: Order): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listTraces(project, filter, { limit: 7, order, cursor });
    ids.push(...page.data.map((t) => t.id));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return ids;
}

test('both plans page through the same traces, in (start time, id) order, both directions', async () => {
  const filters: Array<[TraceFilter, (i: number) => boolean]> = [
    [{ minDurationMs: 1000 }, (i) => durationOf(i) >= 1000],
    [{ minDurationMs: 3800 }, (i) => durationOf(i) >= 3800],
    [{ maxDurationMs: 2500 }, (i) => durationOf(i) <= 2500],
    [{ minDurationMs: 1000, maxDurationMs: 2500 }, (i) => durationOf(i) >= 1000 && durationOf(i) <= 2500],
    [{ minDurationMs: 500, status: ['error'] }, (i) => durationOf(i) >= 500 && i % 4 === 0],
    [{ minDurationMs: 99_999 }, () => false],
  ];
  for (const [filter, match] of filters) {
    // Start times rise with i, and ties keep insertion order (num), so ascending order is by i.
    const want = Array.from({ length: N }, (_, i) => i).filter(match).map((i) => `t${i}`);
    for (const order of ['asc', 'desc'] as const) {
      const expected = order === 'asc' ? want : [...want].reverse();
      const label = `${JSON.stringify(filter)} ${order}`;
      expect(await allPages(sorting, filter, order), `sorting ${label}`).toEqual(expected);
      expect(await allPages(walking, filter, order), `walking ${label}`).toEqual(expected);
    }
  }
});

test('each store takes the plan its probe limit implies', async () => {
  // The reads on a connection of our own, logging the statements they run, to EXPLAIN the list's.
  const plan = (probeLimit: number, filter: TraceFilter): string => {
    const ran: string[] = [];
    const db = new Database(join(dir, 'loupe.db'), { readonly: true, verbose: (sql) => ran.push(String(sql)) });
    try {
      new SqliteReads(db, { durationProbeLimit: probeLimit }).listTraces(project, filter, { limit: 7, order: 'desc' });
      const list = ran.filter((sql) => sql.startsWith('SELECT t.num'));
      expect(list).toHaveLength(1);
      const rows = db.prepare(`EXPLAIN QUERY PLAN ${list[0]}`).all() as Array<{ detail: string }>;
      return rows.map((r) => r.detail).join(' | ');
    } finally {
      db.close();
    }
  };
  // Few matches (of 40 traces, under the default limit): sorted out of the duration index.
  expect(plan(10_000, { minDurationMs: 3800 })).toMatch(/traces_by_duration/);
  // Many (at least the limit): start-time order, the duration checked on each row.
  const walk = plan(1, { minDurationMs: 1000 });
  expect(walk).toMatch(/traces_by_start/);
  expect(walk).not.toMatch(/traces_by_duration/);
});
