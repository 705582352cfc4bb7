// The Store methods the Evalgate surface and sampling rely on, against a real SQLite file:
// traces by numeric id, offset listing, project settings (cached, updated), and a duration
// told without times that a retry does not move.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/store/sqlite/index.js';
import { emptyBatch } from '../../src/model/batch.js';

let store: SqliteStore;
let dir: string;
let project: number;
const T0 = 1_772_359_200_000_000;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-store-eg-'));
  store = new SqliteStore(join(dir, 'loupe.db'));
  await store.init();
  project = (await store.ensureProject('p')).id;
});

afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

test('getTraceByNumericId and listTracesByOffset', async () => {
  const b = emptyBatch();
  for (let i = 0; i < 5; i++) b.traces.push({ id: `n${i}`, name: i % 2 ? 'Alpha' : 'beta', startTime: T0 + i, status: 'success' });
  b.spans.push({ id: 's2', traceId: 'n1', startTime: T0 + 5, endTime: T0 + 6 }, { id: 's1', traceId: 'n1', startTime: T0 + 1, endTime: T0 + 2 });
  await store.writeGroup([{ projectId: project, batch: b, receivedAt: T0 }]);

  const byId = await store.getTrace(project, 'n1');
  const byNum = await store.getTraceByNumericId(project, byId!.trace.numericId);
  expect(byNum).toEqual(byId);
  expect(byNum!.spans.map((s) => s.id)).toEqual(['s1', 's2']);
  expect(await store.getTraceByNumericId(project + 1, byId!.trace.numericId)).toBeNull();
  expect(await store.getTraceByNumericId(project, 987654)).toBeNull();

  const page = await store.listTracesByOffset(project, {}, 2, 1);
  expect(page.map((t) => t.id)).toEqual(['n3', 'n2']);
  expect((await store.listTracesByOffset(project, { name: 'ALPHA' }, 10, 0)).map((t) => t.id)).toEqual(['n3', 'n1']);
});

test('project settings: null for no project, merged updates, every read sees the last update', async () => {
  expect(await store.getProjectSettings(99_999)).toBeNull();
  expect(await store.updateProjectSettings(99_999, { a: 1 })).toBeNull();
  expect(await store.getProjectSettings(project)).toEqual({});
  const first = await store.updateProjectSettings(project, { sampling: { successRate: 0.5 }, other: true });
  expect(first).toEqual({ sampling: { successRate: 0.5 }, other: true });
  expect(await store.getProjectSettings(project)).toBe(first);
  await store.updateProjectSettings(project, { other: null });
  expect(await store.getProjectSettings(project)).toEqual({ sampling: { successRate: 0.5 } });
  expect((await store.findProject('p'))!.settings).toEqual({ sampling: { successRate: 0.5 } });
});

test('a duration without times: the trace shows it, and a retry does not move it', async () => {
  const write = (receivedAt: number) => {
    const b = emptyBatch();
    b.traces.push({ id: 'dur', name: 'dur', status: 'success', durationMs: 95 });
    return store.writeGroup([{ projectId: project, batch: b, receivedAt }]);
  };
  await write(T0);
  const first = (await store.getTrace(project, 'dur'))!.trace;
  expect(first.durationMs).toBe(95);
  await write(T0 + 60_000_000);
  expect((await store.getTrace(project, 'dur'))!.trace).toEqual(first);
});
