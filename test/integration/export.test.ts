// Export and import: the JSONL stream over HTTP with the trace-list filters, and the round trip
// export -> import into an empty store -> export, byte for byte, through the HTTP routes and
// through the CLI (direct database and --url). Real servers on port 0, real SQLite files.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startServer, type RunningServer } from '../../src/server/index.js';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '../..');
const cli = (args: string[]) => run(process.execPath, ['bin/loupe.js', ...args], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });

const dirs: string[] = [];
const servers: RunningServer[] = [];

async function fresh(): Promise<{ server: RunningServer; key: string; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'loupe-export-'));
  dirs.push(dir);
  const server = await startServer({ host: '127.0.0.1', port: 0, dataDir: dir });
  servers.push(server);
  return { server, dir, key: readFileSync(join(dir, 'admin-key.txt'), 'utf8').trim() };
}

async function post(s: { server: RunningServer; key: string }, path: string, body: string | Buffer, type = 'application/json') {
  const res = await fetch(`${s.server.url}${path}`, { method: 'POST', headers: { 'x-api-key': s.key, 'content-type': type }, body });
  expect(res.status, await res.clone().text()).toBe(200);
  return res.json();
}

async function exportText(s: { server: RunningServer; key: string }, query = ''): Promise<string> {
  const res = await fetch(`${s.server.url}/api/v1/export${query}`, { headers: { 'x-api-key': s.key } });
  expect(res.status).toBe(200);
  return res.text();
}

let source: { server: RunningServer; key: string; dir: string };
let exported: string;

beforeAll(async () => {
  source = await fresh();
  await post(source, '/api/v1/ingest', readFileSync(join(ROOT, 'test/fixtures/export/rich-batch.json')));
  // A span that arrives in two parts, and two OTLP traces through the OTLP route.
  await post(source, '/api/v1/ingest', JSON.stringify({ spans: [{ id: 'part', traceId: 'rt-6', kind: 'llm', name: 'parts', startTime: '2025-03-04T09:00:00.000001Z', model: 'gpt-4o' }] }));
  await post(source, '/api/v1/ingest', JSON.stringify({ spans: [{ id: 'part', traceId: 'rt-6', endTime: '2025-03-04T09:00:02.000002Z', status: 'ok', usage: { outputTokens: 3 } }] }));
  for (const f of ['01-otlp-minimal-trace.json', '02-otlp-openinference-llm-tool-calls.json', '03-otlp-genai-chat-tool-calls.json']) {
    await post(source, '/v1/traces', readFileSync(join(ROOT, 'test/fixtures/examples', f)));
  }
  exported = await exportText(source);
});

afterAll(async () => {
  for (const s of servers) await s.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('export format', () => {
  test('one trace a line with its spans and scores, explicit fields only, microsecond times', () => {
    const lines = exported.trimEnd().split('\n').map((l) => JSON.parse(l) as { trace: Record<string, unknown>; spans: Array<Record<string, unknown>>; scores: Array<Record<string, unknown>> });
    expect(exported.endsWith('\n')).toBe(true);
    const byId = new Map(lines.map((l) => [l.trace.id as string, l]));
    expect([...byId.keys()].filter((id) => id.startsWith('rt-')).sort()).toEqual(['rt-1', 'rt-2', 'rt-3', 'rt-4', 'rt-5', 'rt-6']);
    const rt1 = byId.get('rt-1')!;
    // Store-local and rolled-up fields are not part of the format.
    for (const k of ['numericId', 'projectId', 'spanCount', 'costUsd', 'inputTokens', 'durationMs']) expect(rt1.trace).not.toHaveProperty(k);
    expect(rt1.trace).toMatchObject({ status: 'success', startTime: '2025-03-04T05:06:07.000001Z', endTime: '2025-03-04T05:06:09.123457Z', tags: ['alpha', 'beta', 'zeta'] });
    expect(rt1.spans.map((s) => s.id)).toEqual(['sp-root', 'sp-llm', 'sp-tool', 'sp-given-cost']);
    expect(rt1.scores.map((s) => [s.id, s.value])).toEqual([['sc-1', 'down'], ['sc-2', 0.875], ['sc-3', false]]);
    const llm = rt1.spans[1];
    // Priced at ingest: (1200-1000)*3e-6 + 1000*0.3e-6 + 80*15e-6 = 0.0006 + 0.0003 + 0.0012 = 0.0021.
    expect(llm.costUsd).toBeCloseTo(0.0021, 12);
    expect(llm.events).toEqual([{ name: 'first_token', time: '2025-03-04T05:06:07.400004Z', attributes: { ttft_ms: 300 } }, { name: 'note', attributes: {} }]);
    expect(rt1.spans[3].costUsd).toBe(0.000123456789);
    // An explicit JSON null is kept apart from "not said".
    expect(byId.get('rt-4')!.trace).toHaveProperty('input', null);
    expect(byId.get('rt-4')!.trace).not.toHaveProperty('output');
    // A trace made by a score alone keeps its start.
    expect(byId.get('rt-5')!.trace).toEqual({ id: 'rt-5', startTime: '2025-03-04T08:00:00.000008Z' });
  });

  test('the HTTP stream and the CLI reading the database write the same bytes', async () => {
    const direct = await cli(['export', '--data-dir', source.dir]);
    expect(direct.stdout).toBe(exported);
  });
});

describe('round trip', () => {
  test('export -> POST /api/v1/import into an empty store -> export is byte-identical, rollups equal', async () => {
    const target = await fresh();
    const r = (await post(target, '/api/v1/import', exported, 'application/x-ndjson')) as { accepted: number; rejected: unknown[] };
    expect(r.rejected).toEqual([]);
    expect(await exportText(target)).toBe(exported);
    // What the stores derive (rollups, status, times) agrees too; only numericId is store-local.
    for (const id of ['rt-1', 'rt-3', 'rt-4', 'rt-5', 'rt-6', '4bf92f3577b34da6a3ce929d0e0e4736']) {
      const [a, b] = await Promise.all([source, target].map(async (s) => (await (await fetch(`${s.server.url}/api/v1/traces/${id}`, { headers: { 'x-api-key': s.key } })).json()) as { trace: Record<string, unknown> }));
      expect({ ...b, trace: { ...b.trace, numericId: 0 } }, id).toEqual({ ...a, trace: { ...a.trace, numericId: 0 } });
    }
  });

  test('loupe export | loupe import (direct database) | loupe export is byte-identical; and through --url', async () => {
    const file = join(source.dir, 'dump.jsonl');
    writeFileSync(file, exported);
    const dir = mkdtempSync(join(tmpdir(), 'loupe-import-'));
    dirs.push(dir);
    const imp = await cli(['import', file, '--data-dir', dir]);
    expect(imp.stderr).toMatch(/imported \d+ items from \d+ lines/);
    expect((await cli(['export', '--data-dir', dir])).stdout).toBe(exported);

    const viaUrl = await fresh();
    await cli(['import', file, '--url', viaUrl.server.url, '--key', viaUrl.key]);
    expect((await cli(['export', '--url', viaUrl.server.url, '--key', viaUrl.key])).stdout).toBe(exported);
  });

  test('an import larger than the compaction backlog bound waits for compaction instead of stopping part-way (direct and --url)', async () => {
    const big = await fresh();
    const t0 = Date.parse('2025-05-01T00:00:00Z');
    for (let b = 0; b < 5; b++) {
      const spans = Array.from({ length: 1000 }, (_, i) => ({ id: `s${i}`, traceId: `big-${b}-${i % 50}`, kind: 'llm', name: 'call', startTime: new Date(t0 + b * 1000 + i).toISOString(), input: `${b}/${i} ${'lorem ipsum '.repeat(90)}` }));
      await post(big, '/api/v1/ingest', JSON.stringify({ spans }));
    }
    const dump = await exportText(big);
    const file = join(big.dir, 'big.jsonl');
    writeFileSync(file, dump);
    // 5,000 spans in batches of 2,000 items (direct) and chunks of 4 MB (--url), past a bound of 100
    const bound = { ...process.env, LOUPE_MAX_COMPACTION_BACKLOG: '100' };
    const dir = mkdtempSync(join(tmpdir(), 'loupe-import-'));
    dirs.push(dir);
    const imp = await run(process.execPath, ['bin/loupe.js', 'import', file, '--data-dir', dir], { cwd: ROOT, env: bound, maxBuffer: 64 * 1024 * 1024 });
    expect(imp.stderr).toMatch(/imported 5250 items from 250 lines/);
    expect((await cli(['export', '--data-dir', dir])).stdout).toBe(dump);
    process.env.LOUPE_MAX_COMPACTION_BACKLOG = '100';
    try {
      const viaUrl = await fresh();
      await cli(['import', file, '--url', viaUrl.server.url, '--key', viaUrl.key]);
      expect((await cli(['export', '--url', viaUrl.server.url, '--key', viaUrl.key])).stdout).toBe(dump);
    } finally {
      delete process.env.LOUPE_MAX_COMPACTION_BACKLOG;
    }
  });

  test('a bad line is reported with its number; the others are imported', async () => {
    const target = await fresh();
    const first = exported.split('\n')[0];
    const res = await fetch(`${target.server.url}/api/v1/import`, { method: 'POST', headers: { 'x-api-key': target.key, 'content-type': 'application/x-ndjson' }, body: `${first}\nnot json\n{"nope":1}\n` });
    const body = (await res.json()) as { lines: number; rejected: Array<{ item: string; message: string }> };
    expect(res.status).toBe(200);
    expect(body.rejected.map((x) => x.item)).toEqual(['line 2', 'line 3']);
    const all = await fetch(`${target.server.url}/api/v1/import`, { method: 'POST', headers: { 'x-api-key': target.key, 'content-type': 'application/x-ndjson' }, body: 'nope\n' });
    expect(all.status).toBe(400);
  });
});

describe('export over HTTP', () => {
  test('streams many pages, chunked, with the list filters, order and limit', async () => {
    const s = await fresh();
    const traces = Array.from({ length: 450 }, (_, i) => ({
      id: `bulk-${String(i).padStart(4, '0')}`,
      startTime: new Date(Date.UTC(2025, 0, 1) + i * 1000).toISOString(),
      environment: i % 3 === 0 ? 'production' : 'staging',
      tags: i % 5 === 0 ? ['five'] : undefined,
    }));
    const spans = traces.map((t, i) => ({ id: 's', traceId: t.id, kind: 'llm', startTime: t.startTime, status: i % 10 === 0 ? 'error' : 'ok' }));
    await post(s, '/api/v1/ingest', JSON.stringify({ traces, spans }));

    const res = await fetch(`${s.server.url}/api/v1/export`, { headers: { 'x-api-key': s.key } });
    expect(res.headers.get('content-type')).toContain('application/x-ndjson');
    expect(res.headers.get('transfer-encoding')).toBe('chunked');
    const ids = (await res.text()).trimEnd().split('\n').map((l) => (JSON.parse(l) as { trace: { id: string } }).trace.id);
    // 450 traces over 3 pages of 200, oldest first, each once.
    expect(ids).toEqual(traces.map((t) => t.id));

    const lines = async (q: string) => (await exportText(s, q)).trimEnd().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { trace: { id: string; environment: string } });
    const prod = await lines('?environment=production');
    expect(prod).toHaveLength(150); // i = 0, 3, …, 447
    expect(prod.every((l) => l.trace.environment === 'production')).toBe(true);
    expect(await lines('?status=error&tag=five')).toHaveLength(45); // i divisible by 10 (and so by 5): 0, 10, …, 440
    const newest = await lines('?order=desc&limit=3');
    expect(newest.map((l) => l.trace.id)).toEqual(['bulk-0449', 'bulk-0448', 'bulk-0447']);
    expect(await lines('?from=2025-01-01T00:07:00Z&to=2025-01-01T00:07:05Z')).toHaveLength(5); // i = 420..424

    const bad = await fetch(`${s.server.url}/api/v1/export?status=exploded`, { headers: { 'x-api-key': s.key } });
    expect(bad.status).toBe(400);
    expect((await fetch(`${s.server.url}/api/v1/export?cursor=zzz`, { headers: { 'x-api-key': s.key } })).status).toBe(400);
    expect((await fetch(`${s.server.url}/api/v1/export`)).status).toBe(401);
  });
});
