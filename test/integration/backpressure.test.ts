// Back-pressure over HTTP: with a tiny write queue, concurrent ingest gets 503 + Retry-After
// (retryable, JSON error) instead of queueing without bound; every 2xx-acked batch is stored.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { call, startTestServer, type TestServer } from '../helpers/server.js';
import { exportOf, ids, nanos } from '../helpers/otlp.js';

let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer('backpressure', { writer: { maxQueuedItems: 6, retryAfterSeconds: 2 } });
});
afterAll(async () => ts.close());

test('a full write queue answers 503 with Retry-After; acked batches are all stored', async () => {
  const acked: string[] = [];
  let refused = 0;
  for (let round = 0; round < 10 && refused === 0; round++) {
    await Promise.all(Array.from({ length: 24 }, async () => {
      const { traceId, spanId } = ids();
      const spans = Array.from({ length: 4 }, (_, i) => ({ traceId, spanId: spanId(), name: `s${i}`, start: nanos(Date.now()), end: nanos(Date.now() + 1) }));
      const r = await call(ts.url, '/v1/traces', { key: ts.key, body: exportOf(spans) });
      if (r.status === 200) acked.push(traceId);
      else {
        expect(r.status).toBe(503);
        expect(r.headers.get('retry-after')).toBe('2');
        expect(r.json.error.code).toBe('overloaded');
        refused++;
      }
    }));
  }
  expect(refused).toBeGreaterThan(0);
  expect(acked.length).toBeGreaterThan(0);
  for (const id of acked) expect((await call(ts.url, `/api/v1/traces/${id}`, { key: ts.key })).json.trace.spanCount).toBe(4);
  expect((await call(ts.url, '/readyz')).status).toBe(200);
});
