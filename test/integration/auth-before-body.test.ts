// Authentication comes before the body: a request with no key, an unknown key or too little scope
// is answered while the client has sent only its headers and a few KB of a large declared body,
// `Expect: 100-continue` gets its 401 without a 100, and OTLP/gRPC answers UNAUTHENTICATED
// from the metadata alone. Every route with a body is tried, as /openapi.json lists them.
import http2 from 'node:http2';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EXPORT_PATH } from '../../src/server/grpc.js';
import { call, startTestServer, type TestServer } from '../helpers/server.js';
import { rawConnect, requestHead } from '../helpers/raw-http.js';

let ts: TestServer;
let readOnly: string;
let bodyRoutes: Array<{ method: string; path: string; contentType: string }>;

beforeAll(async () => {
  // These tests send unknown keys from one address on purpose, many more than the failed-auth
  // throttle allows (key-limits.test.ts tests it): it is off here, so each answer is auth's own.
  ts = await startTestServer('auth-body', { grpcPort: 0, authFailures: { maxFailures: 0 } });
  readOnly = await ts.keyFor('default', ['read']);
  const doc = (await call(ts.url, '/openapi.json')).json as { paths: Record<string, Record<string, { requestBody?: { content: Record<string, unknown> }; security?: unknown[] }>> };
  bodyRoutes = Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops)
    .filter(([, op]) => op.requestBody && op.security)
    .map(([method, op]) => ({ method: method.toUpperCase(), path: path.replace(/\{\w+\}/g, 'some-id'), contentType: Object.keys(op.requestBody!.content)[0] })));
});
afterAll(async () => ts.close());

const DECLARED = 60 * 1024 * 1024;

/** Sends the head and 4 KB of a 60 MB body, then waits (briefly) for the answer's status line. */
async function answerAfterFewBytes(method: string, path: string, headers: Record<string, string | number>): Promise<string> {
  const conn = await rawConnect(ts.url);
  try {
    conn.write(requestHead(method, path, { 'content-length': DECLARED, ...headers }));
    conn.write(Buffer.alloc(4096, 0x20));
    const head = await conn.waitFor(/^HTTP\/1\.1 \d{3}[^\r]*\r\n[\s\S]*?\r\n\r\n/, 3000);
    // The rest of the body is not worth reading: the connection ends with the answer.
    expect(head.toLowerCase()).toContain('connection: close');
    await conn.closed(3000);
    return head.split('\r\n')[0];
  } finally {
    conn.destroy();
  }
}

describe('HTTP: auth before the body', () => {
  test('the route list is found (every ingest surface has a body route)', () => {
    const paths = bodyRoutes.map((r) => r.path);
    for (const p of ['/v1/traces', '/api/v1/ingest', '/v0/ingest', '/api/collector', '/events/batch', '/api/public/ingestion', '/api/v1/scores', '/api/v1/import']) expect(paths).toContain(p);
  });

  test('no key or an unknown key: 401 after only the headers and 4 KB of a 60 MB body', async () => {
    for (const r of bodyRoutes) {
      for (const key of [{}, { 'x-api-key': 'lp_unknown' }] as Array<Record<string, string>>) {
        const status = await answerAfterFewBytes(r.method, r.path, { 'content-type': r.contentType, ...key });
        expect(status, `${r.method} ${r.path} ${JSON.stringify(key)}`).toMatch(/^HTTP\/1\.1 401 /);
      }
    }
  });

  test('a key without the scope: 403 before the body', async () => {
    const status = await answerAfterFewBytes('POST', '/api/v1/ingest', { 'content-type': 'application/json', 'x-api-key': readOnly });
    expect(status).toMatch(/^HTTP\/1\.1 403 /);
  });

  test('Expect: 100-continue without a key: the 401, never a 100', async () => {
    for (const key of [{}, { authorization: 'Bearer lp_unknown' }] as Array<Record<string, string>>) {
      const conn = await rawConnect(ts.url);
      try {
        conn.write(requestHead('POST', '/v1/traces', { 'content-type': 'application/json', 'content-length': DECLARED, expect: '100-continue', ...key }));
        const got = await conn.waitFor(/^HTTP\/1\.1 \d{3}[^\r]*\r\n[\s\S]*?\r\n\r\n/, 3000);
        expect(got.split('\r\n')[0]).toMatch(/^HTTP\/1\.1 401 /);
        expect(got).not.toContain('100 Continue');
      } finally {
        conn.destroy();
      }
    }
  });

  test('Expect: 100-continue with a valid key: 100, then the body, then 200', async () => {
    const body = JSON.stringify({ traces: [{ id: 'continue-1', name: 'after 100' }] });
    const conn = await rawConnect(ts.url);
    try {
      conn.write(requestHead('POST', '/api/v1/ingest', { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), expect: '100-continue', 'x-api-key': ts.key }));
      expect((await conn.waitFor(/\r\n\r\n/, 3000)).split('\r\n')[0]).toBe('HTTP/1.1 100 Continue');
      conn.write(body);
      const got = await conn.waitFor(/HTTP\/1\.1 200 [\s\S]*\r\n\r\n[\s\S]*\}/, 5000);
      expect(got).toContain('"accepted":1');
    } finally {
      conn.destroy();
    }
    expect((await call(ts.url, '/api/v1/traces/continue-1', { key: ts.key })).status).toBe(200);
  });

  test('a declared body over the limit is refused (413) before it is read', async () => {
    const status = await answerAfterFewBytes('POST', '/api/v1/ingest', { 'content-type': 'application/json', 'x-api-key': ts.key, 'content-length': 200 * 1024 * 1024 });
    expect(status).toMatch(/^HTTP\/1\.1 413 /);
  });
});

describe('OTLP/gRPC: auth from the metadata, before the message', () => {
  /** Opens an Export call, sends the frame header of a 50 MB message and 16 KB of it, and waits for the answer's headers. */
  async function exportWithoutBody(metadata: Record<string, string>): Promise<http2.IncomingHttpHeaders> {
    const session = http2.connect(`http://127.0.0.1:${ts.server.grpcPort!}`);
    try {
      const stream = session.request({ ':method': 'POST', ':path': EXPORT_PATH, 'content-type': 'application/grpc', te: 'trailers', ...metadata }, { endStream: false });
      stream.on('error', () => undefined);
      const frame = Buffer.alloc(5);
      frame.writeUInt32BE(50 * 1024 * 1024, 1);
      stream.write(frame);
      stream.write(Buffer.alloc(16 * 1024));
      return await new Promise<http2.IncomingHttpHeaders>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no answer within 3 s: the server waits for the message')), 3000);
        stream.once('response', (h) => { clearTimeout(timer); resolve(h); });
      });
    } finally {
      session.destroy();
    }
  }

  test('no key and an unknown key: UNAUTHENTICATED while the message is still being sent', async () => {
    for (const md of [{}, { 'x-api-key': 'lp_unknown' }] as Array<Record<string, string>>) {
      const h = await exportWithoutBody(md);
      expect(h['grpc-status'], JSON.stringify(md)).toBe('16');
    }
  });

  test('a key without the ingest scope: PERMISSION_DENIED, also before the message', async () => {
    const h = await exportWithoutBody({ 'x-api-key': readOnly });
    expect(h['grpc-status']).toBe('7');
  });
});
