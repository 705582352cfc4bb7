// Deletes on a real SQLite file: after each delete the span and trace metrics rollups equal a
// recomputation from the tables (the conformance suite's metrics queries run the exact statements
// on its small windows, so the rollups are checked here), on the main connection and through the
// write worker; no row of a deleted trace is left in any table keyed by its num.
import { afterEach, expect, test } from 'vitest';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/store/sqlite/index.js';
import type { SpanUpsert, TraceUpsert, ScoreUpsert } from '../../src/model/batch.js';
import { comparable, recomputedRollup, storedRollup } from '../support/metric-rollups.js';

const H0 = 1_772_359_200_000_000; // 2026-03-01T10:00:00Z
const HOUR = 3_600_000_000;
let dir: string | undefined;

afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

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

for (const writeWorker of [false, true]) {
  test(`deletes keep the metrics rollups equal to the tables (write worker ${writeWorker ? 'on' : 'off'})`, async () => {
    dir = mkdtempSync(join(tmpdir(), 'loupe-deletes-'));
    const file = join(dir, 'loupe.db');
    const store = new SqliteStore(file, { readWorker: false, writeWorker });
    await store.init();
    const db = new Database(file, { readonly: true });
    try {
      const p = (await store.ensureProject('p')).id;
      await store.writeGroup([{ projectId: p, receivedAt: H0, batch: data() }]);
      const check = () => {
        expect(comparable(storedRollup(db, 'span'))).toEqual(comparable(recomputedRollup(db, 'span')));
        expect(comparable(storedRollup(db, 'trace'))).toEqual(comparable(recomputedRollup(db, 'trace')));
      };
      check();
      expect(await store.deleteTraces(p, { ids: ['t3', 't4'] }, 10)).toEqual({ traces: 2, spans: 6, scores: 2 });
      check();
      expect(await store.deleteTraces(p, { userId: 'u1' }, 100)).toEqual({ traces: 10, spans: 30, scores: 10 });
      check();
      expect(await store.deleteTraces(p, { startedBefore: H0 + 20 * HOUR }, 5)).toMatchObject({ traces: 5 });
      check();
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
