// Background compaction (issue 18) through the real CLI. The hot path acknowledges span rows with
// their JSON as text; the compactor (its own thread and connection) encodes them as chunks and
// keeps the span metrics rollup, moving a watermark in the same transaction. So:
// - SIGKILL while it is behind: nothing acknowledged is lost, every row up to the watermark is
//   wholly compacted and counted in the rollup, none past it is; the next start takes up the rest;
// - past its backlog bound, writes are refused with 503 and Retry-After, then accepted again.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import * as grpc from '@grpc/grpc-js';
import { afterAll, expect, test } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite/index.js';
import { tempDir } from '../helpers/server.js';
import { ids, nanos, otlpJson, otlpProto, type SpanSpec } from '../helpers/otlp.js';
import { serve, type ServeProcess } from '../helpers/cli.js';
import { comparable, recomputedRollup, storedRollup } from '../support/metric-rollups.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Acked { traceId: string; spans: Map<string, string> }

const SYSTEM = `You are the support agent of a shop. ${'Answer from the order history and the refund policy only. '.repeat(20)}`;

/** A trace of 20 LLM spans, each with a conversation that repeats the system prompt (work for the compactor), as OTLP protobuf or JSON. */
function batch(n: number, format: 'protobuf' | 'json' = 'protobuf'): { acked: Acked; json: string; body: Buffer; contentType: string } {
  const { traceId, spanId } = ids();
  const now = Date.now();
  const spans: SpanSpec[] = Array.from({ length: 20 }, (_, i) => ({
    traceId, spanId: spanId(), name: `llm ${i}`, start: nanos(now + i), end: nanos(now + i + 40 + (n % 7)),
    attrs: {
      'openinference.span.kind': 'LLM', 'llm.model_name': `model-${n % 3}`, 'llm.token_count.prompt': 100 + i, 'llm.token_count.completion': 7,
      'input.value': JSON.stringify({ messages: [{ role: 'system', content: SYSTEM }, { role: 'user', content: `question ${n}.${i} ${'about my order '.repeat(8)}` }] }),
      'output.value': `answer ${n}.${i}`,
    },
  }));
  const resources = [{ attrs: { 'service.name': 'compaction' }, spans }];
  const json = JSON.stringify(otlpJson(resources));
  return {
    acked: { traceId, spans: new Map(spans.map((s) => [s.spanId, String(s.attrs!['output.value'])])) },
    json,
    ...(format === 'protobuf' ? { body: otlpProto(resources), contentType: 'application/x-protobuf' } : { body: Buffer.from(json), contentType: 'application/json' }),
  };
}

async function post(url: string, key: string, b: { body: Buffer; contentType: string }): Promise<Response> {
  return fetch(`${url}/v1/traces`, { method: 'POST', headers: { 'x-api-key': key, 'content-type': b.contentType }, body: b.body });
}

async function compaction(url: string): Promise<{ backlogSpans: number } | null> {
  const r = await fetch(`${url}/readyz`);
  return ((await r.json()) as { compaction: { backlogSpans: number } | null }).compaction;
}

/** The file as it is: the watermark, the last rowid, rows in the hot path's form each side of it. */
function onDisk(file: string) {
  const db = new Database(file, { readonly: true });
  try {
    const watermark = db.prepare('SELECT span_watermark FROM compaction').pluck().get() as number;
    const last = db.prepare('SELECT coalesce(max(rowid), 0) FROM spans').pluck().get() as number;
    const raw = (where: string) => db.prepare(`SELECT count(*) FROM spans WHERE ${where} AND (${['input', 'output', 'attributes', 'events']
      .map((c) => `(typeof(${c}) = 'text' AND substr(${c}, 1, 1) = char(3))`).join(' OR ')})`).pluck().get() as number;
    return {
      watermark, last, rawUpTo: raw(`rowid <= ${watermark}`), rawPast: raw(`rowid > ${watermark}`),
      rollup: comparable(storedRollup(db, 'span')), recomputedUpTo: comparable(recomputedRollup(db, 'span', `rowid <= ${watermark}`)),
    };
  } finally {
    db.close();
  }
}

/** What the file holds of the acked spans that differs from what was sent (missing, or another output). */
async function lost(file: string, acked: Acked[]): Promise<string[]> {
  const store = new SqliteStore(file, { readWorker: false });
  await store.init();
  try {
    const project = (await store.findProject('default'))!;
    const out: string[] = [];
    for (const a of acked) {
      const d = await store.getTrace(project.id, a.traceId);
      const got = new Map(d?.spans.map((s) => [s.id, s.output]) ?? []);
      for (const [id, output] of a.spans) if (got.get(id) !== output) out.push(`${a.traceId}/${id}`);
    }
    return out;
  } finally {
    await store.close();
  }
}

async function untilCaughtUp(srv: ServeProcess): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const c = await compaction(srv.url);
    if (c && c.backlogSpans === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('compaction did not catch up within 60 s');
}

test('SIGKILL while compaction is behind: nothing acked is lost, nothing is half-compacted, the next start resumes from the watermark', async () => {
  const dir = tempDir('compaction-kill');
  dirs.push(dir);
  const file = join(dir, 'loupe.db');
  const srv = await serve(dir);
  const key = readFileSync(join(dir, 'admin-key.txt'), 'utf8').trim();
  const acked: Acked[] = [];
  let n = 0;
  let killed = false;
  // Eight clients send; once 150 batches are in, one request of 100 traces (2,000 spans: several
  // compaction steps) is sent, and the server is killed as soon as it is acknowledged, the
  // clients' requests still in flight: the compactor is then surely behind.
  const big = Array.from({ length: 100 }, () => batch(n++));
  const bigBody = { contentType: 'application/json', body: Buffer.from(JSON.stringify({ resourceSpans: big.flatMap((b) => (JSON.parse(b.json) as { resourceSpans: unknown[] }).resourceSpans) })) };
  const killer = (async () => {
    while (acked.length < 150) await new Promise((r) => setTimeout(r, 20));
    const res = await post(srv.url, key, bigBody);
    await res.arrayBuffer();
    expect(res.status).toBe(200);
    killed = true;
    srv.child.kill('SIGKILL');
    acked.push(...big.map((b) => b.acked));
  })();
  await Promise.all([killer, ...Array.from({ length: 8 }, async () => {
    while (!killed) {
      const b = batch(n++);
      try {
        const res = await post(srv.url, key, b);
        await res.arrayBuffer();
        if (res.ok) acked.push(b.acked);
      } catch {
        return;
      }
    }
  })]);
  expect((await srv.exited).signal).toBe('SIGKILL');

  const killedAt = onDisk(file);
  // the kill found the compactor behind: rows past the watermark, in the hot path's form
  expect(killedAt.last).toBeGreaterThan(killedAt.watermark);
  expect(killedAt.rawPast).toBeGreaterThan(0);
  // and nothing half-done: every row up to the watermark is compacted and counted, none past it
  expect(killedAt.rawUpTo).toBe(0);
  expect(killedAt.rollup).toEqual(killedAt.recomputedUpTo);

  // The next start takes up the backlog from the watermark (and nothing acked was lost).
  const again = await serve(dir);
  await untilCaughtUp(again);
  again.child.kill('SIGTERM');
  expect((await again.exited).code).toBe(0);
  const after = onDisk(file);
  expect(after.watermark).toBe(after.last);
  expect(after.rawPast).toBe(0);
  expect(after.rawUpTo).toBe(0);
  expect(after.rollup).toEqual(comparable(recomputedRollup(new Database(file, { readonly: true }), 'span')));
  expect(await lost(file, acked)).toEqual([]);
  console.log(`compaction SIGKILL: ${acked.length} batches acked, killed ${killedAt.last - killedAt.watermark} spans behind; all there and compacted after the restart`);
});

test('past its backlog bound the server refuses writes (HTTP 503 with Retry-After, gRPC UNAVAILABLE), then accepts them once compaction caught up', async () => {
  const dir = tempDir('compaction-bound');
  dirs.push(dir);
  const srv = await serve(dir, [], { LOUPE_MAX_COMPACTION_BACKLOG: '200' });
  const key = readFileSync(join(dir, 'admin-key.txt'), 'utf8').trim();
  // printed on the line after the one serve() waits for
  let port: RegExpExecArray | null;
  while (!(port = /OTLP\/gRPC on [^\s]+:(\d+)/.exec(srv.output()))) await new Promise((r) => setTimeout(r, 20));
  const grpcPort = port[1];
  const client = new grpc.Client(`127.0.0.1:${grpcPort}`, grpc.credentials.createInsecure());
  const md = new grpc.Metadata();
  md.set('x-api-key', key);
  const exportGrpc = (body: Buffer) => new Promise<number>((resolve) => client.makeUnaryRequest(
    '/opentelemetry.proto.collector.trace.v1.TraceService/Export', (b: Buffer) => b, (b: Buffer) => b, body, md, (e) => resolve(e?.code ?? grpc.status.OK)));
  const acked: Acked[] = [];
  const refused: Array<{ retryAfter: string | null; body: { error?: { code?: string; message?: string } } }> = [];
  let refusedGrpc = 0;
  let n = 0;
  // Six HTTP writers (OTLP JSON: the refusal's body is JSON too) and two gRPC ones, until both were refused.
  await Promise.all(Array.from({ length: 8 }, async (_, c) => {
    while ((refused.length < 5 || refusedGrpc < 1) && n < 4000) {
      if (c >= 6) {
        const b = batch(n++, 'protobuf');
        const code = await exportGrpc(b.body);
        if (code === grpc.status.OK) acked.push(b.acked);
        else {
          expect(code).toBe(grpc.status.UNAVAILABLE);
          refusedGrpc++;
        }
        continue;
      }
      const b = batch(n++, 'json');
      const res = await post(srv.url, key, b);
      if (res.ok) {
        await res.arrayBuffer();
        acked.push(b.acked);
      } else {
        expect(res.status).toBe(503);
        refused.push({ retryAfter: res.headers.get('retry-after'), body: (await res.json()) as { error?: { code?: string; message?: string } } });
      }
    }
  }));
  client.close();
  expect(refusedGrpc).toBeGreaterThanOrEqual(1);
  expect(refused.length).toBeGreaterThanOrEqual(5);
  for (const r of refused) {
    expect(Number(r.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(r.body)).toMatch(/compaction is \d+ spans/);
  }
  await untilCaughtUp(srv);
  const b = batch(n++, 'json');
  const res = await post(srv.url, key, b);
  expect(res.status).toBeLessThan(300);
  await res.arrayBuffer();
  acked.push(b.acked);
  srv.child.kill('SIGTERM');
  expect((await srv.exited).code).toBe(0);
  expect(await lost(join(dir, 'loupe.db'), acked)).toEqual([]);
});
