// Span input/output filters see the text the API shows, even where the store keeps long strings
// content-addressed (SQLite blobs): `input contains` must find words inside a long message.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer('span-text');
});

afterAll(async () => {
  await t.close();
});

const long = (word: string) => `Please look up the refund policy for order 4411 and explain it to the customer: ${word}. `.repeat(3);

test('filter=input contains matches inside long, content-addressed messages', async () => {
  const body = {
    spans: [
      { id: 's1', traceId: 'tx1', kind: 'llm', name: 'chat', startTime: '2026-01-01T00:00:00Z', endTime: '2026-01-01T00:00:01Z', input: [{ role: 'user', content: long('pelican') }] },
      { id: 's2', traceId: 'tx2', kind: 'llm', name: 'chat', startTime: '2026-01-01T00:01:00Z', endTime: '2026-01-01T00:01:01Z', input: [{ role: 'user', content: long('walrus') }] },
    ],
  };
  const res = await fetch(`${t.url}/api/v1/ingest`, { method: 'POST', headers: { 'x-api-key': t.key, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  const q = encodeURIComponent('input contains "pelican"');
  const page = (await (await fetch(`${t.url}/api/v1/spans?filter=${q}`, { headers: { 'x-api-key': t.key } })).json()) as { data: Array<{ id: string; input: unknown }> };
  expect(page.data.map((s) => s.id)).toEqual(['s1']);
  expect(page.data[0].input).toEqual(body.spans[0].input);
});
