// The key API (issue 17, item 5; store code shared with `loupe keys list|revoke`): admin only,
// a created key shown once and working at once, a revoked key refused on its very next request
// here (HTTP and gRPC), and never the project's last admin key.
import { grpcExport } from '../helpers/grpc.js';
import { afterAll, beforeAll, expect, test } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import { call, startTestServer, type TestServer } from '../helpers/server.js';

let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer('keys-api', { grpcPort: 0 });
});
afterAll(async () => ts.close());


test('admin only', async () => {
  const reader = await ts.keyFor('default', ['read', 'ingest']);
  expect((await call(ts.url, '/api/v1/keys', { key: reader })).status).toBe(403);
  expect((await call(ts.url, '/api/v1/keys', { key: reader, body: { scopes: ['admin'] } })).status).toBe(403);
  expect((await call(ts.url, '/api/v1/keys/x', { key: reader, method: 'DELETE' })).status).toBe(403);
  expect((await call(ts.url, '/api/v1/keys')).status).toBe(401);
});

test('create (shown once), list, revoke: refused on the next request, HTTP and gRPC', async () => {
  const made = await call(ts.url, '/api/v1/keys', { key: ts.key, body: { name: 'ci', scopes: ['ingest', 'read'] } });
  expect(made.status).toBe(201);
  expect(made.json).toMatchObject({ name: 'ci', scopes: ['ingest', 'read'], revokedAt: null, lastUsedAt: null });
  const { key, id } = made.json as { key: string; id: string };
  expect(key.startsWith(made.json.prefix)).toBe(true);
  expect((await call(ts.url, '/api/v1/traces', { key })).status).toBe(200);
  expect(await grpcExport(ts.server.grpcPort!, key)).toBeNull();

  const list = await call(ts.url, '/api/v1/keys', { key: ts.key });
  expect(list.status).toBe(200);
  const row = (list.json.data as Array<Record<string, unknown>>).find((k) => k.id === id);
  expect(row).toMatchObject({ name: 'ci', revokedAt: null });
  expect(typeof row!.lastUsedAt).toBe('string');
  expect(JSON.stringify(list.json)).not.toContain(key);

  const del = await call(ts.url, `/api/v1/keys/${id}`, { key: ts.key, method: 'DELETE' });
  expect(del.status).toBe(200);
  expect(typeof del.json.revokedAt).toBe('string');
  expect((await call(ts.url, '/api/v1/traces', { key })).status).toBe(401);
  expect((await grpcExport(ts.server.grpcPort!, key))?.code).toBe(grpc.status.UNAUTHENTICATED);
  expect((await call(ts.url, `/api/v1/keys/${id}`, { key: ts.key, method: 'DELETE' })).status).toBe(200);
  expect((await call(ts.url, '/api/v1/keys/no-such-key', { key: ts.key, method: 'DELETE' })).status).toBe(404);
});

test('bad bodies are 400; keys of other projects are not found; the last admin key is kept (409)', async () => {
  for (const body of [{}, { scopes: [] }, { scopes: ['root'] }, { scopes: ['read'], extra: 1 }, { scopes: ['read', 'read'] }]) {
    const r = await call(ts.url, '/api/v1/keys', { key: ts.key, body });
    expect(r.status, JSON.stringify(body)).toBe(400);
    expect(r.json.error.code).toBe('invalid_body');
  }
  const otherAdmin = await ts.keyFor('other', ['admin']);
  const mine = (await call(ts.url, '/api/v1/keys', { key: ts.key })).json.data as Array<{ id: string; scopes: string[]; revokedAt: string | null }>;
  expect((await call(ts.url, `/api/v1/keys/${mine[0].id}`, { key: otherAdmin, method: 'DELETE' })).status).toBe(404);
  const second = await call(ts.url, '/api/v1/keys', { key: ts.key, body: { scopes: ['admin'] } });
  expect(second.status).toBe(201);
  // the bootstrap key revokes itself (another admin key is left) ...
  const bootstrapId = mine.find((k) => k.scopes.includes('admin') && k.revokedAt === null)!.id;
  expect((await call(ts.url, `/api/v1/keys/${bootstrapId}`, { key: ts.key, method: 'DELETE' })).status).toBe(200);
  expect((await call(ts.url, '/api/v1/keys', { key: ts.key })).status).toBe(401);
  // ... and the last admin key is refused
  const r = await call(ts.url, `/api/v1/keys/${second.json.id}`, { key: second.json.key, method: 'DELETE' });
  expect(r.status).toBe(409);
  expect(r.json.error.code).toBe('conflict');
  expect((await call(ts.url, '/api/v1/keys', { key: second.json.key })).status).toBe(200);
});
