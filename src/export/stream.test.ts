// The export stream is pulled, not pushed: a consumer that reads a little makes the store serve
// only the first pages, whatever the size of the export.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { SqliteStore } from '../store/sqlite/index.js';
import type { Store } from '../store/store.js';
import { exportLines, parseExportQuery } from './stream.js';

let dir: string;
let store: SqliteStore;
let projectId: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-stream-'));
  store = new SqliteStore(join(dir, 'loupe.db'));
  await store.init();
  projectId = (await store.ensureProject('default')).id;
  const traces = Array.from({ length: 1000 }, (_, i) => ({ id: `t${i}`, name: 'x'.repeat(200), startTime: 1_700_000_000_000_000 + i }));
  await store.writeGroup([{ projectId, batch: { traces, spans: [], scores: [] }, receivedAt: 1_700_000_000_000_000 }]);
});

afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

test('reading the first lines fetches only the first pages', async () => {
  let pages = 0;
  // The real store, with its page reads counted.
  const counting = new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'exportTraces') return (...args: Parameters<Store['exportTraces']>) => { pages++; return target.exportTraces(...args); };
      return Reflect.get(target, prop, receiver) as unknown;
    },
  }) as Store;
  const stream = Readable.from(exportLines(counting, projectId, parseExportQuery({}), 100), { objectMode: false, highWaterMark: 1024 });
  const it = stream[Symbol.asyncIterator]();
  const first = await it.next();
  expect(String(first.value)).toContain('"id":"t0"');
  expect(pages).toBeLessThanOrEqual(2); // of 10
  stream.destroy();

  pages = 0;
  let lines = 0;
  for await (const _ of exportLines(counting, projectId, parseExportQuery({}), 100)) lines++;
  expect([lines, pages]).toEqual([1000, 10]);
});
