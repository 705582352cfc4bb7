// Delivery under a misbehaving network: retries (503 with Retry-After, a server down then back),
// refusals that make flush() reject (401, 400), a server that never answers, and the bounded
// buffer's drop-oldest. The real server stores; small proxies of our own misbehave in front.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Loupe, LoupeDeliveryError, type LoupeError } from '@loupe/sdk';
import { startTestServer, type TestServer } from '../../../test/helpers/server.js';
import { readTrace, rejection, sleep, startProxy, startSilentServer } from './helpers.js';

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer('sdk-delivery');
});
afterAll(async () => {
  await srv.close();
});

describe('retries', () => {
  it('retries after 503 with Retry-After and stores everything once', async () => {
    const proxy = await startProxy(srv.url, 2, 503, '1');
    const loupe = new Loupe({ apiKey: srv.key, baseUrl: proxy.url, processHooks: false, retryBaseMs: 10 });
    const trace = loupe.trace({ name: 'retried' });
    for (let i = 0; i < 5; i++) trace.tool(i).end(i);
    const t0 = Date.now();
    await loupe.flush();
    // Two refusals, each asking for a second: the SDK waited as told, not its 10 ms backoff.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1900);
    expect(proxy.refused).toBe(2);
    expect(loupe.stats()).toMatchObject({ sent: 6, retried: 2, failed: 0, dropped: 0 });
    expect((await readTrace(srv.url, srv.key, trace.traceId))!.spans).toHaveLength(5);
    await proxy.stop();
  });

  it('loses and duplicates nothing when the server is down and comes back', async () => {
    const proxy = await startProxy(srv.url);
    await proxy.stop();
    const errors: LoupeError[] = [];
    const loupe = new Loupe({ apiKey: srv.key, baseUrl: proxy.url, processHooks: false, retryBaseMs: 100, retryMaxMs: 400, maxRetries: 20, flushIntervalMs: 50, onError: (e) => errors.push(e) });
    const trace = loupe.trace({ name: 'outage' });
    const ids: string[] = [];
    for (let i = 0; i < 50; i++) {
      const s = trace.tool(i);
      ids.push(s.id);
      s.end(i);
    }
    await sleep(800); // requests fail meanwhile: connection refused
    expect(loupe.stats().retried).toBeGreaterThan(0);
    await proxy.restart();
    await loupe.flush();
    const d = (await readTrace(srv.url, srv.key, trace.traceId))!;
    expect(d.spans.map((s) => s.id).sort()).toEqual([...ids].sort());
    // Each span went through to the server exactly once.
    expect(proxy.forwardedSpanIds.sort()).toEqual([...ids].sort());
    expect(loupe.stats()).toMatchObject({ sent: 51, failed: 0, dropped: 0 });
    expect(errors).toEqual([]);
    await proxy.stop();
  });
});

describe('flush() rejects when the server refuses', () => {
  it('401: a bad key', async () => {
    const errors: LoupeError[] = [];
    const loupe = new Loupe({ apiKey: 'not-a-key', baseUrl: srv.url, processHooks: false, onError: (e) => errors.push(e) });
    loupe.trace({ name: 'x' }).tool('y').end();
    const e = await rejection(loupe.flush());
    expect(e.total).toBe(2);
    expect(e.undelivered).toBe(2);
    expect(e.message).toMatch(/HTTP 401/);
    expect(loupe.stats()).toMatchObject({ sent: 0, failed: 2, retried: 0 });
    expect(errors.map((x) => x.code)).toEqual(['failed']);
  });

  it('400: nothing in the batch valid; no retry', async () => {
    const loupe = new Loupe({ apiKey: srv.key, baseUrl: srv.url, processHooks: false });
    const t = loupe.trace({ name: 'bad', tags: Array.from({ length: 101 }, (_, i) => `t${i}`) });
    t.generation({ model: 'm' }).end({ output: 'o', usage: { inputTokens: 2_000_000_000 } });
    const e = await rejection(loupe.flush());
    expect(e.message).toMatch(/HTTP 400/);
    expect(e.undelivered).toBe(2);
    expect(loupe.stats()).toMatchObject({ sent: 0, failed: 2, retried: 0 });
    // Reported once: what is buffered after it is a new window.
    loupe.trace({ name: 'good' });
    await loupe.flush();
  });

  it('a server that never answers: flush rejects after the request timeouts', async () => {
    const silent = await startSilentServer();
    const loupe = new Loupe({ apiKey: srv.key, baseUrl: silent.url, processHooks: false, requestTimeoutMs: 300, maxRetries: 1, retryBaseMs: 10 });
    loupe.trace({ name: 'void' }).tool('x').end();
    const t0 = Date.now();
    const e = await rejection(loupe.flush());
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(e.message).toMatch(/timed out after 300 ms/);
    expect(loupe.stats()).toMatchObject({ failed: 2, retried: 1 });
    await silent.stop();
  });

  it('a flush timeout shorter than the retries: rejects saying what is still unsent', async () => {
    const silent = await startSilentServer();
    const loupe = new Loupe({ apiKey: srv.key, baseUrl: silent.url, processHooks: false, requestTimeoutMs: 5000 });
    loupe.trace({ name: 'void' });
    const e = await rejection(loupe.flush(200));
    expect(e.message).toMatch(/still unsent when the flush timed out after 200 ms/);
    await silent.stop();
  });
});

describe('the bounded buffer', () => {
  it('drops the oldest events, counts them, warns once, calls onError once, and flush says so', async () => {
    const silent = await startSilentServer();
    const errors: LoupeError[] = [];
    const warnings: string[] = [];
    const warn = console.warn;
    console.warn = (m: string) => { warnings.push(m); };
    try {
      // Nothing leaves before the flush: a long interval and a high count trigger.
      const loupe = new Loupe({ apiKey: srv.key, baseUrl: srv.url, processHooks: false, maxQueueItems: 5, flushAt: 1000, flushIntervalMs: 60_000, onError: (e) => errors.push(e) });
      const trace = loupe.trace({ name: 'overflow' });
      for (let i = 0; i < 20; i++) trace.tool(i, { name: `s${i}` }).end();
      expect(loupe.stats()).toMatchObject({ dropped: 16, buffered: 5 });
      expect(warnings.filter((w) => /buffer is full/.test(w))).toHaveLength(1);
      expect(errors.map((x) => x.code)).toEqual(['dropped']);
      const e = await rejection(loupe.flush());
      expect(e.total).toBe(21);
      expect(e.failures).toEqual([{ reason: expect.stringMatching(/^dropped/), count: 16 }]);
      // The newest five arrived (the trace itself was the oldest event, so only its spans are stored).
      const spans = await fetch(`${srv.url}/api/v1/spans?traceId=${trace.traceId}`, { headers: { 'x-api-key': srv.key } }).then((r) => r.json()) as { data: Array<{ name: string }> };
      expect(spans.data.map((s) => s.name).sort()).toEqual(['s15', 's16', 's17', 's18', 's19']);
    } finally {
      console.warn = warn;
      await silent.stop();
    }
  });

  it('also bounds bytes', async () => {
    const loupe = new Loupe({ apiKey: srv.key, baseUrl: srv.url, processHooks: false, maxQueueBytes: 50_000, flushAt: 1000, flushIntervalMs: 60_000 });
    const warn = console.warn;
    console.warn = () => undefined;
    try {
      const trace = loupe.trace({ name: 'bytes' });
      for (let i = 0; i < 20; i++) trace.tool('x'.repeat(10_000)).end();
      const s = loupe.stats();
      expect(s.dropped).toBeGreaterThan(10);
      expect(s.buffered).toBeLessThanOrEqual(5);
    } finally {
      console.warn = warn;
    }
    await loupe.flush().catch(() => undefined);
  });
});
