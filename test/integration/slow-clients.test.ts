// Slow clients are cut off: headers trickled a line at a time, a body trickled a byte at a time, a
// connection that never says anything, an idle keep-alive connection, connections past the cap,
// and on OTLP/gRPC a message trickled a byte at a time and an idle connection. The limits are
// configured small here (docs/limits.md has the defaults) so that each case takes a second or two.
import http2 from 'node:http2';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EXPORT_PATH } from '../../src/server/grpc.js';
import { resolveLimits } from '../../src/server/limits.js';
import { call, startTestServer, type TestServer } from '../helpers/server.js';
import { rawConnect, requestHead, type RawConnection } from '../helpers/raw-http.js';

const LIMITS = { headersTimeoutMs: 500, requestTimeoutMs: 1500, keepAliveTimeoutMs: 800, idleTimeoutMs: 3000 };

let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer('slow', { grpcPort: 0, limits: LIMITS });
});
afterAll(async () => ts.close());

/** Writes `chunk` every `everyMs` until the connection closes; returns the stopper. */
function trickle(conn: RawConnection, chunk: string, everyMs: number): () => void {
  const t = setInterval(() => conn.write(chunk), everyMs);
  conn.socket.once('close', () => clearInterval(t));
  return () => clearInterval(t);
}

describe('HTTP', () => {
  test('headers trickled a line every 200 ms: 408 and closed after the headers timeout', async () => {
    const conn = await rawConnect(ts.url);
    const started = Date.now();
    conn.write('GET /healthz HTTP/1.1\r\nHost: loupe.test\r\n');
    const stop = trickle(conn, 'X-Slow: 1\r\n', 200);
    try {
      await conn.closed(4000);
      expect(conn.received()).toMatch(/^HTTP\/1\.1 408 /);
      expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    } finally {
      stop();
      conn.destroy();
    }
  });

  test('a body trickled a byte every 200 ms: 408 and closed after the request timeout', async () => {
    const conn = await rawConnect(ts.url);
    const started = Date.now();
    conn.write(requestHead('POST', '/api/v1/ingest', { 'content-type': 'application/json', 'content-length': 10_000, 'x-api-key': ts.key }));
    const stop = trickle(conn, ' ', 200);
    try {
      await conn.closed(5000);
      expect(conn.received()).toMatch(/^HTTP\/1\.1 408 /);
      expect(conn.received()).toContain('{"error":{"code":"request_timeout"');
      expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    } finally {
      stop();
      conn.destroy();
    }
  });

  test('a connection that never sends a byte is closed', async () => {
    const conn = await rawConnect(ts.url);
    try {
      await conn.closed(4000);
    } finally {
      conn.destroy();
    }
  });

  test('an idle keep-alive connection is closed after the keep-alive timeout', async () => {
    const conn = await rawConnect(ts.url);
    try {
      conn.write(requestHead('GET', '/healthz', {}));
      await conn.waitFor(/HTTP\/1\.1 200[\s\S]*\r\n\r\n\{"status":"ok"\}/, 2000);
      // Node adds a second to the advertised keep-alive timeout before it closes.
      await conn.closed(4000);
    } finally {
      conn.destroy();
    }
  });

  test('a prompt client is not hurt: a body sent at once is stored', async () => {
    const r = await call(ts.url, '/api/v1/ingest', { key: ts.key, body: { traces: [{ id: 'prompt-1' }] } });
    expect(r.status).toBe(200);
  });
});

describe('HTTP connection cap', () => {
  let capped: TestServer;
  beforeAll(async () => {
    capped = await startTestServer('cap', { limits: { maxConnections: 4 } });
  });
  afterAll(async () => capped.close());

  test('past maxConnections a new connection is closed at once; a freed slot serves again', async () => {
    const held: RawConnection[] = [];
    try {
      for (let i = 0; i < 4; i++) {
        const c = await rawConnect(capped.url);
        c.write(requestHead('GET', '/healthz', {}));
        await c.waitFor(/\{"status":"ok"\}/, 2000);
        held.push(c);
      }
      const extra = await rawConnect(capped.url);
      extra.write(requestHead('GET', '/healthz', {}));
      await extra.closed(1000);
      expect(extra.received()).toBe('');
      held.pop()!.destroy();
      await new Promise((r) => setTimeout(r, 100));
      const again = await rawConnect(capped.url);
      again.write(requestHead('GET', '/healthz', {}));
      await again.waitFor(/\{"status":"ok"\}/, 2000);
      again.destroy();
    } finally {
      for (const c of held) c.destroy();
    }
  });
});

describe('OTLP/gRPC', () => {
  test('a message trickled a byte every 200 ms: DEADLINE_EXCEEDED after the request timeout', async () => {
    const session = http2.connect(`http://127.0.0.1:${ts.server.grpcPort!}`);
    session.on('error', () => undefined);
    const started = Date.now();
    try {
      const stream = session.request({ ':method': 'POST', ':path': EXPORT_PATH, 'content-type': 'application/grpc', te: 'trailers', 'x-api-key': ts.key }, { endStream: false });
      stream.on('error', () => undefined);
      const frame = Buffer.alloc(5);
      frame.writeUInt32BE(1000, 1);
      stream.write(frame);
      const t = setInterval(() => { if (!stream.closed && stream.writable) stream.write(Buffer.from([0])); }, 200);
      try {
        const h = await new Promise<http2.IncomingHttpHeaders>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('no answer within 5 s')), 5000);
          stream.once('response', (headers) => { clearTimeout(timer); resolve(headers); });
        });
        expect(h['grpc-status']).toBe('4');
        expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
        // The stream is over for the client too, though it still had bytes to send.
        await new Promise<void>((resolve, reject) => {
          if (stream.closed) return resolve();
          const timer = setTimeout(() => reject(new Error('stream still open 2 s after the status')), 2000);
          stream.once('close', () => { clearTimeout(timer); resolve(); });
        });
      } finally {
        clearInterval(t);
      }
    } finally {
      session.destroy();
    }
  });

  test('an idle connection is closed after the keep-alive timeout', async () => {
    const session = http2.connect(`http://127.0.0.1:${ts.server.grpcPort!}`);
    session.on('error', () => undefined);
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('still open after 4 s')), 4000);
        session.once('close', () => { clearTimeout(timer); resolve(); });
        session.once('goaway', () => { clearTimeout(timer); resolve(); });
      });
    } finally {
      session.destroy();
    }
  });
});

describe('configuration', () => {
  test('defaults, LOUPE_* variables, then explicit settings; nonsense refused', () => {
    expect(resolveLimits({}, {})).toEqual({ headersTimeoutMs: 10_000, requestTimeoutMs: 60_000, keepAliveTimeoutMs: 65_000, idleTimeoutMs: 120_000, maxConnections: 1024, maxInflightBytes: 32 * 1024 * 1024 });
    expect(resolveLimits({}, { LOUPE_REQUEST_TIMEOUT_MS: '30000', LOUPE_MAX_CONNECTIONS: '50', LOUPE_MAX_INFLIGHT_BYTES: '1048576' })).toMatchObject({ requestTimeoutMs: 30_000, maxConnections: 50, maxInflightBytes: 1_048_576 });
    expect(resolveLimits({ maxConnections: 7 }, { LOUPE_MAX_CONNECTIONS: '50' }).maxConnections).toBe(7);
    expect(() => resolveLimits({}, { LOUPE_HEADERS_TIMEOUT_MS: 'soon' })).toThrow(/LOUPE_HEADERS_TIMEOUT_MS/);
    expect(() => resolveLimits({ headersTimeoutMs: 5000, requestTimeoutMs: 1000 }, {})).toThrow(/must not exceed/);
  });
});
