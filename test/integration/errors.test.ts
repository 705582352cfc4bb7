// Errors: an unexpected one is always logged (one stderr line, no payload, no key) and answered
// 500; the database failing (SQLite busy or full, PostgreSQL refused or shutting down) is a 503
// with Retry-After over HTTP and UNAVAILABLE with RetryInfo over gRPC; one table gives each code
// its HTTP and gRPC status (OTLP/HTTP's google.rpc.Status agrees with gRPC); Fastify's and Node's
// own errors come in the catalogue's shape; ids as long as the API accepts can be fetched; `q` of
// whitespace is no filter and `q` with a NUL a 400.
import { gzipSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { ERROR_CODES, LoupeError, type ErrorCode } from '../../src/errors.js';
import { EXPORT_PATH } from '../../src/server/grpc.js';
import { databaseFailure, describeError } from '../../src/server/error-handler.js';
import type { Store } from '../../src/store/store.js';
import { call, startTestServer, type TestServer } from '../helpers/server.js';
import { rawConnect } from '../helpers/raw-http.js';
import { exportOf, ids, nanos } from '../helpers/otlp.js';

let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer('errors', { grpcPort: 0, bodyLimit: 1024 * 1024 });
});
afterAll(async () => ts.close());

/** Replaces a store method for one test; afterEach puts it back. */
const restores: Array<() => void> = [];
function breakStore<K extends keyof Store>(name: K, impl: Store[K]): void {
  const store = ts.server.store as unknown as Record<string, unknown>;
  const own = Object.prototype.hasOwnProperty.call(store, name);
  const before = store[name];
  store[name] = impl;
  restores.push(() => {
    if (own) store[name] = before;
    else delete store[name];
  });
}
afterEach(() => {
  for (const r of restores.splice(0)) r();
  vi.restoreAllMocks();
});

const sqliteError = (message: string, code: string) => new Database.SqliteError(message, code);
const coded = (message: string, code: string) => Object.assign(new Error(message), { code });

function otlpBody(name: string) {
  const traceId = ids().traceId;
  return exportOf([{ traceId, spanId: 'aaaaaaaaaaaaaaa1', name, start: nanos(Date.now()), end: nanos(Date.now() + 5) }]);
}

describe('unexpected errors', () => {
  test('logged always: one stderr line naming the route, without the payload or the key; answered 500', async () => {
    const lines: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    breakStore('listTraces', async () => {
      throw new SyntaxError(`Unexpected token 's', "secret-payload ${ts.key}" is not valid JSON`);
    });
    const r = await call(ts.url, '/api/v1/traces?name=secret-query', { key: ts.key });
    vi.restoreAllMocks();
    expect(r.status).toBe(500);
    expect(r.json).toEqual({ error: { code: 'internal', message: 'internal error' } });
    const logged = lines.join('');
    expect(lines).toHaveLength(1);
    expect(logged.endsWith('\n')).toBe(true);
    expect(logged.trimEnd()).not.toContain('\n');
    expect(logged).toContain('GET /api/v1/traces');
    expect(logged).toContain('SyntaxError');
    for (const secret of ['secret-payload', 'secret-query', ts.key]) expect(logged).not.toContain(secret);
  });

  test('describeError: class, code, message without quoted parts, where it was thrown', () => {
    const line = describeError(coded(`bad value 'sk-123' in "body text" and \`more\``, 'E_X'));
    expect(line).toMatch(/^Error \[E_X\]: bad value "…" in "…" and "…" \(at .+\)$/);
    expect(describeError(new Error('x'.repeat(1000))).length).toBeLessThan(400);
  });
});

describe('the database failing: 503 + Retry-After, gRPC UNAVAILABLE', () => {
  test('reads: SQLite busy (1 s) and PostgreSQL refused or shutting down (5 s)', async () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    for (const [err, retry] of [
      [sqliteError('database is locked', 'SQLITE_BUSY'), '1'],
      [coded('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'), '5'],
      [coded('terminating connection due to administrator command', '57P01'), '5'],
      [new Error('Connection terminated unexpectedly'), '5'],
      [new Error('disk I/O error'), '5'], // as it arrives from a read worker thread: the message only
    ] as const) {
      breakStore('listTraces', async () => { throw err; });
      const r = await call(ts.url, '/api/v1/traces', { key: ts.key });
      expect(r.status, err.message).toBe(503);
      expect(r.json.error.code).toBe('unavailable');
      expect(r.headers.get('retry-after'), err.message).toBe(retry);
      for (const r2 of restores.splice(0)) r2();
    }
  });

  test('writes: SQLite disk full on native ingest and OTLP/HTTP (in the request\'s encoding)', async () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    breakStore('writeGroup', async () => { throw sqliteError('database or disk is full', 'SQLITE_FULL'); });
    const native = await call(ts.url, '/api/v1/ingest', { key: ts.key, body: { traces: [{ id: 'full-1' }] } });
    expect(native.status).toBe(503);
    expect(native.headers.get('retry-after')).toBe('5');
    const otlp = await call(ts.url, '/v1/traces', { key: ts.key, body: otlpBody('full') });
    expect(otlp.status).toBe(503);
    expect(otlp.headers.get('retry-after')).toBe('5');
    expect(otlp.json).toMatchObject({ code: grpc.status.UNAVAILABLE, error: { code: 'unavailable' } });
  });

  test('OTLP/gRPC: UNAVAILABLE with RetryInfo', async () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    breakStore('writeGroup', async () => { throw coded('connect ECONNREFUSED 10.0.0.5:5432', 'ECONNREFUSED'); });
    const client = new grpc.Client(`127.0.0.1:${ts.server.grpcPort!}`, grpc.credentials.createInsecure());
    try {
      const md = new grpc.Metadata();
      md.set('x-api-key', ts.key);
      const err = await new Promise<grpc.ServiceError | null>((resolve) => {
        client.makeUnaryRequest(EXPORT_PATH, (b: Buffer) => b, (b: Buffer) => b, protoExport(), md, (e) => resolve(e));
      });
      expect(err?.code).toBe(grpc.status.UNAVAILABLE);
      expect(err?.metadata.get('grpc-status-details-bin')).toHaveLength(1);
    } finally {
      client.close();
    }
  });

  test('the classifier: database failures in, everything else out', () => {
    for (const e of [sqliteError('x', 'SQLITE_BUSY_SNAPSHOT'), sqliteError('x', 'SQLITE_IOERR_WRITE'), sqliteError('x', 'SQLITE_CANTOPEN'), coded('x', 'ETIMEDOUT'), coded('x', '08006'), coded('x', '53100'), coded('x', '57P03'), new Error('timeout exceeded when trying to connect'), new TypeError('The database connection is not open')]) {
      expect(databaseFailure(e)?.code, String((e as { code?: string }).code ?? e.message)).toBe('unavailable');
    }
    for (const e of [sqliteError('UNIQUE constraint failed: t.id', 'SQLITE_CONSTRAINT_UNIQUE'), coded('x', '23505'), new RangeError('Invalid time value'), new TypeError('x is undefined')]) {
      expect(databaseFailure(e), e.message).toBeUndefined();
    }
  });
});

/** A one-span ExportTraceServiceRequest in protobuf, built by hand. */
function protoExport(): Buffer {
  const ld = (field: number, b: Buffer) => Buffer.concat([Buffer.from([(field << 3) | 2, b.length]), b]);
  const span = Buffer.concat([ld(1, Buffer.from(ids().traceId, 'hex')), ld(2, Buffer.from('aaaaaaaaaaaaaaa2', 'hex')), ld(5, Buffer.from('grpc'))]);
  return ld(1, ld(2, ld(2, span)));
}

describe('one table of statuses', () => {
  test('every code has an HTTP and a gRPC status; retryable ones are 408, 429 or 503', () => {
    for (const [code, v] of Object.entries(ERROR_CODES) as Array<[ErrorCode, (typeof ERROR_CODES)[ErrorCode]]>) {
      const e = new LoupeError(code, 'x');
      expect(e.status).toBe(v.status);
      expect(e.grpc).toBe(v.grpc);
      if (v.retryable) expect([408, 429, 503]).toContain(v.status);
    }
  });

  test('a body over the limit: 413 over HTTP, and its google.rpc.Status says RESOURCE_EXHAUSTED as gRPC does', async () => {
    const bomb = gzipSync(Buffer.alloc(2 * 1024 * 1024));
    const r = await call(ts.url, '/v1/traces', { key: ts.key, body: bomb, headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' } });
    expect(r.status).toBe(413);
    expect(r.raw[0]).toBe(0x08); // google.rpc.Status.code, a varint
    expect(r.raw[1]).toBe(grpc.status.RESOURCE_EXHAUSTED);
    const j = await call(ts.url, '/v1/traces', { key: ts.key, body: bomb, headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } });
    expect(j.json).toMatchObject({ code: grpc.status.RESOURCE_EXHAUSTED, error: { code: 'payload_too_large' } });
  });
});

describe("Fastify's and Node's own errors, in the catalogue's shape", () => {
  const shape = (r: { json: unknown }, code: string) => expect(r.json).toEqual({ error: { code, message: expect.any(String) } });

  test('a URL that cannot be decoded: 400 invalid_request', async () => {
    const r = await call(ts.url, '/api/v1/traces/%E0%A4%A', { key: ts.key });
    expect(r.status).toBe(400);
    shape(r, 'invalid_request');
  });

  test('a path segment longer than any id: 414 uri_too_long', async () => {
    const r = await call(ts.url, `/api/v1/traces/${'a'.repeat(9000)}`, { key: ts.key });
    expect(r.status).toBe(414);
    shape(r, 'uri_too_long');
  });

  test('an unusable Content-Type: 415; an unknown route: 404', async () => {
    const r = await call(ts.url, '/api/v1/ingest', { key: ts.key, body: '{}', headers: { 'content-type': '/' } });
    expect(r.status).toBe(415);
    shape(r, 'unsupported_media_type');
    const nf = await call(ts.url, '/api/v9/nothing', { key: ts.key });
    expect(nf.status).toBe(404);
    shape(nf, 'not_found');
  });

  test('headers over 16 KiB: 431; a malformed request: 400 (written by Node before Fastify sees a request)', async () => {
    for (const [raw, status, code] of [
      [`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'headers_too_large'],
      ['GET /healthz HTTP/1.1\r\nHost x\r\n\r\n', 400, 'invalid_request'],
      ['POST /api/v1/ingest HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n', 400, 'invalid_request'],
    ] as const) {
      const c = await rawConnect(ts.url);
      try {
        c.write(raw);
        const got = await c.waitFor(/\r\n\r\n\{.*\}\}/, 2000);
        expect(got.split('\r\n')[0]).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
        expect(JSON.parse(got.slice(got.indexOf('\r\n\r\n') + 4))).toEqual({ error: { code, message: expect.any(String) } });
      } finally {
        c.destroy();
      }
    }
  });
});

describe('ids as long as the API accepts', () => {
  test('800-character ids (ASCII, and three-byte characters percent-encoded) are fetched by GET /api/v1/traces/:id', async () => {
    for (const id of ['a'.repeat(800), '€'.repeat(800)]) {
      const put = await call(ts.url, '/api/v1/ingest', { key: ts.key, body: { traces: [{ id, name: 'long id' }] } });
      expect(put.status).toBe(200);
      expect(put.json.accepted).toBe(1);
      const r = await call(ts.url, `/api/v1/traces/${encodeURIComponent(id)}`, { key: ts.key });
      expect(r.status).toBe(200);
      expect(r.json.trace.id).toBe(id);
    }
  });
});

describe('q of whitespace or control characters', () => {
  beforeAll(async () => {
    expect((await call(ts.url, '/api/v1/ingest', { key: ts.key, body: { traces: [{ id: 'q-1', name: 'refund request', input: 'my order' }] } })).status).toBe(200);
  });

  test('whitespace only is no filter (the list, the export, the spans)', async () => {
    for (const q of [' ', '%20%20%09', '%0A']) {
      const r = await call(ts.url, `/api/v1/traces?q=${q}`, { key: ts.key });
      expect(r.status, q).toBe(200);
      expect(r.json.data.length, q).toBeGreaterThan(0);
      expect((await call(ts.url, `/api/v1/export?q=${q}&limit=1`, { key: ts.key })).status, q).toBe(200);
      expect((await call(ts.url, `/api/v1/spans?q=${q}`, { key: ts.key })).status, q).toBe(200);
    }
  });

  test('a NUL or another control character: 400 invalid_query', async () => {
    for (const q of ['%00', 'a%00b', '%1B']) {
      const r = await call(ts.url, `/api/v1/traces?q=${q}`, { key: ts.key });
      expect(r.status, q).toBe(400);
      expect(r.json.error.code).toBe('invalid_query');
    }
  });

  test('words still search', async () => {
    const r = await call(ts.url, '/api/v1/traces?q=%20refund%20', { key: ts.key });
    expect(r.json.data.map((t: { id: string }) => t.id)).toContain('q-1');
  });
});
