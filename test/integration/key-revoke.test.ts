// `loupe keys list|revoke` and revocation reaching every server within a second (issue 14, item
// 12): the CLI against a running `loupe serve` on SQLite (another process), and two servers on
// one PostgreSQL database. Before, a key once used stayed cached until restart.
import { grpcExport } from '../helpers/grpc.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { run, serve } from '../helpers/cli.js';
import { call } from '../helpers/server.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { createKey } from '../../src/server/keys.js';
import { postgresAvailable, startPostgres, type PrivatePostgres } from '../support/postgres.js';


/** Polls until `check` holds, for at most `ms`; returns how long it took. */
async function within(ms: number, check: () => Promise<boolean>): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    if (await check()) return Date.now() - t0;
    if (Date.now() - t0 > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const dirs: string[] = [];
const tmp = (tag: string) => {
  const d = mkdtempSync(join(tmpdir(), `loupe-${tag}-`));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('keys list and revoke beside a running SQLite server', () => {
  test('a key revoked by the CLI is refused within a second on HTTP and gRPC; the last admin key is kept', async () => {
    const d = tmp('revoke-cli');
    const srv = await serve(d);
    try {
      const grpcLine = /OTLP\/gRPC on \S+:(\d+)/;
      await within(5000, async () => grpcLine.test(srv.output())); // printed just after the HTTP line
      const grpcPort = Number(grpcLine.exec(srv.output())![1]);
      const admin = readFileSync(join(d, 'admin-key.txt'), 'utf8').trim();
      const created = await run(['keys', 'create', '--project', 'default', '--scopes', 'ingest,read', '--name', 'ci runner', '--data-dir', d]);
      expect(created.code, created.stderr).toBe(0);
      const key = created.stdout.trim();
      // warm the server's cache on both transports
      expect((await call(srv.url, '/api/v1/traces', { key })).status).toBe(200);
      expect(await grpcExport(grpcPort, key)).toBeNull();

      const listed = await run(['keys', 'list', '--project', 'default', '--data-dir', d]);
      expect(listed.code, listed.stderr).toBe(0);
      const lines = listed.stdout.trim().split('\n');
      expect(lines[0]).toMatch(/^ID\s+NAME\s+PREFIX\s+PROJECT\s+SCOPES\s+CREATED\s+LAST USED\s+REVOKED$/);
      const row = lines.find((l) => l.includes('ci runner'))!;
      expect(row).toContain(key.slice(0, 10));
      expect(row).toContain('ingest,read');
      expect(row).not.toContain(key); // never the key itself
      const id = row.split(/\s+/)[0];
      const adminId = lines.find((l) => l.includes('bootstrap admin'))!.split(/\s+/)[0];
      // the server recorded the uses (written at most once a minute per key)
      expect(row).toMatch(/\d{4}-\d\d-\d\dT[^\s]+\s+-$/);

      const revoked = await run(['keys', 'revoke', id, '--data-dir', d]);
      expect(revoked.code, revoked.stderr).toBe(0);
      const took = await within(1500, async () => (await call(srv.url, '/api/v1/traces', { key })).status === 401);
      expect(took).toBeLessThanOrEqual(1200);
      expect((await grpcExport(grpcPort, key))?.code).toBe(grpc.status.UNAUTHENTICATED);
      expect((await run(['keys', 'list', '--data-dir', d])).stdout.split('\n').find((l) => l.startsWith(id))).toMatch(/\d{4}-\d\d-\d\dT\S+Z$/);

      const last = await run(['keys', 'revoke', adminId, '--data-dir', d]);
      expect(last.code).toBe(1);
      expect(last.stderr).toMatch(/last admin key/);
      expect((await run(['keys', 'revoke', 'no-such-id', '--data-dir', d])).code).toBe(1);
      // the server keeps working, and keys create still works beside it
      expect((await call(srv.url, '/api/v1/traces', { key: admin })).status).toBe(200);
      expect((await run(['keys', 'create', '--project', 'default', '--data-dir', d])).code).toBe(0);
    } finally {
      srv.child.kill('SIGTERM');
      expect((await srv.exited).code).toBe(0);
    }
  }, 60_000);
});

const available = postgresAvailable();

describe.skipIf(!available)('revocation across servers on one PostgreSQL', () => {
  let cluster: PrivatePostgres | undefined;
  beforeAll(async () => {
    cluster = await startPostgres();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  test('a key revoked on one server (or by the CLI) is refused by the other within a second, HTTP and gRPC', async () => {
    const url = await cluster!.createDatabase('revoke_two');
    const servers: RunningServer[] = [];
    try {
      // one at a time: the first creates project `default` and its admin key
      for (const tag of ['a', 'b']) servers.push(await startServer({ host: '127.0.0.1', port: 0, grpcPort: 0, dataDir: tmp(`pg-${tag}`), dbUrl: url }));
      const [a, b] = servers;
      const project = (await a.store.findProject('default'))!;
      const k1 = await createKey(a.store, project.id, ['ingest', 'read']);
      const k2 = await createKey(a.store, project.id, ['ingest', 'read']);
      for (const s of servers) {
        for (const k of [k1, k2]) {
          expect((await call(s.url, '/api/v1/traces', { key: k.key })).status).toBe(200);
          expect(await grpcExport(s.grpcPort!, k.key)).toBeNull();
        }
      }
      // revoked through server a's store: server b refuses it within a second
      expect(await a.store.revokeApiKey(k1.id)).toBe('revoked');
      const took = await within(1500, async () => (await call(b.url, '/api/v1/traces', { key: k1.key })).status === 401);
      expect(took).toBeLessThanOrEqual(1200);
      expect((await grpcExport(b.grpcPort!, k1.key))?.code).toBe(grpc.status.UNAUTHENTICATED);
      expect((await call(a.url, '/api/v1/traces', { key: k1.key })).status).toBe(401);

      // revoked by the CLI (another process): both servers refuse it within a second
      const r = await run(['keys', 'revoke', k2.id, '--db', url]);
      expect(r.code, r.stderr).toBe(0);
      for (const s of servers) {
        expect(await within(1500, async () => (await call(s.url, '/api/v1/traces', { key: k2.key })).status === 401)).toBeLessThanOrEqual(1200);
        expect((await grpcExport(s.grpcPort!, k2.key))?.code).toBe(grpc.status.UNAUTHENTICATED);
      }
      const list = await run(['keys', 'list', '--db', url]);
      expect(list.code, list.stderr).toBe(0);
      expect(list.stdout.split('\n').filter((l) => /\S+Z$/.test(l) && !l.startsWith('ID'))).toHaveLength(2);
    } finally {
      for (const s of servers) await s.close();
    }
  }, 90_000);
});
