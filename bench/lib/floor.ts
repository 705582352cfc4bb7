// The floor: the same request bodies decoded, normalised and inserted in this one process, with
// no HTTP: adapter -> pipeline -> group-commit writer -> SQLite, `concurrency` requests per group.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { otlpAdapter } from '../../src/ingest/otlp/index.js';
import { nativeAdapter } from '../../src/ingest/native/index.js';
import { Pipeline } from '../../src/ingest/pipeline.js';
import { SqliteStore } from '../../src/store/sqlite/index.js';
import { Writer } from '../../src/store/writer.js';
import { replay, type Pool } from './pool.js';

export interface FloorResult {
  spans: number;
  bytes: number;
  seconds: number;
  /** Of `seconds`: in the adapter (decode and convention mapping); the rest is pipeline, writer and SQLite. */
  adapterSeconds: number;
}

export async function runFloor(pool: Pool, spans: number, concurrency: number, maxSeconds: number): Promise<FloorResult> {
  const dir = mkdtempSync(join(tmpdir(), 'loupe-floor-'));
  const store = new SqliteStore(join(dir, 'loupe.db'));
  await store.init();
  const project = await store.ensureProject('default');
  const writer = new Writer(store);
  const pipeline = new Pipeline(writer);
  const res: FloorResult = { spans: 0, bytes: 0, seconds: 0, adapterSeconds: 0 };
  // A write past the compaction backlog bound waits for the compactor (as imports do) instead of being refused.
  const send = async (path: string, contentType: string, body: Buffer): Promise<void> => {
    const receivedAt = Date.now() * 1000;
    const a0 = performance.now();
    const result = path === '/v1/traces'
      ? otlpAdapter(body, contentType.includes('protobuf') ? 'protobuf' : 'json')
      : nativeAdapter(JSON.parse(body.toString('utf8')), { receivedAt, headers: {} });
    res.adapterSeconds += (performance.now() - a0) / 1000;
    await pipeline.ingest(project.id, result, receivedAt, { waitForRoom: true });
  };
  const t0 = performance.now();
  let k = 0;
  try {
    while (res.spans < spans && performance.now() - t0 < maxSeconds * 1000) {
      const group: Promise<unknown>[] = [];
      for (let c = 0; c < concurrency; c++, k++) {
        const b = pool.bodies[k % pool.bodies.length];
        const body = replay(b, 1 + Math.floor(k / pool.bodies.length));
        group.push(send(b.path, b.contentType, body));
        res.spans += b.spans;
        res.bytes += body.length;
      }
      await Promise.all(group);
    }
    res.seconds = (performance.now() - t0) / 1000;
  } finally {
    await writer.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return res;
}
