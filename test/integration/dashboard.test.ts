// The dashboard's files, served from a build directory (here a fake one, through the webDir
// option and LOUPE_WEB_DIR): index.html for the client-side routes, assets with their types and
// a year of caching, no key needed, traversal refused, and a 503 that says how to build when
// there is no build. API paths keep their JSON 404.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { defaultWebDir } from '../../src/server/dashboard.js';
import { REPO } from '../helpers/cli.js';
import { call, startTestServer, tempDir, type TestServer } from '../helpers/server.js';

const INDEX = '<!doctype html><html><head><script type="module" src="/assets/app-3f2a1b.js"></script></head><body><div id="root"></div></body></html>';
const ASSETS: Record<string, { body: string | Buffer; type: string }> = {
  'app-3f2a1b.js': { body: 'console.log("loupe")', type: 'text/javascript; charset=utf-8' },
  'app-3f2a1b.js.map': { body: '{"version":3}', type: 'application/json; charset=utf-8' },
  'index-9c8d7e.css': { body: 'body{margin:0}', type: 'text/css; charset=utf-8' },
  'logo-11aa22.svg': { body: '<svg xmlns="http://www.w3.org/2000/svg"/>', type: 'image/svg+xml' },
  'mark-33bb44.png': { body: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), type: 'image/png' },
  'inter-55cc66.woff2': { body: Buffer.from('wOF2fake'), type: 'font/woff2' },
  'fonts/nested-77dd88.woff2': { body: Buffer.from('wOF2nested'), type: 'font/woff2' },
};

let root: string;
let web: string;
let ts: TestServer;
let unbuilt: TestServer;

/** A GET with the path sent exactly as written (fetch would normalise `..` away). */
function rawGet(base: string, path: string): Promise<{ status: number; body: string }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method: 'GET', agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => { body += c.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A GET that asks for gzip and keeps the body as it came over the wire. */
function gzGet(base: string, path: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method: 'GET', agent: false, headers: { 'accept-encoding': 'gzip' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  root = tempDir('web');
  web = join(root, 'dist');
  mkdirSync(join(web, 'assets', 'fonts'), { recursive: true });
  writeFileSync(join(web, 'index.html'), INDEX);
  writeFileSync(join(web, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"><circle r="1"/></svg>');
  for (const [name, a] of Object.entries(ASSETS)) writeFileSync(join(web, 'assets', name), a.body);
  // files a traversal would reach: beside assets/ in the build, and outside the build
  writeFileSync(join(web, 'secret.txt'), 'not an asset');
  writeFileSync(join(root, 'outside.txt'), 'not in the build');
  mkdirSync(join(root, 'empty'));
  ts = await startTestServer('dashboard', { webDir: web });
  unbuilt = await startTestServer('dashboard-unbuilt', { webDir: join(root, 'empty') });
});
afterAll(async () => {
  await ts?.close();
  await unbuilt?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('dashboard', () => {
  test('/ and the client-side routes answer index.html, revalidated each time, without a key', async () => {
    for (const path of ['/', '/traces', '/traces/', '/traces/4bf92f3577b34da6a3ce929d0e0e4736', '/traces/abc/spans/def', '/traces?status=error&include=models', '/login',
      '/settings', '/settings/', '/settings/retention', '/settings/redaction', '/sessions', '/sessions/conv-42', '/users', '/users/alice', '/metrics']) {
      const r = await call(ts.url, path);
      expect(r.status, path).toBe(200);
      expect(r.headers.get('content-type'), path).toBe('text/html; charset=utf-8');
      expect(r.headers.get('cache-control'), path).toBe('no-cache');
      expect(r.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(r.raw.toString(), path).toBe(INDEX);
    }
  });

  test('assets: their content types, cached for a year as immutable', async () => {
    for (const [name, a] of Object.entries(ASSETS)) {
      const r = await call(ts.url, `/assets/${name}`);
      expect(r.status, name).toBe(200);
      expect(r.headers.get('content-type'), name).toBe(a.type);
      expect(r.headers.get('cache-control'), name).toBe('public, max-age=31536000, immutable');
      expect(r.raw.equals(Buffer.from(a.body)), name).toBe(true);
    }
    const head = await fetch(`${ts.url}/assets/app-3f2a1b.js`, { method: 'HEAD', headers: { 'accept-encoding': 'identity' } });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(ASSETS['app-3f2a1b.js'].body.length));
    const icon = await call(ts.url, '/favicon.svg');
    expect(icon.status).toBe(200);
    expect(icon.headers.get('content-type')).toBe('image/svg+xml');
  });

  test('text assets are gzipped for a client that takes gzip; images, fonts and source maps are sent as they are', async () => {
    for (const [name, a] of Object.entries(ASSETS)) {
      const r = await gzGet(ts.url, `/assets/${name}`);
      expect(r.status, name).toBe(200);
      // Source maps are left as they are: only developer tools fetch them.
      const text = /^(text|application\/json|image\/svg)/.test(a.type) && !name.endsWith('.map');
      expect(r.headers['content-encoding'], name).toBe(text ? 'gzip' : undefined);
      expect(r.headers.vary, name).toBe('accept-encoding');
      const body = text ? gunzipSync(r.body) : r.body;
      expect(body.equals(Buffer.from(a.body)), name).toBe(true);
      expect(r.headers['content-length'], name).toBe(String(r.body.length));
    }
  });

  test('a missing asset, a directory, or a path out of assets/ is a 404', async () => {
    for (const path of ['/assets/nope-123.js', '/assets/fonts', '/assets/', '/assets/../secret.txt', '/assets/..%2fsecret.txt', '/assets/%2e%2e/%2e%2e/outside.txt',
      '/assets/..%2f..%2foutside.txt', '/assets/%2fetc%2fpasswd', '/assets/fonts/..%2f..%2findex.html', '/assets/a%00.js', '/secret.txt']) {
      const r = await rawGet(ts.url, path);
      expect(r.status, path).toBe(404);
      expect(r.body, path).not.toContain('not an asset');
      expect(r.body, path).not.toContain('not in the build');
    }
    // the JSON error of any unknown path
    const missing = await call(ts.url, '/assets/nope-123.js');
    expect(missing.json.error.code).toBe('not_found');
  });

  test('API paths keep their JSON answers: unknown ones 404, known ones still want a key', async () => {
    for (const path of ['/api/v1/nope', '/api/nope', '/nope', '/traces-old']) {
      const r = await call(ts.url, path);
      expect(r.status, path).toBe(404);
      expect(r.json.error.code, path).toBe('not_found');
    }
    expect((await call(ts.url, '/api/v1/traces')).status).toBe(401);
  });

  test('the dashboard routes are not API operations in /openapi.json', async () => {
    const paths = Object.keys((await call(ts.url, '/openapi.json')).json.paths);
    for (const p of paths) expect(p, p).toMatch(/^\/(api|v\d|v0|events|session|healthz|readyz|openapi\.json)/);
    expect(paths).not.toContain('/');
  });

  test('not built: / answers 503 saying to run npm run build:web; assets are 404', async () => {
    for (const path of ['/', '/traces', '/traces/abc', '/login']) {
      const r = await call(unbuilt.url, path);
      expect(r.status, path).toBe(503);
      expect(r.headers.get('content-type'), path).toMatch(/^text\/html/);
      expect(r.raw.toString(), path).toContain('npm run build:web');
    }
    expect((await call(unbuilt.url, '/assets/app-3f2a1b.js')).status).toBe(404);
    expect((await call(unbuilt.url, '/favicon.svg')).status).toBe(404);
    expect((await call(unbuilt.url, '/healthz')).status).toBe(200);
  });

  test('LOUPE_WEB_DIR picks the build when no option is given; the default is <repo>/web/dist', async () => {
    expect(defaultWebDir()).toBe(join(REPO, 'web', 'dist'));
    const before = process.env.LOUPE_WEB_DIR;
    process.env.LOUPE_WEB_DIR = web;
    let fromEnv: TestServer | undefined;
    try {
      fromEnv = await startTestServer('dashboard-env');
      const r = await call(fromEnv.url, '/login');
      expect(r.status).toBe(200);
      expect(r.raw.toString()).toBe(INDEX);
    } finally {
      if (before === undefined) delete process.env.LOUPE_WEB_DIR;
      else process.env.LOUPE_WEB_DIR = before;
      await fromEnv?.close();
    }
  });
});
