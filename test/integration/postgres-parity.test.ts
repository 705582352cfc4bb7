// The HTTP server on PostgreSQL answers exactly as on SQLite: the same OTLP JSON exports go into
// one server per backend (PostgreSQL: a private cluster), and the read API's JSON is compared,
// apart from the ids each database assigns (projectId, numericId).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { postgresAvailable, startPostgres, type PrivatePostgres } from '../support/postgres.js';

const EXAMPLES = new URL('../fixtures/examples/', import.meta.url);
const OTLP = readdirSync(EXAMPLES).filter((f) => /^\d+-otlp-.*\.json$/.test(f)).sort();

interface Running {
  server: RunningServer;
  key: string;
  dir: string;
}

async function start(dbUrl?: string): Promise<Running> {
  const dir = mkdtempSync(join(tmpdir(), 'loupe-parity-'));
  const server = await startServer({ host: '127.0.0.1', port: 0, dataDir: dir, dbUrl });
  return { server, dir, key: readFileSync(join(dir, 'admin-key.txt'), 'utf8').trim() };
}

async function get(r: Running, path: string): Promise<unknown> {
  const res = await fetch(`${r.server.url}${path}`, { headers: { 'x-api-key': r.key } });
  expect(res.status, path).toBe(200);
  return normalise(await res.json());
}

/** Drops what each database assigns on its own. */
function normalise(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalise);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (k !== 'projectId' && k !== 'numericId' && k !== 'nextCursor') out[k] = normalise(x);
    return out;
  }
  return v;
}

function traceIds(file: string): string[] {
  const ids = new Set<string>();
  const body = JSON.parse(readFileSync(new URL(file, EXAMPLES), 'utf8')) as { resourceSpans: { scopeSpans: { spans: { traceId: string }[] }[] }[] };
  for (const rs of body.resourceSpans) for (const ss of rs.scopeSpans) for (const s of ss.spans) ids.add(s.traceId.toLowerCase());
  return [...ids];
}

const available = postgresAvailable();

describe.skipIf(!available)('HTTP on PostgreSQL answers as on SQLite', () => {
  let cluster: PrivatePostgres;
  let sqlite: Running;
  let postgres: Running;

  beforeAll(async () => {
    cluster = await startPostgres();
    [sqlite, postgres] = await Promise.all([start(), start(await cluster.createDatabase('parity'))]);
    for (const r of [sqlite, postgres]) {
      for (const file of OTLP) {
        const res = await fetch(`${r.server.url}/v1/traces`, {
          method: 'POST',
          headers: { 'x-api-key': r.key, 'content-type': 'application/json' },
          body: readFileSync(new URL(file, EXAMPLES)),
        });
        expect(res.status, file).toBe(200);
      }
    }
  });

  afterAll(async () => {
    for (const r of [sqlite, postgres]) {
      await r?.server.close();
      if (r) rmSync(r.dir, { recursive: true, force: true });
    }
    await cluster?.stop();
  });

  test('the server reports the PostgreSQL backend', () => {
    expect(postgres.server.store.dialect).toBe('postgres');
    expect(sqlite.server.store.dialect).toBe('sqlite');
  });

  test.each(OTLP)('GET /api/v1/traces/:id for %s', async (file) => {
    for (const id of traceIds(file)) {
      const [a, b] = await Promise.all([get(sqlite, `/api/v1/traces/${id}`), get(postgres, `/api/v1/traces/${id}`)]);
      expect((a as { spans: unknown[] }).spans.length).toBeGreaterThan(0);
      expect(b).toEqual(a);
    }
  });

  test('trace and span lists, and a filter', async () => {
    const paths = ['/api/v1/traces?order=asc', '/api/v1/spans?order=asc&limit=1000', '/api/v1/spans?kind=llm', '/api/v1/traces?kind=llm', '/api/v1/spans?name=CHAT'];
    for (const path of paths) {
      const [a, b] = await Promise.all([get(sqlite, path), get(postgres, path)]);
      expect((a as { data: unknown[] }).data.length, path).toBeGreaterThan(0);
      expect(b, path).toEqual(a);
    }
  });

  test('404 for an unknown trace on both', async () => {
    for (const r of [sqlite, postgres]) {
      const res = await fetch(`${r.server.url}/api/v1/traces/ffffffffffffffffffffffffffffffff`, { headers: { 'x-api-key': r.key } });
      expect(res.status).toBe(404);
    }
  });
});
