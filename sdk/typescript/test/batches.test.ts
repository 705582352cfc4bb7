// What one bad or big event does to a batch: a circular value fails that event alone, a batch
// whose serialised size passes maxBatchBytes is split, an event too big for the server fails
// with a clear reason, refusals named by id are matched, and a Retry-After wait ends when the
// exit abandons it. The size estimate is bounded in time and leans high.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Loupe, LoupeDeliveryError } from '@loupe/sdk';
import { estimateBytes } from '../dist/size.js';
import { startTestServer, type TestServer } from '../../../test/helpers/server.js';
import { readTrace, rejection } from './helpers.js';

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer('sdk-batches');
});
afterAll(async () => {
  await srv.close();
});

describe('one bad event', () => {
  it('a circular or BigInt value fails that event alone; the rest of the batch is stored', async () => {
    const loupe = new Loupe({ apiKey: srv.key, baseUrl: srv.url, processHooks: false });
    const trace = loupe.trace({ name: 'circular' });
    const loop: Record<string, unknown> = { a: 1 };
    loop.self = loop;
    trace.tool(loop).end('x');
    trace.tool({ n: 10n }).end('y');
    trace.tool('fine').end('ok');
    const e = await rejection(loupe.flush());
    expect(e.failures).toHaveLength(2);
    for (const f of e.failures) expect(f.reason).toMatch(/^not serialisable: /);
    expect(e.failures.reduce((n, f) => n + f.count, 0)).toBe(2);
    const d = (await readTrace(srv.url, srv.key, trace.traceId))!;
    expect(d.trace.name).toBe('circular');
    expect(d.spans.map((s) => s.output)).toEqual(['ok']);
  });
});

describe('big events', () => {
  it('a batch whose serialised size passes maxBatchBytes goes as several requests', async () => {
    const sizes: number[] = [];
    const f: typeof fetch = (url, init) => {
      sizes.push(new TextEncoder().encode(String(init?.body)).length);
      return fetch(url, init);
    };
    const loupe = new Loupe({ apiKey: srv.key, baseUrl: srv.url, processHooks: false, fetch: f, maxBatchBytes: 8000 });
    const trace = loupe.trace({ name: 'split' });
    // toJSON: small to the estimate, big when serialised.
    for (let i = 0; i < 6; i++) trace.tool({ toJSON: () => `${i}`.repeat(3000) }).end(i);
    await loupe.flush();
    expect(sizes.length).toBeGreaterThanOrEqual(3);
    for (const n of sizes) expect(n).toBeLessThanOrEqual(8000);
    expect((await readTrace(srv.url, srv.key, trace.traceId))!.spans).toHaveLength(6);
  });

  it('an event alone over the server limit (64 MiB) fails with a clear reason, never sent', async () => {
    const bodies: number[] = [];
    const f: typeof fetch = (url, init) => {
      bodies.push(String(init?.body).length);
      return fetch(url, init);
    };
    const loupe = new Loupe({ apiKey: srv.key, baseUrl: srv.url, processHooks: false, fetch: f });
    const trace = loupe.trace({ name: 'huge' });
    trace.tool({ toJSON: () => 'x'.repeat(65 * 1024 * 1024) }).end();
    trace.tool('small').end('ok');
    const e = await rejection(loupe.flush());
    expect(e.failures).toEqual([{ reason: expect.stringMatching(/^too large: \d+ bytes serialised, over the server's limit/), count: 1 }]);
    for (const n of bodies) expect(n).toBeLessThan(64 * 1024 * 1024);
    expect((await readTrace(srv.url, srv.key, trace.traceId))!.spans.map((s) => s.output)).toEqual(['ok']);
  });
});

describe("the server's refusals", () => {
  it('are matched by id as well as by position; one matching nothing counts as failed', async () => {
    let spanId = '';
    const f: typeof fetch = async () => new Response(JSON.stringify({
      accepted: 1,
      rejected: [{ item: `span ${spanId} (trace t)`, message: 'out of range' }, { item: 'something else', message: 'odd' }],
    }), { status: 200, headers: { 'content-type': 'application/json' } });
    const loupe = new Loupe({ apiKey: 'k', baseUrl: 'http://127.0.0.1:1', processHooks: false, fetch: f });
    const trace = loupe.trace({ name: 'refusals' });
    const s = trace.tool('a');
    spanId = s.id;
    s.end();
    trace.tool('b').end();
    const e = await rejection(loupe.flush());
    expect(e.failures).toEqual([
      { reason: 'refused by the server: out of range', count: 1 },
      { reason: expect.stringMatching(/^refused by the server \(item not identified\): something else: odd/), count: 1 },
    ]);
    expect(loupe.stats()).toMatchObject({ sent: 1, failed: 2 });
  });
});

describe('estimateBytes', () => {
  it('is bounded in time: a 5 MB typed array, a 2M-element array', () => {
    const buf = new Uint8Array(5_000_000);
    let t0 = performance.now();
    expect(estimateBytes({ image: buf })).toBeGreaterThanOrEqual(5_000_000);
    expect(performance.now() - t0).toBeLessThan(50);
    const big = Array.from({ length: 2_000_000 }, (_, i) => i);
    t0 = performance.now();
    expect(estimateBytes(big)).toBeGreaterThanOrEqual(2_000_000);
    expect(performance.now() - t0).toBeLessThan(20);
  });

  it('counts a big string the walk reaches, whatever else the object holds', () => {
    const o: Record<string, unknown> = { doc: 'x'.repeat(5_000_000) };
    for (let i = 0; i < 100; i++) o[`k${i}`] = i;
    expect(estimateBytes(o)).toBeGreaterThanOrEqual(5_000_000);
    // Past the budget, the rest is counted, not taken as nothing.
    const many = Array.from({ length: 10_000 }, () => ({ text: 'y'.repeat(100) }));
    expect(estimateBytes(many)).toBeGreaterThanOrEqual(JSON.stringify(many).length / 2);
  });
});
