// Durability through the real CLI: `loupe serve` as a child process, several concurrent clients,
// then SIGKILL (every batch acked with 2xx is in the SQLite file afterwards) or SIGTERM
// (in-flight requests complete, exit 0, nothing acked lost). And `loupe keys create`.
import { readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite/index.js';
import { call, startTestServer, tempDir } from '../helpers/server.js';
import { exportOf, ids, nanos, otlpProto, type SpanSpec } from '../helpers/otlp.js';
import { run, serve } from '../helpers/cli.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Acked { traceId: string; spanIds: string[] }

/** One batch: a trace of a few spans, as OTLP JSON, OTLP protobuf or native JSON. */
function batch(n: number): { acked: Acked; path: string; body: Buffer; contentType: string } {
  const { traceId, spanId } = ids();
  const now = Date.now();
  const spans: SpanSpec[] = Array.from({ length: 3 + (n % 4) }, (_, i) => ({ traceId, spanId: spanId(), name: `step ${i}`, start: nanos(now + i), end: nanos(now + i + 5),
    attrs: { 'openinference.span.kind': i === 0 ? 'CHAIN' : 'LLM', 'llm.token_count.prompt': 10, 'llm.token_count.completion': 2, n } }));
  const acked = { traceId, spanIds: spans.map((s) => s.spanId) };
  switch (n % 3) {
    case 0:
      return { acked, path: '/v1/traces', body: Buffer.from(JSON.stringify(exportOf(spans))), contentType: 'application/json' };
    case 1:
      return { acked, path: '/v1/traces', body: otlpProto([{ attrs: { 'service.name': 'durability' }, spans }]), contentType: 'application/x-protobuf' };
    default:
      return { acked, path: '/api/v1/ingest', contentType: 'application/json',
        body: Buffer.from(JSON.stringify({ spans: spans.map((s) => ({ id: s.spanId, traceId, name: s.name, kind: 'llm', startTime: now, endTime: now + 5, usage: { inputTokens: 10 } })) })) };
  }
}

/** Clients that send batches until told to stop or the server goes away; returns every 2xx-acked batch. */
async function clients(url: string, key: string, count: number, until: () => boolean, onAck: () => void): Promise<Acked[]> {
  const acked: Acked[] = [];
  let n = 0;
  await Promise.all(Array.from({ length: count }, async () => {
    while (!until()) {
      const b = batch(n++);
      try {
        const res = await fetch(`${url}${b.path}`, { method: 'POST', headers: { 'x-api-key': key, 'content-type': b.contentType }, body: b.body });
        await res.arrayBuffer();
        if (res.status >= 200 && res.status < 300) {
          acked.push(b.acked);
          onAck();
        }
      } catch {
        return; // connection refused or reset: the server is gone
      }
    }
  }));
  return acked;
}

/** Opens the data directory's SQLite file afresh and returns the acked span ids it does not hold. */
async function missing(dataDir: string, acked: Acked[]): Promise<string[]> {
  const store = new SqliteStore(join(dataDir, 'loupe.db'));
  await store.init();
  try {
    const project = await store.findProject('default');
    expect(project).not.toBeNull();
    const lost: string[] = [];
    for (const a of acked) {
      const d = await store.getTrace(project!.id, a.traceId);
      const have = new Set(d?.spans.map((s) => s.id) ?? []);
      for (const id of a.spanIds) if (!have.has(id)) lost.push(`${a.traceId}/${id}`);
    }
    return lost;
  } finally {
    await store.close();
  }
}

describe('durability of loupe serve', () => {
  test('every batch acked with 2xx survives SIGKILL', async () => {
    const dir = tempDir('sigkill');
    dirs.push(dir);
    const srv = await serve(dir);
    const key = readFileSync(join(dir, 'admin-key.txt'), 'utf8').trim();
    let acks = 0;
    let killed = false;
    const sending = clients(srv.url, key, 16, () => false, () => {
      acks++;
      // Kill mid-stream, with requests of the other clients still in flight.
      if (acks === 400 && !killed) {
        killed = true;
        srv.child.kill('SIGKILL');
      }
    });
    const acked = await sending;
    const { signal } = await srv.exited;
    expect(signal).toBe('SIGKILL');
    expect(acked.length).toBeGreaterThanOrEqual(400);
    const lost = await missing(dir, acked);
    // The figure issue 14 asks for: acknowledged spans lost after SIGKILL under load (must be 0).
    console.log(`SIGKILL under load: ${acked.length} batches acked (${acked.reduce((n, a) => n + a.spanIds.length, 0)} spans), ${lost.length} acked spans lost`);
    expect(lost).toEqual([]);
  });

  test('SIGTERM: in-flight requests complete, exit 0, nothing acked is lost', async () => {
    const dir = tempDir('sigterm');
    dirs.push(dir);
    const srv = await serve(dir);
    const key = readFileSync(join(dir, 'admin-key.txt'), 'utf8').trim();

    // A request whose body is still arriving when the signal comes.
    const slow = batch(0);
    const half = Math.floor(slow.body.length / 2);
    const u = new URL(`${srv.url}${slow.path}`);
    let slowStatus = 0;
    const slowReq = request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent: false,
      headers: { 'x-api-key': key, 'content-type': slow.contentType, 'content-length': slow.body.length } });
    const slowDone = new Promise<void>((resolve, reject) => {
      slowReq.on('response', (res) => {
        slowStatus = res.statusCode ?? 0;
        res.resume();
        res.on('end', () => resolve());
      });
      slowReq.on('error', reject);
    });
    slowReq.write(slow.body.subarray(0, half));
    // Let the server read the first half: an answer on another connection means it has looped.
    for (let i = 0; i < 3; i++) expect((await call(srv.url, '/healthz')).status).toBe(200);

    let acks = 0;
    let stopping = false;
    const sending = clients(srv.url, key, 4, () => stopping, () => {
      acks++;
      if (acks === 20 && !stopping) {
        stopping = true;
        srv.child.kill('SIGTERM');
        slowReq.end(slow.body.subarray(half));
      }
    });
    const acked = await sending;
    await slowDone;
    const { code } = await srv.exited;
    expect(code, srv.output()).toBe(0);
    expect(srv.output()).toContain('SIGTERM: draining writes');
    expect(slowStatus).toBe(200);
    acked.push(slow.acked);
    expect(await missing(dir, acked)).toEqual([]);
  });
});

describe('loupe keys create', () => {
  test('prints only the key, which works with its scopes, while the server runs', async () => {
    const ts = await startTestServer('keys-cli');
    try {
      const rw = await run(['keys', 'create', '--project', 'cli-project', '--scopes', 'ingest,read', '--data-dir', ts.dir]);
      expect(rw.code, rw.stderr).toBe(0);
      expect(rw.stdout).toMatch(/^lp_[A-Za-z0-9_-]{20,}\n$/);
      const key = rw.stdout.trim();
      const ro = await run(['keys', 'create', '--project', 'cli-project', '--scopes', 'read', '--data-dir', ts.dir]);
      expect(ro.code, ro.stderr).toBe(0);
      expect(ro.stdout).toMatch(/^lp_[A-Za-z0-9_-]{20,}\n$/);
      const readKey = ro.stdout.trim();
      expect(readKey).not.toBe(key);

      const b = batch(0);
      const ingest = await call(ts.url, b.path, { key, body: b.body, headers: { 'content-type': b.contentType } });
      expect(ingest.status).toBe(200);
      const read = await call(ts.url, `/api/v1/traces/${b.acked.traceId}`, { key });
      expect(read.status).toBe(200);
      expect(read.json.spans).toHaveLength(b.acked.spanIds.length);
      expect((await call(ts.url, `/api/v1/traces/${b.acked.traceId}`, { key: readKey })).status).toBe(200);
      const denied = await call(ts.url, b.path, { key: readKey, body: b.body, headers: { 'content-type': b.contentType } });
      expect(denied.status).toBe(403);
      // The project's data is its own: the admin key of `default` does not see it.
      expect((await call(ts.url, `/api/v1/traces/${b.acked.traceId}`, { key: ts.key })).status).toBe(404);

      const bad = await run(['keys', 'create', '--project', 'x', '--scopes', 'write', '--data-dir', ts.dir]);
      expect(bad.code).not.toBe(0);
      expect(bad.stdout).toBe('');
    } finally {
      await ts.close();
    }
  });
});
