// Limits per key (issue 14, item 12) on a real server: requests and bytes per second per key (429
// rate_limited with Retry-After; gRPC RESOURCE_EXHAUSTED), a byte budget checked on the declared
// length before the body is read, failed authentication throttled per address, and CORS (off by
// default, an allow-list when set).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import { call, startTestServer, type TestServer } from '../helpers/server.js';
import { rawConnect, requestHead } from '../helpers/raw-http.js';
import { grpcExport } from '../helpers/grpc.js';
import { resolveCorsOrigins } from '../../src/server/cors.js';
import { resolveKeyRateLimits } from '../../src/server/rate-limit.js';


describe('requests per second per key', () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer('rps', { grpcPort: 0, keyRateLimits: { requestsPerSec: 5, bytesPerSec: 0 } });
  });
  afterAll(async () => ts.close());

  test('past its budget a key gets 429 rate_limited with Retry-After; another key is untouched', async () => {
    const key = await ts.keyFor('default', ['read']);
    const statuses: number[] = [];
    let limited;
    for (let i = 0; i < 12; i++) {
      const r = await call(ts.url, '/api/v1/traces', { key });
      statuses.push(r.status);
      if (r.status === 429) limited = r;
    }
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(5);
    expect(statuses.filter((s) => s === 200).length).toBeLessThan(9);
    expect(limited?.json.error.code).toBe('rate_limited');
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await call(ts.url, '/api/v1/traces', { key: ts.key })).status).toBe(200);
    // tokens come back: after a second the key works again
    await new Promise((r) => setTimeout(r, 1100));
    expect((await call(ts.url, '/api/v1/traces', { key })).status).toBe(200);
  });

  test('on gRPC the same budget answers RESOURCE_EXHAUSTED', async () => {
    const key = await ts.keyFor('default', ['ingest']);
    const codes: number[] = [];
    for (let i = 0; i < 10; i++) codes.push((await grpcExport(ts.server.grpcPort!, key, Buffer.alloc(0)))?.code ?? 0);
    expect(codes.filter((c) => c === 0).length).toBeGreaterThanOrEqual(5);
    expect(codes).toContain(grpc.status.RESOURCE_EXHAUSTED);
  });
});

describe('bytes per second per key', () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer('bps', { grpcPort: 0, keyRateLimits: { requestsPerSec: 0, bytesPerSec: 2000 } });
  });
  afterAll(async () => ts.close());

  const body = (n: number) => ({ traces: [{ id: `bytes-${n}`, name: 'x'.repeat(1200) }] });

  test('a body over what is left of the budget is refused (429) by its declared length, before it is read', async () => {
    const key = await ts.keyFor('default', ['ingest']);
    expect((await call(ts.url, '/api/v1/ingest', { key, body: body(1) })).status).toBe(200);
    const r = await call(ts.url, '/api/v1/ingest', { key, body: body(2) });
    expect(r.status).toBe(429);
    expect(r.json.error.code).toBe('rate_limited');
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // refused on its headers alone: the answer comes though no body byte was sent
    const conn = await rawConnect(ts.url);
    try {
      conn.write(requestHead('POST', '/api/v1/ingest', { 'x-api-key': key, 'content-type': 'application/json', 'content-length': 1500 }));
      expect(await conn.waitFor(/^HTTP\/1\.1 429/, 5000)).toMatch(/retry-after: \d+/i);
    } finally {
      conn.destroy();
    }
    // a small GET still passes: the byte budget counts bodies only
    expect((await call(ts.url, '/api/v1/traces', { key: ts.key })).status).toBe(200);
  });

  test('on gRPC the message length is charged', async () => {
    const key = await ts.keyFor('default', ['ingest']);
    const big = Buffer.alloc(1800); // what it decodes to does not matter: the budget is checked first
    expect((await grpcExport(ts.server.grpcPort!, key, big))?.code).not.toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect((await grpcExport(ts.server.grpcPort!, key, big))?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
  });
});

describe('failed authentication per address', () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer('authfail', { grpcPort: 0, authFailures: { maxFailures: 5, windowMs: 60_000, blockMs: 2000 } });
  });
  afterAll(async () => ts.close());

  test('after N unknown keys the address gets 429 with Retry-After; a key seen working keeps working; the block ends', async () => {
    expect((await call(ts.url, '/api/v1/traces', { key: ts.key })).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await call(ts.url, '/api/v1/traces', { key: `lp_guess${i}` })).status).toBe(401);
    const r = await call(ts.url, '/api/v1/traces', { key: 'lp_guess-more' });
    expect(r.status).toBe(429);
    expect(r.json.error.code).toBe('rate_limited');
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // on gRPC too (same address)
    expect((await grpcExport(ts.server.grpcPort!, 'lp_guess-grpc', Buffer.alloc(0)))?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    // the good key is not slowed, before or after its cache entry expires
    expect((await call(ts.url, '/api/v1/traces', { key: ts.key })).status).toBe(200);
    await new Promise((res) => setTimeout(res, 1100));
    expect((await call(ts.url, '/api/v1/traces', { key: ts.key })).status).toBe(200);
    await new Promise((res) => setTimeout(res, 1000));
    expect((await call(ts.url, '/api/v1/traces', { key: 'lp_guess-after' })).status).toBe(401);
  });
});

describe('CORS', () => {
  let off: TestServer;
  let on: TestServer;
  beforeAll(async () => {
    [off, on] = await Promise.all([startTestServer('cors-off'), startTestServer('cors-on', { corsOrigins: ['https://app.example.com'] })]);
  });
  afterAll(async () => Promise.all([off.close(), on.close()]));

  const preflight = { 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-api-key, content-type' };

  test('off by default: no CORS header on answers, preflights refused', async () => {
    const r = await call(off.url, '/api/v1/traces', { key: off.key, headers: { origin: 'https://app.example.com' } });
    expect(r.status).toBe(200);
    expect([...r.headers.keys()].filter((h) => h.startsWith('access-control-'))).toEqual([]);
    const p = await call(off.url, '/api/v1/ingest', { method: 'OPTIONS', headers: { origin: 'https://app.example.com', ...preflight } });
    expect(p.status).toBe(403);
    expect([...p.headers.keys()].filter((h) => h.startsWith('access-control-'))).toEqual([]);
  });

  test('an allowed origin gets preflight answers and Access-Control-Allow-Origin; others get nothing', async () => {
    const p = await call(on.url, '/api/v1/ingest', { method: 'OPTIONS', headers: { origin: 'https://app.example.com', ...preflight } });
    expect(p.status).toBe(204);
    expect(p.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(p.headers.get('access-control-allow-methods')).toContain('POST');
    for (const h of ['x-api-key', 'authorization', 'content-type', 'content-encoding']) expect(p.headers.get('access-control-allow-headers')).toContain(h);
    expect(Number(p.headers.get('access-control-max-age'))).toBeGreaterThan(0);
    const r = await call(on.url, '/api/v1/traces', { key: on.key, headers: { origin: 'https://app.example.com' } });
    expect(r.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(r.headers.get('vary')).toMatch(/origin/i);
    // errors carry it too, so a browser app can read them
    const e = await call(on.url, '/api/v1/traces', { headers: { origin: 'https://app.example.com' } });
    expect(e.status).toBe(401);
    expect(e.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    // the dashboard's own Vary is kept (it is served same-origin, but caches see every answer)
    const page = await call(on.url, '/favicon.svg', { headers: { origin: 'https://app.example.com' } });
    if (page.status === 200) expect(page.headers.get('vary')).toMatch(/accept-encoding.*origin/i);
    const other = await call(on.url, '/api/v1/traces', { key: on.key, headers: { origin: 'https://evil.example.com' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const p2 = await call(on.url, '/api/v1/ingest', { method: 'OPTIONS', headers: { origin: 'https://evil.example.com', ...preflight } });
    expect(p2.status).toBe(403);
    expect(p2.headers.get('access-control-allow-origin')).toBeNull();
  });

  test('settings: LOUPE_CORS_ORIGINS parsed, bad origins refused at start', () => {
    expect(resolveCorsOrigins(undefined, {})).toEqual(new Set());
    expect(resolveCorsOrigins(undefined, { LOUPE_CORS_ORIGINS: 'https://a.example, http://localhost:5173/' })).toEqual(new Set(['https://a.example', 'http://localhost:5173']));
    expect(resolveCorsOrigins(undefined, { LOUPE_CORS_ORIGINS: '*' })).toBe('*');
    expect(() => resolveCorsOrigins(undefined, { LOUPE_CORS_ORIGINS: 'app.example.com' })).toThrow(/not an origin/);
    expect(resolveKeyRateLimits({}, { LOUPE_KEY_RPS: '50', LOUPE_KEY_BYTES_PER_SEC: '0' })).toEqual({ requestsPerSec: 50, bytesPerSec: 0 });
    expect(() => resolveKeyRateLimits({}, { LOUPE_KEY_RPS: 'lots' })).toThrow(/LOUPE_KEY_RPS/);
  });
});
