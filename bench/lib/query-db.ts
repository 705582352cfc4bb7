// The query database: 1M traces / 10M spans (or a small one for --quick), generated once into
// bench/data/ and reused by later runs. Built fast by writing batches through the store directly
// (no HTTP): a base of generated traces is replicated with new ids and times spread over 30 days.
import { existsSync, mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Batch, SpanUpsert, TraceUpsert } from '../../src/model/batch.js';
import { generateTraces, toOtlpExport } from '../../src/demo/index.js';
import { otlpToBatch } from '../../src/ingest/otlp/to-batch.js';
import Database from 'better-sqlite3';
import { SqliteStore } from '../../src/store/sqlite/index.js';
import { startServer } from '../../src/server/index.js';

export interface QueryDbMeta {
  traces: number;
  spans: number;
  /** Trace ids to read in detail, by span count. */
  detail50: string;
  detail5000: string;
  sampleUser: string;
  sampleSession: string;
  sampleModel: string;
  builtAt: string;
  buildSeconds: number;
}

const DAY = 86_400_000_000;

function padTrace(spans: SpanUpsert[], traceId: string, want: number, t: number): SpanUpsert[] {
  const root = spans.find((s) => !s.parentId) ?? spans[0];
  const extra: SpanUpsert[] = [];
  for (let i = spans.length; i < want; i++) {
    const start = t + i * 1000;
    extra.push({ id: `${(0xa0000000 + i).toString(16)}00000000`, traceId, parentId: root.id, kind: 'span', name: i % 2 ? 'http GET' : 'db.query', status: 'ok', startTime: start, endTime: start + 4000,
      attributes: { 'http.route': '/internal/orders/:id', 'http.status_code': 200, 'db.system': 'postgresql' } });
  }
  return extra;
}

function bigTrace(id: string, n: number, t: number): Batch {
  const spans: SpanUpsert[] = [];
  for (let i = 0; i < n; i++) {
    spans.push({ id: (0x1000000000000000n + BigInt(i)).toString(16), traceId: id, parentId: i === 0 ? null : (0x1000000000000000n).toString(16), kind: i % 10 === 0 ? 'llm' : 'tool', name: `step-${i}`, status: 'ok',
      startTime: t + i * 1000, endTime: t + i * 1000 + 900, model: i % 10 === 0 ? 'gpt-4o-mini-2024-07-18' : undefined, usage: i % 10 === 0 ? { inputTokens: 900, outputTokens: 120 } : undefined,
      input: { step: i, query: `lookup ${i}` }, output: `result of step ${i}`, attributes: { 'tool.name': 'lookup', step: i } });
  }
  return { traces: [{ id, name: `big-trace-${n}`, userId: 'user-big', sessionId: 'sess-big', environment: 'production' }], spans, scores: [] };
}

/** Opens (building if needed) the query database in `dir`; returns its description. */
export async function ensureQueryDb(dir: string, traces: number, spansPerTrace: number, log: (s: string) => void): Promise<QueryDbMeta> {
  const metaFile = join(dir, 'meta.json');
  if (existsSync(metaFile)) return JSON.parse(readFileSync(metaFile, 'utf8')) as QueryDbMeta;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  // Start and stop a server once so the database has its project and admin key.
  await (await startServer({ host: '127.0.0.1', port: 0, dataDir: dir })).close();
  // Secondary indexes are dropped for the build and made again at the end: one sorted build
  // each is far cheaper than millions of incremental inserts. The unique ones the write path
  // looks rows up by (traces_by_id, spans_by_trace; traces_by_session and traces_by_user for the
  // first/last times of sessions and users) stay.
  const file = join(dir, 'loupe.db');
  const admin = new Database(file);
  const indexes = admin.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND name NOT IN ('traces_by_id', 'spans_by_trace', 'traces_by_session', 'traces_by_user') AND tbl_name IN ('traces', 'spans', 'trace_tags')").all() as Array<{ name: string; sql: string }>;
  for (const ix of indexes) admin.exec(`DROP INDEX ${ix.name}`);
  admin.close();
  const store = new SqliteStore(file, { synchronous: 'NORMAL', readWorker: false });
  await store.init();
  const projectId = (await store.ensureProject('default')).id;
  const t0 = performance.now();
  const now = Date.now() * 1000;
  const baseCount = Math.min(traces, 3000);
  const replicas = Math.ceil(traces / baseCount);
  const span30 = 30 * DAY;
  // Each replica fills its own slot of the 30 days, so every day holds traces.
  const slot = Math.floor(span30 / replicas);
  const base = otlpToBatch(toOtlpExport(generateTraces({ count: baseCount, seed: 99, tag: '0badf00d', mix: { chat: 2, rag: 3, agent: 5 }, now, from: now - slot, to: now - Math.floor(slot / 10) }))).batch;
  const spansOf = new Map<string, SpanUpsert[]>();
  for (const s of base.spans) (spansOf.get(s.traceId) ?? spansOf.set(s.traceId, []).get(s.traceId)!).push(s);
  const baseStart = Math.min(...base.spans.map((s) => s.startTime ?? now));
  let written = 0;
  let spanCount = 0;
  let pending: Batch = { traces: [], spans: [], scores: [] };
  const flush = async () => {
    await store.writeGroup([{ projectId, batch: pending, receivedAt: now }]);
    pending = { traces: [], spans: [], scores: [] };
    // writeGroup does not ask admit(): held to the store's backlog bound here, the file stays compacted as it grows
    if (store.admit()) await store.compacted();
  };
  for (let r = 0; r < replicas && written < traces; r++) {
    const shift = now - span30 + Math.floor((span30 * r) / replicas) - baseStart;
    const prefix = (0x10000000 + r).toString(16);
    for (const t of base.traces) {
      if (written >= traces) break;
      const id = `${prefix}${t.id.slice(8)}`;
      const tu: TraceUpsert = { ...t, id };
      pending.traces.push(tu);
      const own = spansOf.get(t.id) ?? [];
      for (const s of own) pending.spans.push({ ...s, traceId: id, startTime: s.startTime === undefined ? undefined : s.startTime + shift, endTime: s.endTime === undefined ? undefined : s.endTime + shift });
      const pad = padTrace(own, id, spansPerTrace, (own.find((s) => !s.parentId)?.startTime ?? baseStart) + shift);
      pending.spans.push(...pad);
      spanCount += own.length + pad.length;
      written++;
      if (pending.spans.length >= 20_000) await flush();
    }
    if (r % 20 === 0) log(`  query db: ${written.toLocaleString()} traces, ${spanCount.toLocaleString()} spans, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
  const detail50 = 'de7a11500000000000000000000000aa';
  const detail5000 = 'de7a11500000000000000000000000bb';
  pending.traces.push(...bigTrace(detail50, 50, now - DAY).traces, ...bigTrace(detail5000, 5000, now - DAY).traces);
  pending.spans.push(...bigTrace(detail50, 50, now - DAY).spans, ...bigTrace(detail5000, 5000, now - DAY).spans);
  spanCount += 5050;
  written += 2;
  await flush();
  await store.compacted();
  await store.close();
  log(`  query db: rebuilding ${indexes.length} indexes…`);
  const db = new Database(file);
  db.pragma('cache_size = -262144');
  for (const ix of indexes) db.exec(ix.sql);
  db.close();
  const sample = base.traces.find((t) => t.userId && t.sessionId)!;
  const meta: QueryDbMeta = {
    traces: written, spans: spanCount, detail50, detail5000, sampleUser: sample.userId!, sampleSession: sample.sessionId!,
    sampleModel: base.spans.find((s) => s.model)?.model ?? 'gpt-4o-mini-2024-07-18', builtAt: new Date().toISOString(), buildSeconds: (performance.now() - t0) / 1000,
  };
  writeFileSync(metaFile, JSON.stringify(meta, null, 2));
  return meta;
}
