// The chunk garbage collection's cost (chunk-gc.ts): on a copy of the query bench's database
// (bench/data/query-full: 1M traces, 10M spans; build it first with bench/build-query-db.ts),
// deletes a share of the traces, then runs one collection while a writer sends a small group
// every 50 ms, and reports the cycle's time, what it freed, the file's size before and after the
// incremental vacuum, and how long the writes waited meanwhile (the collection's slices hold the
// write connection, as write groups do).
// `node bin/run-ts.js bench/gc.ts [share deleted, default 0.1]`; writes bench/results/gc-<time>.json.
import { copyFileSync, mkdtempSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteStore } from '../src/store/sqlite/index.js';
import type { WriteItem } from '../src/store/store.js';

const ROOT = new URL('../', import.meta.url).pathname;
const SOURCE = join(ROOT, 'bench/data/query-full/loupe.db');
const share = Number(process.argv[2] ?? 0.1);
const dir = mkdtempSync(join(tmpdir(), 'loupe-gc-bench-'));
const file = join(dir, 'loupe.db');
const log = (s: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${s}\n`);
const mib = (n: number) => Math.round(n / 1024 / 1024);
const size = () => statSync(file).size + (statSync(`${file}-wal`, { throwIfNoEntry: false })?.size ?? 0);
/** Free pages inside the file: what deletes freed, kept for reuse when auto_vacuum is not INCREMENTAL. */
const freeMiB = () => {
  const db = new Database(file, { readonly: true });
  const free = (db.pragma('freelist_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number);
  db.close();
  return mib(free);
};

try {
  log(`copying ${SOURCE}`);
  copyFileSync(SOURCE, file);
  const store = new SqliteStore(file);
  await store.init();
  const sizeBefore = size();
  const [project] = await store.listProjects();
  // The traces to delete: every 1/share-th one by start time, spread over the whole history, as
  // users' data is (a privacy request) rather than one old block (retention frees whole packs).
  const side = new Database(file, { readonly: true });
  const all = side.prepare('SELECT id FROM traces WHERE project_id = ? ORDER BY start_time').pluck().all(project.id) as string[];
  side.close();
  const ids = all.filter((_, i) => i % Math.round(1 / share) === 0);
  log(`deleting ${ids.length} of ${all.length} traces`);
  let t0 = performance.now();
  let spans = 0;
  for (let i = 0; i < ids.length; i += 200) spans += (await store.deleteTraces(project.id, { ids: ids.slice(i, i + 200) }, 200)).spans;
  const deleteMs = performance.now() - t0;
  log(`deleted ${spans} spans in ${Math.round(deleteMs)} ms; collecting`);
  const freeAfterDeletes = freeMiB();

  const waits: number[] = [];
  let writing = true;
  const writer = (async () => {
    for (let n = 0; writing; n++) {
      const item: WriteItem = { projectId: project.id, batch: { traces: [{ id: `gc-bench-${n}` }], spans: [{ id: 's', traceId: `gc-bench-${n}`, name: 'w', startTime: Date.now() * 1000, input: `write ${n} during the collection ${'x'.repeat(100)}` }], scores: [] }, receivedAt: Date.now() * 1000 };
      const s = performance.now();
      await store.writeGroup([item]);
      waits.push(performance.now() - s);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  t0 = performance.now();
  const counts = await store.collectGarbage();
  const gcMs = performance.now() - t0;
  const freeAfterCollection = freeMiB();
  writing = false;
  await writer;
  log(`collected in ${Math.round(gcMs)} ms: ${JSON.stringify(counts)}`);
  t0 = performance.now();
  await store.reclaimSpace();
  await store.close();
  const reclaimMs = performance.now() - t0;
  const sizeAfter = size();
  waits.sort((a, b) => a - b);
  const q = (p: number) => Math.round(waits[Math.min(waits.length - 1, Math.floor(p * waits.length))]);
  const result = {
    at: new Date().toISOString(),
    traces: all.length,
    deletedTraces: ids.length,
    deletedSpans: spans,
    deleteMs: Math.round(deleteMs),
    gcMs: Math.round(gcMs),
    usPerSpanScanned: counts ? Number(((gcMs * 1000) / counts.spansScanned).toFixed(1)) : null,
    counts,
    reclaimMs: Math.round(reclaimMs),
    fileMiB: { before: mib(sizeBefore), after: mib(sizeAfter) },
    freePagesMiB: { afterDeletes: freeAfterDeletes, afterCollection: freeAfterCollection },
    writesDuringGc: { n: waits.length, p50: q(0.5), p99: q(0.99), max: Math.round(waits[waits.length - 1] ?? 0) },
  };
  console.log(JSON.stringify(result, null, 2));
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, `bench/results/gc-${result.at.replace(/[:.]/g, '-').slice(0, 19)}.json`), `${JSON.stringify(result, null, 2)}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
