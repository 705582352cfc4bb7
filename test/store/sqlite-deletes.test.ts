// Deletes on a real SQLite file: after each delete the span and trace metrics rollups equal a
// recomputation from the tables (the conformance suite's metrics queries run the exact statements
// on its small windows, so the rollups are checked here), on the main connection and through the
// write worker; no row of a deleted trace is left in any table keyed by its num. And the space a
// purge frees: given back by incremental vacuum on a new database, reused on an older one.
import { afterEach, expect, test } from 'vitest';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/store/sqlite/index.js';
import type { SpanUpsert, TraceUpsert, ScoreUpsert } from '../../src/model/batch.js';
import { comparable, recomputedRollup, storedRollup } from '../support/metric-rollups.js';
import { RetentionPurger } from '../../src/store/purge.js';
import { RETENTION_SETTINGS_KEY } from '../../src/store/retention.js';

const H0 = 1_772_359_200_000_000; // 2026-03-01T10:00:00Z
const HOUR = 3_600_000_000;
let dir: string | undefined;

afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** A store on a new file in a fresh `dir`, and a read-only connection to look at its tables. */
async function fresh(prefix: string): Promise<{ file: string; store: SqliteStore; db: Database.Database }> {
  dir = mkdtempSync(join(tmpdir(), prefix));
  const file = join(dir, 'loupe.db');
  const store = new SqliteStore(file, { readWorker: false });
  await store.init();
  return { file, store, db: new Database(file, { readonly: true }) };
}

/** 40 traces over 40 hours, 3 spans each (llm with usage, a tool that sometimes fails), users u0..u3, a score each. */
function data(): { traces: TraceUpsert[]; spans: SpanUpsert[]; scores: ScoreUpsert[] } {
  const traces: TraceUpsert[] = [];
  const spans: SpanUpsert[] = [];
  const scores: ScoreUpsert[] = [];
  for (let i = 0; i < 40; i++) {
    const t = H0 + i * HOUR;
    traces.push({ id: `t${i}`, userId: `u${i % 4}`, sessionId: `s${i % 6}`, name: `trace ${i}` });
    spans.push({ id: 'a', traceId: `t${i}`, kind: 'agent', startTime: t, endTime: t + 5_000_000 });
    spans.push({ id: 'l', traceId: `t${i}`, parentId: 'a', kind: 'llm', model: i % 2 ? 'm1' : 'm2', startTime: t + 1000, endTime: t + 2_000_000,
      usage: { inputTokens: 10 + i, outputTokens: 5 }, costUsd: 0.001 * i, input: { messages: [{ role: 'user', content: 'shared prompt text '.repeat(20) }] } });
    spans.push({ id: 'x', traceId: `t${i}`, parentId: 'a', kind: 'tool', status: i % 3 ? 'ok' : 'error', startTime: t + 2_000_000, endTime: t + 4_000_000 });
    scores.push({ id: `sc${i}`, traceId: `t${i}`, name: 'thumbs', value: i % 2 ? 'up' : 'down', source: 'user', createdAt: t + 10 });
  }
  return { traces, spans, scores };
}

// Deletes meet rows the compactor has reached and rows it has not (a delete right after the write
// races the compaction step on its thread): either way, once it catches up, the rollups are the tables.
for (const waitFirst of [true, false]) {
  test(`deletes keep the metrics rollups equal to the tables (${waitFirst ? 'compacted rows' : 'rows the compactor may not have reached'})`, async () => {
    const { store, db } = await fresh('loupe-deletes-');
    try {
      const p = (await store.ensureProject('p')).id;
      const check = async () => {
        await store.compacted();
        expect(comparable(storedRollup(db, 'span'))).toEqual(comparable(recomputedRollup(db, 'span')));
        expect(comparable(storedRollup(db, 'trace'))).toEqual(comparable(recomputedRollup(db, 'trace')));
      };
      const write = async () => {
        await store.writeGroup([{ projectId: p, receivedAt: H0, batch: data() }]);
        if (waitFirst) await check();
      };
      await write();
      expect(await store.deleteTraces(p, { ids: ['t3', 't4'] }, 10)).toEqual({ traces: 2, spans: 6, scores: 2 });
      await check();
      expect(await store.deleteTraces(p, { userId: 'u1' }, 100)).toEqual({ traces: 10, spans: 30, scores: 10 });
      await check();
      expect(await store.deleteTraces(p, { startedBefore: H0 + 20 * HOUR }, 5)).toMatchObject({ traces: 5 });
      await check();
      const left = db.prepare('SELECT num FROM traces').pluck().all() as number[];
      for (const table of ['spans', 'scores', 'trace_tags', 'trace_contrib', 'span_ids']) {
        const orphans = db.prepare(`SELECT count(*) FROM ${table} WHERE trace_num NOT IN (SELECT value FROM json_each(?))`).pluck().get(JSON.stringify(left));
        expect(orphans, table).toBe(0);
      }
      // the deleted spans' shared chunks stay readable for the spans left (chunks are never freed by a delete)
      const kept = await store.getTrace(p, 't39');
      expect(kept?.spans.find((s) => s.id === 'l')?.input).toEqual({ messages: [{ role: 'user', content: 'shared prompt text '.repeat(20) }] });
    } finally {
      db.close();
      await store.close();
    }
  });
}

test('rows written after a delete of the newest traces (their rowids used again) are compacted and counted', async () => {
  const { store, db } = await fresh('loupe-deletes-');
  try {
    const p = (await store.ensureProject('p')).id;
    const all = data();
    await store.writeGroup([{ projectId: p, receivedAt: H0, batch: all }]);
    await store.compacted();
    // the newest trace's rows are the table's last: the watermark drops under them, and the next write takes their rowids again
    expect(await store.deleteTraces(p, { ids: ['t39'] }, 10)).toMatchObject({ traces: 1, spans: 3 });
    const again = { traces: [{ id: 'n1', name: 'after' }], spans: all.spans.filter((x) => x.traceId === 't39').map((x) => ({ ...x, traceId: 'n1' })), scores: [] };
    await store.writeGroup([{ projectId: p, receivedAt: H0, batch: again }]);
    await store.compacted();
    const raw = db.prepare("SELECT count(*) FROM spans WHERE substr(attributes, 1, 1) = char(3) OR substr(input, 1, 1) = char(3)").pluck().get();
    expect(raw).toBe(0);
    expect(comparable(storedRollup(db, 'span'))).toEqual(comparable(recomputedRollup(db, 'span')));
  } finally {
    db.close();
    await store.close();
  }
});

/** 300 traces 40 days old with 4 KB of distinct input each (trace rows, not shared chunks), and one from now. */
async function fill(store: SqliteStore, p: number, now: number): Promise<void> {
  const traces: TraceUpsert[] = [];
  for (let i = 0; i < 300; i++) traces.push({ id: `old${i}`, startTime: now - 40 * 24 * HOUR + i, input: `${i} ${'lorem ipsum '.repeat(340)}` });
  traces.push({ id: 'new', startTime: now, input: 'kept' });
  await store.writeGroup([{ projectId: p, receivedAt: now, batch: { traces, spans: [], scores: [] } }]);
}

test('a new database frees the purged space (auto_vacuum INCREMENTAL): the file shrinks, the newer trace stays', async () => {
  const { file, store, db } = await fresh('loupe-reclaim-');
  try {
    expect(db.pragma('auto_vacuum', { simple: true })).toBe(2);
    const p = (await store.ensureProject('p')).id;
    const now = H0 + 100 * 24 * HOUR;
    await fill(store, p, now);
    const before = db.pragma('page_count', { simple: true }) as number;
    await store.updateProjectSettings(p, { [RETENTION_SETTINGS_KEY]: { days: 30 } });
    const result = await new RetentionPurger(store, { batch: 50, now: () => now }).runOnce();
    expect(result).toEqual([{ projectId: p, counts: { traces: 300, spans: 0, scores: 0 } }]);
    expect(db.pragma('freelist_count', { simple: true })).toBe(0);
    const after = db.pragma('page_count', { simple: true }) as number;
    expect(after).toBeLessThan(before / 3);
    expect((await store.getTrace(p, 'new'))?.trace.input).toBe('kept');
  } finally {
    db.close();
    await store.close();
  }
});

test('a database made before (auto_vacuum NONE) keeps its mode: the purge deletes, and the freed pages are reused', async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-reclaim-old-'));
  const file = join(dir, 'loupe.db');
  const pre = new Database(file);
  pre.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  pre.close();
  // (its 0644 file is tightened, as for any older database: not what this test is about)
  const store = new SqliteStore(file, { readWorker: false, notice: () => undefined });
  await store.init();
  const db = new Database(file, { readonly: true });
  try {
    expect(db.pragma('auto_vacuum', { simple: true })).toBe(0);
    const p = (await store.ensureProject('p')).id;
    const now = H0 + 100 * 24 * HOUR;
    await fill(store, p, now);
    const before = db.pragma('page_count', { simple: true }) as number;
    await store.updateProjectSettings(p, { [RETENTION_SETTINGS_KEY]: { days: 30 } });
    expect((await new RetentionPurger(store, { batch: 50, now: () => now }).runOnce())[0].counts.traces).toBe(300);
    expect(db.pragma('freelist_count', { simple: true })).toBeGreaterThan(before / 2);
    // the same amount written again fits in the freed pages: the file hardly grows
    await fill(store, p, now + 1);
    expect(db.pragma('page_count', { simple: true })).toBeLessThan(before * 1.2);
  } finally {
    db.close();
    await store.close();
  }
});
