// Project price overrides through PUT /api/v1/prices: admin scope, effective dates (the price in
// force at the span's start applies), cache invalidation on update, GET resolution, and the CLI.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { createKey } from '../../src/server/keys.js';

const run = promisify(execFile);
let server: RunningServer;
let dir: string;
let key: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-prices-'));
  server = await startServer({ host: '127.0.0.1', port: 0, dataDir: dir });
  key = readFileSync(join(dir, 'admin-key.txt'), 'utf8').trim();
});

afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const headers = (k = key) => ({ 'x-api-key': k, 'content-type': 'application/json' });

async function spanCost(id: string, model: string, startTime: string, usage: Record<string, number>): Promise<number | null> {
  const res = await fetch(`${server.url}/api/v1/ingest`, { method: 'POST', headers: headers(), body: JSON.stringify({ spans: [{ id, traceId: `t-${id}`, kind: 'llm', model, startTime, usage }] }) });
  expect(res.status).toBe(200);
  const detail = (await (await fetch(`${server.url}/api/v1/traces/t-${id}`, { headers: headers() })).json()) as { spans: Array<{ costUsd: number | null }> };
  return detail.spans[0].costUsd;
}

test('a price change applies from its effective date on; the cache is dropped on update', async () => {
  const usage = { inputTokens: 1000, outputTokens: 1000 };
  // Warm the project's cached table with the built-in price: 1000*2.5e-6 + 1000*10e-6 = 0.0125.
  expect(await spanCost('s0', 'gpt-4o-2024-08-06', '2025-07-02T00:00:00Z', usage)).toBeCloseTo(0.0125, 12);

  const put = await fetch(`${server.url}/api/v1/prices`, {
    method: 'PUT', headers: headers(), body: JSON.stringify({ prices: [
      { modelPattern: 'openai/gpt-4o', inputPrice: 1e-6, outputPrice: 2e-6, effectiveFrom: '2025-07-01T00:00:00Z' },
      { modelPattern: 'acme-*', inputPrice: 1e-6, outputPrice: 1e-6, cacheReadPrice: 0 },
    ] }),
  });
  expect(put.status).toBe(200);
  const putBody = (await put.json()) as { data: Array<{ modelPattern: string; effectiveFrom: string }> };
  // The provider prefix is dropped from the pattern; no effectiveFrom means always.
  expect(putBody.data.map((p) => [p.modelPattern, p.effectiveFrom])).toEqual([['acme-*', '1970-01-01T00:00:00.000000Z'], ['gpt-4o', '2025-07-01T00:00:00.000000Z']]);

  // Before the override's date, the built-in price: 0.0125.
  expect(await spanCost('s1', 'gpt-4o-2024-08-06', '2025-06-30T23:59:59.999999Z', usage)).toBeCloseTo(0.0125, 12);
  // From it on, the project's: 1000*1e-6 + 1000*2e-6 = 0.003.
  expect(await spanCost('s2', 'gpt-4o-2024-08-06', '2025-07-01T00:00:00Z', usage)).toBeCloseTo(0.003, 12);
  // gpt-4o-mini keeps its own (more specific) built-in price: 1000*0.15e-6 + 1000*0.6e-6 = 0.00075.
  expect(await spanCost('s3', 'gpt-4o-mini', '2025-07-02T00:00:00Z', usage)).toBeCloseTo(0.00075, 12);
  // A model only the project prices: (1000-400)*1e-6 + 400*0 + 100*1e-6 = 0.0007.
  expect(await spanCost('s4', 'acme-llm-v2', '2025-07-02T00:00:00Z', { inputTokens: 1000, cacheReadTokens: 400, outputTokens: 100 })).toBeCloseTo(0.0007, 12);
  // Unknown model: no cost.
  expect(await spanCost('s5', 'mystery-model', '2025-07-02T00:00:00Z', usage)).toBeNull();

  // A later change from a later date: spans before it keep the earlier override.
  await fetch(`${server.url}/api/v1/prices`, { method: 'PUT', headers: headers(), body: JSON.stringify({ prices: [{ modelPattern: 'gpt-4o', inputPrice: 4e-6, outputPrice: 4e-6, effectiveFrom: '2025-08-01T00:00:00Z' }] }) });
  expect(await spanCost('s6', 'gpt-4o', '2025-07-15T00:00:00Z', usage)).toBeCloseTo(0.003, 12);
  expect(await spanCost('s7', 'gpt-4o', '2025-08-01T00:00:00Z', usage)).toBeCloseTo(0.008, 12); // 1000*4e-6 + 1000*4e-6

  const resolved = (await (await fetch(`${server.url}/api/v1/prices?model=openai/gpt-4o-2024-08-06&at=2025-07-15T00:00:00Z`, { headers: headers() })).json()) as
    { builtin: unknown[]; match: { price: { source: string; modelPattern: string; inputPrice: number } } };
  expect(resolved.match.price).toMatchObject({ source: 'project', modelPattern: 'gpt-4o', inputPrice: 1e-6 });
  expect(resolved.builtin.length).toBeGreaterThan(50);

  // Deleting the overrides brings the built-in price back at once.
  const del = await fetch(`${server.url}/api/v1/prices?modelPattern=gpt-4o`, { method: 'DELETE', headers: { 'x-api-key': key } });
  expect(await del.json()).toEqual({ deleted: 2 });
  expect(await spanCost('s8', 'gpt-4o', '2025-08-02T00:00:00Z', usage)).toBeCloseTo(0.0125, 12);
});

test('PUT /api/v1/prices needs the admin scope and a valid body', async () => {
  const project = await server.store.findProject('default');
  const { key: readKey } = await createKey(server.store, project!.id, ['read', 'ingest']);
  const body = JSON.stringify({ prices: [{ modelPattern: 'x', inputPrice: 1, outputPrice: 1 }] });
  expect((await fetch(`${server.url}/api/v1/prices`, { method: 'PUT', headers: headers(readKey), body })).status).toBe(403);
  expect((await fetch(`${server.url}/api/v1/prices`, { headers: headers(readKey) })).status).toBe(200);
  const bad = await fetch(`${server.url}/api/v1/prices`, { method: 'PUT', headers: headers(), body: JSON.stringify({ prices: [{ modelPattern: 'x', inputPrice: -1, outputPrice: 1 }] }) });
  expect(bad.status).toBe(400);
  expect(((await bad.json()) as { error: { message: string } }).error.message).toContain('prices.0.inputPrice');
  const badDate = await fetch(`${server.url}/api/v1/prices`, { method: 'PUT', headers: headers(), body: JSON.stringify({ prices: [{ modelPattern: 'x', inputPrice: 1, outputPrice: 1, effectiveFrom: 'soon' }] }) });
  expect(badDate.status).toBe(400);
});

test('loupe prices set/list through the server and directly in the database', async () => {
  const cli = (args: string[]) => run(process.execPath, ['bin/loupe.js', ...args], { cwd: join(import.meta.dirname, '../..') });
  const set = await cli(['prices', 'set', '--model', 'bedrock-thing', '--input', '3/1M', '--output', '0.000015', '--from', '2025-01-01T00:00:00Z', '--url', server.url, '--key', key]);
  expect(set.stdout).toContain('bedrock-thing');
  const list = await cli(['prices', 'list', '--url', server.url, '--key', key]);
  expect(list.stdout).toMatch(/bedrock-thing\s+in\s+3\/1M\s+out\s+15\/1M/);
  // Directly in the database (WAL lets the CLI write beside the running server).
  await cli(['prices', 'set', '--model', 'direct-model', '--input', '1/1M', '--output', '2/1M', '--data-dir', dir]);
  const listed = await server.store.listPrices((await server.store.findProject('default'))!.id);
  expect(listed.find((p) => p.modelPattern === 'direct-model')).toMatchObject({ inputPrice: 1e-6, outputPrice: 2e-6, effectiveFrom: 0 });
});
