// A private PostgreSQL 15 cluster for tests: initdb into a temp dir, start on a free port on
// 127.0.0.1 with fsync on, hand out fresh databases, stop and delete it at the end. When run as
// root (CI), the cluster runs as an unprivileged user (initdb refuses root). Without the server
// binaries the tests are skipped locally, but fail loudly when CI=true.
import { execFileSync, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export const PG_BIN = process.env.LOUPE_PG_BIN ?? '/usr/lib/postgresql/15/bin';

export interface PrivatePostgres {
  /** Connection URL of the cluster's `postgres` database (superuser `loupe`, trust auth). */
  url: string;
  port: number;
  /** Creates a database (empty, or a copy of `template`) and returns its URL. */
  createDatabase(name?: string, template?: string): Promise<string>;
  stop(): Promise<void>;
}

/** Whether the binaries exist; in CI their absence is an error, never a silent skip. */
export function postgresAvailable(): boolean {
  const ok = existsSync(join(PG_BIN, 'initdb')) && existsSync(join(PG_BIN, 'pg_ctl'));
  if (!ok && process.env.CI === 'true') {
    throw new Error(`PostgreSQL 15 binaries not found in ${PG_BIN}: CI must install postgresql-15 (see .ci/run)`);
  }
  if (!ok) console.warn(`[loupe tests] PostgreSQL binaries not found in ${PG_BIN}: PostgreSQL tests are skipped`);
  return ok;
}

interface RunAs {
  uid?: number;
  gid?: number;
  user?: string;
}

/** Root cannot run initdb: pick the `postgres` system user, else `nobody`. */
function unprivileged(): RunAs {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return {};
  for (const user of ['postgres', 'nobody']) {
    try {
      const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim());
      if (uid > 0) return { uid, gid, user };
    } catch {
      // no such user; try the next
    }
  }
  throw new Error('running as root and no unprivileged user (postgres, nobody) to run PostgreSQL as');
}

function run(cmd: string, args: string[], as: RunAs, cwd: string): string {
  const opts: SpawnSyncOptions = { cwd, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C', HOME: cwd }, timeout: 120_000 };
  if (as.uid !== undefined) Object.assign(opts, { uid: as.uid, gid: as.gid });
  const r = spawnSync(join(PG_BIN, cmd), args, opts);
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal ?? r.error?.message}):\n${String(r.stdout)}\n${String(r.stderr)}`);
  }
  return String(r.stdout);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function startPostgres(): Promise<PrivatePostgres> {
  const as = unprivileged();
  const dir = mkdtempSync(join(tmpdir(), 'loupe-pg-'));
  if (as.uid !== undefined) chownSync(dir, as.uid, as.gid as number);
  const data = join(dir, 'data');
  const log = join(dir, 'server.log');
  run('initdb', ['-D', data, '-U', 'loupe', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'], as, dir);

  let port = 0;
  let started = false;
  for (let attempt = 0; attempt < 5 && !started; attempt++) {
    port = await freePort();
    try {
      run('pg_ctl', ['start', '-w', '-t', '60', '-D', data, '-l', log, '-o',
        `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=on -c max_connections=200`], as, dir);
      started = true;
    } catch (e) {
      // Another process may have taken the port between probe and start: try another.
      if (attempt === 4) throw new Error(`${(e as Error).message}\n${existsSync(log) ? readFileSync(log, 'utf8') : ''}`);
    }
  }

  const url = `postgres://loupe@127.0.0.1:${port}/postgres`;
  let counter = 0;
  let stopped = false;
  // If the test process ends without stop() (a crash, a timeout), do not leave a server behind.
  const onExit = () => {
    if (stopped) return;
    stopped = true;
    try {
      run('pg_ctl', ['stop', '-m', 'immediate', '-D', data], as, dir);
    } catch {
      // best effort at exit
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  return {
    url,
    port,
    async createDatabase(name?: string, template?: string) {
      const db = name ?? `t${process.pid}_${++counter}`;
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const quote = (n: string) => `"${n.replace(/"/g, '')}"`;
        await client.query(`CREATE DATABASE ${quote(db)}${template ? ` TEMPLATE ${quote(template)}` : ''}`);
      } finally {
        await client.end();
      }
      return `postgres://loupe@127.0.0.1:${port}/${db}`;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      process.off('exit', onExit);
      try {
        run('pg_ctl', ['stop', '-w', '-m', 'fast', '-D', data], as, dir);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
