// Retention settings (docs/retention.md): GET|PUT /api/v1/project/retention (admin only, checked,
// in /openapi.json) and `loupe retention get|set` on the same database, seen by the server's GET.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { call, startTestServer, type TestServer } from '../helpers/server.js';
import { run } from '../helpers/cli.js';

let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer('retention-settings');
});
afterAll(async () => ts.close());

test('GET|PUT /api/v1/project/retention: default null, set, cleared, checked, admin only', async () => {
  const path = '/api/v1/project/retention';
  expect((await call(ts.url, path, { key: ts.key })).json).toEqual({ days: null });
  const put = await call(ts.url, path, { key: ts.key, method: 'PUT', body: { days: 30 } });
  expect(put.status).toBe(200);
  expect(put.json).toEqual({ days: 30 });
  expect((await call(ts.url, path, { key: ts.key })).json).toEqual({ days: 30 });
  for (const body of [{}, { days: 0 }, { days: 1.5 }, { days: '7' }, { days: 36_501 }, { days: 7, extra: true }]) {
    const r = await call(ts.url, path, { key: ts.key, method: 'PUT', body });
    expect(r.status, JSON.stringify(body)).toBe(400);
    expect(r.json.error.code).toBe('invalid_body');
  }
  expect((await call(ts.url, path, { key: ts.key })).json).toEqual({ days: 30 });
  expect((await call(ts.url, path, { key: ts.key, method: 'PUT', body: { days: null } })).json).toEqual({ days: null });
  const reader = await ts.keyFor('default', ['ingest', 'read']);
  expect((await call(ts.url, path, { key: reader })).status).toBe(403);
  expect((await call(ts.url, path, { key: reader, method: 'PUT', body: { days: 1 } })).status).toBe(403);
  const doc = (await call(ts.url, '/openapi.json')).json as { paths: Record<string, Record<string, unknown>> };
  expect(Object.keys(doc.paths[path]).sort()).toEqual(['get', 'put']);
});

test('loupe retention get|set, beside the running server', async () => {
  const args = ['--data-dir', ts.dir, '--project', 'default'];
  expect(await run(['retention', 'set', '--days', '14', ...args])).toMatchObject({ code: 0, stdout: 'default: retention 14 days\n' });
  expect(await run(['retention', 'get', ...args])).toMatchObject({ code: 0, stdout: 'default: retention 14 days\n' });
  expect((await call(ts.url, '/api/v1/project/retention', { key: ts.key })).json).toEqual({ days: 14 });
  expect((await run(['retention', 'set', '--days', 'soon', ...args])).code).toBe(1);
  expect((await run(['retention', 'get', '--data-dir', ts.dir, '--project', 'nope'])).code).toBe(1);
  expect(await run(['retention', 'set', '--days', 'none', ...args])).toMatchObject({ code: 0, stdout: 'default: retention none (traces are kept forever)\n' });
  expect((await call(ts.url, '/api/v1/project/retention', { key: ts.key })).json).toEqual({ days: null });
  // through the server
  expect(await run(['retention', 'set', '--days', '7', '--url', ts.url, '--key', ts.key])).toMatchObject({ code: 0, stdout: 'retention 7 days\n' });
  expect(await run(['retention', 'get', '--url', ts.url, '--key', ts.key])).toMatchObject({ code: 0, stdout: 'retention 7 days\n' });
  const reader = await ts.keyFor('default', ['read']);
  expect((await run(['retention', 'get', '--url', ts.url, '--key', reader])).code).toBe(1);
});
