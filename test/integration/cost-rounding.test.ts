// Costs read as decimals (issue 19): a computed cost (4,001 × $0.15/M + 999 × $0.60/M comes out of
// binary arithmetic as 0.0006001499999999999 + 0.0005993999999999999) and a sum (0.1 + 0.2) show
// what they mean in every answer — traces, spans, sessions, users, metrics and the export — and
// a total equals the sum of its parts.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { call, startTestServer, type TestServer } from '../helpers/server.js';

let srv: TestServer;
const T0 = Date.parse('2026-03-01T10:00:00Z');

beforeAll(async () => {
  srv = await startTestServer('cost-rounding');
  const r = await call(srv.url, '/api/v1/ingest', {
    key: srv.key,
    body: {
      traces: [{ id: 'c1', userId: 'u1', sessionId: 's1' }],
      spans: [
        { id: 'computed', traceId: 'c1', kind: 'llm', model: 'gpt-4o-mini', startTime: T0, endTime: T0 + 100, usage: { inputTokens: 4001, outputTokens: 999 } },
        { id: 'given-1', traceId: 'c1', kind: 'llm', model: 'custom', startTime: T0 + 200, endTime: T0 + 300, costUsd: 0.1 },
        { id: 'given-2', traceId: 'c1', kind: 'llm', model: 'custom', startTime: T0 + 400, endTime: T0 + 500, costUsd: 0.2 },
      ],
    },
  });
  expect(r.status).toBe(200);
});
afterAll(() => srv.close());

const get = async <T>(path: string) => {
  const r = await call<T>(srv.url, path, { key: srv.key });
  expect(r.status, path).toBe(200);
  return r;
};

test('every answer shows the decimal cost, and totals equal the sum of their parts', async () => {
  const SPAN = 0.00119955;
  const TOTAL = 0.30119955;
  const detail = (await get<{ trace: { costUsd: number }; spans: Array<{ id: string; costUsd: number }> }>('/api/v1/traces/c1')).json;
  expect(detail.spans.find((s) => s.id === 'computed')!.costUsd).toBe(SPAN);
  expect(detail.trace.costUsd).toBe(TOTAL);
  expect((await get<{ data: Array<{ costUsd: number }> }>('/api/v1/traces')).json.data[0].costUsd).toBe(TOTAL);
  const spans = (await get<{ data: Array<{ id: string; costUsd: number }> }>('/api/v1/spans?traceId=c1')).json.data;
  expect(spans.map((s) => s.costUsd).sort()).toEqual([0.1, 0.2, SPAN].sort());
  expect((await get<{ data: Array<{ costUsd: number }> }>('/api/v1/sessions')).json.data[0].costUsd).toBe(TOTAL);
  expect((await get<{ data: Array<{ costUsd: number }> }>('/api/v1/users')).json.data[0].costUsd).toBe(TOTAL);
  const range = `from=${new Date(T0 - 3_600_000).toISOString()}&to=${new Date(T0 + 3_600_000).toISOString()}`;
  expect((await get<{ data: Array<{ costUsd: number }> }>(`/api/v1/metrics?${range}`)).json.data[0].costUsd).toBe(TOTAL);
  expect((await get<{ data: Array<{ costUsd: number }> }>(`/api/v1/metrics?level=span&${range}`)).json.data[0].costUsd).toBe(TOTAL);
  // The text itself, not only the parsed number: no 0.0006001499999999999 anywhere.
  const exported = (await get('/api/v1/export')).raw.toString('utf8');
  expect(exported).toContain('"costUsd":0.00119955');
  for (const path of ['/api/v1/traces/c1', '/api/v1/spans?traceId=c1', '/api/v1/sessions/s1', '/api/v1/users/u1']) {
    const text = (await get(path)).raw.toString('utf8');
    expect(text, path).not.toMatch(/\d\.\d*(0000000|9999999)\d/);
  }
});
