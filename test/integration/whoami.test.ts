// GET /api/v1/whoami: any valid key learns its project, scopes and id (an ingest-only key too,
// which the dashboard uses to say "this key lacks read"); no key or an unknown one is a 401.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createKey } from '../../src/server/keys.js';
import { call, startTestServer, type TestServer } from '../helpers/server.js';

let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer('whoami');
});
afterAll(async () => ts.close());

describe('GET /api/v1/whoami', () => {
  test('the admin key of the first start: project default, all scopes', async () => {
    const r = await call(ts.url, '/api/v1/whoami', { key: ts.key });
    expect(r.status).toBe(200);
    const project = await ts.server.store.findProject('default');
    expect(r.json).toEqual({ project: { id: String(project!.id), name: 'default' }, scopes: ['admin', 'ingest', 'read'], keyId: expect.any(String) });
  });

  test('a key with only the ingest scope is answered, in its own project', async () => {
    const other = await ts.server.store.ensureProject('checkout-bot');
    const { key, id } = await createKey(ts.server.store, other.id, ['ingest'], 'sdk');
    const r = await call(ts.url, '/api/v1/whoami', { key });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ project: { id: String(other.id), name: 'checkout-bot' }, scopes: ['ingest'], keyId: id });
    // ...while the reads it lacks stay forbidden
    expect((await call(ts.url, '/api/v1/traces', { key })).status).toBe(403);
  });

  test('a read-only key; Bearer and Basic auth work as everywhere', async () => {
    const { key, id } = await createKey(ts.server.store, (await ts.server.store.ensureProject('default')).id, ['read']);
    for (const headers of [{ authorization: `Bearer ${key}` }, { authorization: `Basic ${Buffer.from(`pk-lf-x:${key}`).toString('base64')}` }]) {
      const r = await call(ts.url, '/api/v1/whoami', { headers });
      expect(r.status).toBe(200);
      expect(r.json).toMatchObject({ project: { name: 'default' }, scopes: ['read'], keyId: id });
    }
  });

  test('no key, or an unknown one: 401 unauthorized', async () => {
    const wrong: Array<Record<string, string>> = [{}, { 'x-api-key': 'lp_not_a_key' }, { authorization: 'Bearer ' }];
    for (const headers of wrong) {
      const r = await call(ts.url, '/api/v1/whoami', { headers });
      expect(r.status, JSON.stringify(headers)).toBe(401);
      expect(r.json.error.code).toBe('unauthorized');
    }
  });

  test('/openapi.json documents it, with a key required and the answer schema', async () => {
    const op = (await call(ts.url, '/openapi.json')).json.paths['/api/v1/whoami'].get;
    expect(op.security).toBeDefined();
    expect(op.responses['401']).toBeDefined();
    const schema = op.responses['200'].content['application/json'].schema;
    expect(Object.keys(schema.properties).sort()).toEqual(['keyId', 'project', 'scopes']);
    expect(Object.keys(schema.properties.project.properties).sort()).toEqual(['id', 'name']);
  });
});
