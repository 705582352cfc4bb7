// `loupe serve`'s start banner: the listening line, then on every start the dashboard, where the
// admin key file is, the API's OpenAPI 3 description and where the docs are. The first start
// (which creates the admin key) also prints a link with the key in the URL fragment; later starts
// say where the key file is and never print the key.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { browsableUrl, startBanner } from '../../src/cli/banner.js';
import { REPO, serve } from '../helpers/cli.js';
import { tempDir } from '../helpers/server.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Runs `loupe serve` until it listens, stops it with SIGTERM, and returns what it printed. */
async function startAndStop(dataDir: string): Promise<{ url: string; output: string }> {
  // An ephemeral gRPC port: the default 4317 may be taken by a real Loupe on this machine.
  const srv = await serve(dataDir);
  srv.child.kill('SIGTERM');
  const { code } = await srv.exited;
  expect(code, srv.output()).toBe(0);
  return { url: srv.url, output: srv.output() };
}

describe('loupe serve banner', () => {
  test('first start: a dashboard link carrying the new key in its fragment; later starts: the key file only', async () => {
    const root = tempDir('banner');
    dirs.push(root);
    const data = join(root, 'data');
    const web = join(root, 'web');
    mkdirSync(web);
    const before = process.env.LOUPE_WEB_DIR;
    process.env.LOUPE_WEB_DIR = web; // children inherit it (childEnv)
    try {
      const first = await startAndStop(data);
      const key = readFileSync(join(data, 'admin-key.txt'), 'utf8').trim();
      const lines = first.output.split('\n');
      expect(lines).toContain(`Loupe listening on ${first.url} (OTLP/HTTP at ${first.url}/v1/traces, API at ${first.url}/api/v1)`);
      expect(lines).toContain(`Dashboard: ${first.url}/`);
      expect(lines).toContain(`Admin key: in ${join(data, 'admin-key.txt')}`);
      expect(lines).toContain(`Open the dashboard: ${first.url}/#key=${key}`);
      // web/dist has no index.html here: the banner says how to build it
      expect(first.output).toContain('npm run build:web');
      // the dashboard lines come once the server listens
      expect(lines.indexOf(`Dashboard: ${first.url}/`)).toBeGreaterThan(lines.findIndex((l) => l.startsWith('Loupe listening on')));

      writeFileSync(join(web, 'index.html'), '<!doctype html>');
      const again = await startAndStop(data);
      const later = again.output.split('\n');
      // every start, not only the first: the dashboard, the key file, the API description, the docs
      for (const [run, out] of [[first, lines], [again, later]] as const) {
        expect(out).toContain(`Dashboard: ${run.url}/`);
        expect(out).toContain(`Admin key: in ${join(data, 'admin-key.txt')}`);
        expect(out).toContain(`API reference: ${run.url}/openapi.json (the OpenAPI 3 description of the HTTP API)`);
        expect(out).toContain(`Docs: ${join(REPO, 'README.md')} and docs/*.md beside it`);
      }
      expect(again.output).not.toContain(key);
      expect(again.output).not.toContain('#key=');
      expect(again.output).not.toContain('Open the dashboard');
      expect(again.output).not.toContain('npm run build:web');
    } finally {
      if (before === undefined) delete process.env.LOUPE_WEB_DIR;
      else process.env.LOUPE_WEB_DIR = before;
    }
  });

  test('no key file: where it would be and how to make a key; a wildcard listen address becomes a link a browser can open', () => {
    expect(startBanner('http://127.0.0.1:4318', { built: true })).toBe(
      'Dashboard: http://127.0.0.1:4318/\nAPI reference: http://127.0.0.1:4318/openapi.json (the OpenAPI 3 description of the HTTP API)\n');
    expect(startBanner('http://127.0.0.1:4318', { built: true, dataDir: '/srv/loupe' }))
      .toContain('Admin key: no admin-key.txt in /srv/loupe (make a key: loupe keys create --project default --scopes admin,ingest,read)\n');
    expect(browsableUrl('http://0.0.0.0:4318')).toBe('http://localhost:4318');
    expect(browsableUrl('http://[::]:4318')).toBe('http://localhost:4318');
    expect(browsableUrl('http://[::1]:4318')).toBe('http://[::1]:4318');
    expect(startBanner('http://0.0.0.0:9000', { built: true, newAdminKey: 'lp_a-b_c', adminKeyFile: 'data/admin-key.txt', readme: '/src/loupe/README.md' }))
      .toBe('Dashboard: http://localhost:9000/\nAdmin key: in data/admin-key.txt\nOpen the dashboard: http://localhost:9000/#key=lp_a-b_c\n' +
        'API reference: http://localhost:9000/openapi.json (the OpenAPI 3 description of the HTTP API)\nDocs: /src/loupe/README.md and docs/*.md beside it\n');
  });
});
