// SIGTERM under load, through the real CLI: clients keep sending ingest requests on kept-alive
// connections while `loupe serve` is told to stop. Every request that reached the server gets an
// HTTP answer (2xx, or 503 telling it to retry), none a connection reset; every span acknowledged
// with 2xx is in the database afterwards; the server exits 0.
import { readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite/index.js';
import { tempDir } from '../helpers/server.js';
import { serve } from '../helpers/cli.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

type Outcome = { status: number; at: number } | { error: string; at: number };

/** One POST on the agent's kept-alive connections; an error is kept by its code, never thrown. */
function post(agent: Agent, url: URL, key: string, body: Buffer): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = request({ host: url.hostname, port: url.port, path: '/api/v1/ingest', method: 'POST', agent,
      headers: { 'x-api-key': key, 'content-type': 'application/json', 'content-length': body.length } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, at: Date.now() }));
      res.on('error', (e: NodeJS.ErrnoException) => resolve({ error: `response: ${e.code ?? e.message}`, at: Date.now() }));
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message, at: Date.now() }));
    req.end(body);
  });
}

test('SIGTERM under load: every request is answered 2xx or 503, none reset; every acked span is stored; exit 0', async () => {
  const dir = tempDir('sigterm-load');
  dirs.push(dir);
  const srv = await serve(dir);
  const key = readFileSync(join(dir, 'admin-key.txt'), 'utf8').trim();
  const url = new URL(srv.url);
  // Many kept-alive connections, as an OTLP exporter fleet would hold.
  const agent = new Agent({ keepAlive: true, maxSockets: 32 });

  const WORKERS = 32;
  const MAX_PER_WORKER = 40; // bounded: at most 1,280 requests
  let acks = 0;
  let termAt = 0;
  const acked: Array<{ traceId: string; spanIds: string[] }> = [];
  const outcomes: Outcome[] = [];
  let n = 0;

  await Promise.all(Array.from({ length: WORKERS }, async (_, w) => {
    for (let i = 0; i < MAX_PER_WORKER; i++) {
      const traceId = `sigterm-${w}-${i}-${n++}`;
      const now = Date.now();
      const spanIds = [0, 1, 2].map((k) => `${traceId}-${k}`);
      const body = Buffer.from(JSON.stringify({ spans: spanIds.map((id, k) => ({ id, traceId, name: `step ${k}`, kind: 'llm', startTime: now + k, endTime: now + k + 5,
        input: `question ${'x'.repeat(200)}`, usage: { inputTokens: 10 } })) }));
      const o = await post(agent, url, key, body);
      outcomes.push(o);
      if ('status' in o && o.status >= 200 && o.status < 300) {
        acked.push({ traceId, spanIds });
        // Mid-load: the other workers' requests are in flight or being written right now.
        if (++acks === 150) {
          termAt = Date.now();
          srv.child.kill('SIGTERM');
        }
      }
      // A client told to retry, or refused a new connection (nothing was sent), stops, as an
      // exporter would back off.
      if ('status' in o && o.status === 503) return;
      if ('error' in o) return;
    }
  }));
  agent.destroy();
  const { code } = await srv.exited;

  expect(termAt, 'the load ended before the signal').toBeGreaterThan(0);
  const errors = outcomes.filter((o): o is { error: string; at: number } => 'error' in o);
  // Refused connections carried no request; anything else (a reset, a hang-up) lost an answer.
  const lost = errors.filter((o) => o.error !== 'ECONNREFUSED');
  expect(lost.map((o) => o.error), srv.output()).toEqual([]);
  for (const o of errors) expect(o.at).toBeGreaterThanOrEqual(termAt);
  const statuses = outcomes.flatMap((o) => ('status' in o ? [o.status] : []));
  expect(statuses.filter((s) => !(s >= 200 && s < 300) && s !== 503)).toEqual([]);
  // The signal came while requests were in flight: some were answered after it.
  expect(outcomes.filter((o) => 'status' in o && o.at >= termAt).length).toBeGreaterThan(0);
  expect(code, srv.output()).toBe(0);

  const store = new SqliteStore(join(dir, 'loupe.db'));
  await store.init();
  try {
    const project = await store.findProject('default');
    const missing: string[] = [];
    for (const a of acked) {
      const d = await store.getTrace(project!.id, a.traceId);
      const have = new Set(d?.spans.map((s) => s.id) ?? []);
      for (const id of a.spanIds) if (!have.has(id)) missing.push(id);
    }
    expect(missing).toEqual([]);
  } finally {
    await store.close();
  }
  console.log(`SIGTERM under load: ${outcomes.length} requests, ${acked.length} acked (${acked.length * 3} spans), ${statuses.filter((s) => s === 503).length} answered 503, ${errors.length} refused connections, 0 reset, 0 acked spans lost`);
});
