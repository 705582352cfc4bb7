// What the SDK asks of its runtime: no top-level `node:` import in the built package, and without
// `process` (so without AsyncLocalStorage) it loads, sends, and nests synchronously only.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/helpers/server.js';
import { readTrace } from './helpers.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const DIST = join(HERE, '..', 'dist');

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer('sdk-runtime');
});
afterAll(async () => {
  await srv.close();
});

describe('runtimes', () => {
  it('the built package imports nothing from node: statically, and has no dependencies', () => {
    const pkg = JSON.parse(readFileSync(join(HERE, '..', 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(pkg.dependencies).toBeUndefined();
    const files = readdirSync(DIST, { recursive: true }).map(String).filter((f) => f.endsWith('.js'));
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) {
      const src = readFileSync(join(DIST, f), 'utf8');
      expect(src, f).not.toMatch(/^\s*import[^;]*['"]node:/m);
      expect(src, f).not.toMatch(/\brequire\(/);
    }
  });

  it('without process (so without AsyncLocalStorage): loads, sends, nests the synchronous part only', async () => {
    // Asynchronously: the server runs in this process and must answer meanwhile.
    const { stdout: out } = await promisify(execFile)(process.execPath, [join(HERE, 'fixtures', 'no-process.mjs')], { env: { ...process.env, NODE_OPTIONS: '', KEY: srv.key, URL: srv.url } });
    const seen = JSON.parse(out) as { syncNested: boolean; afterAwait: boolean; withObservation: boolean; traceId: string };
    expect(seen).toMatchObject({ syncNested: true, afterAwait: true, withObservation: true });
    const d = (await readTrace(srv.url, srv.key, seen.traceId))!;
    expect(d.spans.map((s) => s.name).sort()).toEqual(['inner', 'outer']);
  });
});
