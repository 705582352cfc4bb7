import { afterAll, beforeAll, expect, test } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../../src/server/index.js';

let server: RunningServer;
let dir: string;
let key: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-smoke-'));
  server = await startServer({ host: '127.0.0.1', port: 0, dataDir: dir });
  key = readFileSync(join(dir, 'admin-key.txt'), 'utf8').trim();
});

afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

test('an OTLP JSON export is readable at once through the native API', async () => {
  const body = readFileSync(new URL('../fixtures/examples/03-otlp-genai-chat-tool-calls.json', import.meta.url));
  const res = await fetch(`${server.url}/v1/traces`, { method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/json' }, body });
  expect(res.status).toBe(200);
  const detail = (await (await fetch(`${server.url}/api/v1/traces/4bf92f3577b34da6a3ce929d0e0e4736`, { headers: { 'x-api-key': key } })).json()) as { spans: unknown[]; trace: { totalTokens: number } };
  expect(detail.spans.length).toBe(3);
  expect(detail.trace.totalTokens).toBeGreaterThan(0);
});
