// `loupe demo` end to end: the CLI as a child process sends generated traces to a real server,
// and the query API shows them with models, tokens, sessions, users and errors.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startServer, type RunningServer } from '../../src/server/index.js';
import type { Span, Trace } from '../../src/model/schemas.js';

let server: RunningServer;
let dir: string;
let key: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-demo-'));
  server = await startServer({ host: '127.0.0.1', port: 0, dataDir: dir });
  key = readFileSync(join(dir, 'admin-key.txt'), 'utf8').trim();
});

afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const get = async <T>(path: string): Promise<T> => {
  const res = await fetch(`${server.url}${path}`, { headers: { 'x-api-key': key } });
  expect(res.status).toBe(200);
  return (await res.json()) as T;
};

test('loupe demo --traces 30 sends realistic traces that the query API serves', async () => {
  const bin = new URL('../../bin/loupe.js', import.meta.url).pathname;
  const { stdout } = await promisify(execFile)(process.execPath, [bin, 'demo', '--traces', '30', '--url', server.url, '--data-dir', dir, '--seed', '42']);
  expect(stdout).toMatch(/Sent 30 traces/);

  const page = await get<{ data: Trace[] }>('/api/v1/traces?limit=100');
  expect(page.data.length).toBe(30);
  const traces = page.data;
  expect(traces.every((t) => t.spanCount > 0 && t.userId && t.sessionId && t.name)).toBe(true);
  expect(traces.filter((t) => t.totalTokens > 0).length).toBeGreaterThan(20);
  expect(new Set(traces.map((t) => t.sessionId)).size).toBeGreaterThan(3);
  // Spread over the last days, so charts have a shape.
  const starts = traces.map((t) => Date.parse(t.startTime));
  expect(Math.max(...starts) - Math.min(...starts)).toBeGreaterThan(86_400_000);

  const spans = (await get<{ data: Span[] }>('/api/v1/spans?limit=1000')).data;
  const llm = spans.filter((s) => s.kind === 'llm');
  expect(new Set(llm.map((s) => s.model)).size).toBeGreaterThan(1);
  expect(llm.every((s) => s.model && s.provider)).toBe(true);
  expect(llm.some((s) => Array.isArray(s.input) && (s.input as unknown[]).length > 2)).toBe(true);
  for (const kind of ['chain', 'tool', 'retrieval', 'reranker', 'embedding', 'agent']) {
    if (!spans.some((s) => s.kind === kind)) throw new Error(`no ${kind} span among ${spans.length}`);
  }

  // Errors: at seed 42 some tool or LLM call fails; its trace reads as an error.
  const failed = spans.filter((s) => s.status === 'error');
  expect(failed.length).toBeGreaterThan(0);
  const detail = await get<{ trace: Trace; spans: Span[]; scores: unknown[] }>(`/api/v1/traces/${failed[0].traceId}`);
  expect(detail.trace.status).toBe('error');
  expect(detail.spans.find((s) => s.status === 'error')?.error).toBeTruthy();

  // One trace in detail: its spans are all there and a user session is filterable.
  const one = traces[0];
  expect((await get<{ spans: Span[] }>(`/api/v1/traces/${one.id}`)).spans.length).toBe(one.spanCount);
  expect((await get<{ data: Trace[] }>(`/api/v1/traces?sessionId=${one.sessionId}`)).data.every((t) => t.sessionId === one.sessionId)).toBe(true);
});
