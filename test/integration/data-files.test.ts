// The data directory's permissions, through the real CLI: a directory Loupe creates is 0700 and
// the files in it (database, WAL, shared memory, admin key, lock) 0600 whatever the umask; files
// an earlier version left readable by others are tightened on start, with a line saying so.
import { chmodSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { call, tempDir } from '../helpers/server.js';
import { serve, type ServeProcess } from '../helpers/cli.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const mode = (p: string) => (statSync(p).mode & 0o777).toString(8).padStart(4, '0');

/** `loupe serve` started under `umask` (restored at once: spawn copies it into the child). */
function serveUnder(umask: number, dataDir: string): Promise<ServeProcess> {
  const old = process.umask(umask);
  try {
    return serve(dataDir);
  } finally {
    process.umask(old);
  }
}

/** One write, so that the WAL and shared-memory files exist. */
async function write(srv: ServeProcess, dataDir: string): Promise<void> {
  const key = readFileSync(join(dataDir, 'admin-key.txt'), 'utf8').trim();
  const now = Date.now();
  const traceId = `files-${now}`;
  const res = await call(srv.url, '/api/v1/ingest', { key, body: { spans: [{ id: `${traceId}-s`, traceId, name: 'x', kind: 'llm', startTime: now, endTime: now + 1 }] } });
  expect(res.status).toBe(200);
}

async function stop(srv: ServeProcess): Promise<void> {
  srv.child.kill('SIGTERM');
  expect((await srv.exited).code).toBe(0);
}

const FILES = ['loupe.db', 'loupe.db-wal', 'loupe.db-shm', 'admin-key.txt', 'loupe.db.lock'];

describe('data directory permissions', () => {
  test('a new data directory is 0700 and its files 0600, even under umask 000', async () => {
    const root = tempDir('files-new');
    dirs.push(root);
    const dataDir = join(root, 'nested', 'data');
    const srv = await serveUnder(0o000, dataDir);
    try {
      await write(srv, dataDir);
      expect(mode(dataDir)).toBe('0700');
      expect(mode(join(root, 'nested'))).toBe('0700');
      const present = readdirSync(dataDir);
      for (const f of FILES) expect(present, f).toContain(f);
      // Every file in it, named above or not (a journal, a key), is the user's alone.
      for (const f of present) expect(`${f} ${mode(join(dataDir, f))}`).toBe(`${f} 0600`);
    } finally {
      await stop(srv);
    }
  });

  test('files left readable by others are tightened on start, with a line saying so', async () => {
    const dataDir = tempDir('files-old');
    dirs.push(dataDir);
    chmodSync(dataDir, 0o755);
    const first = await serve(dataDir);
    await write(first, dataDir);
    // Killed, so that the WAL and shared-memory files stay, as an earlier version left them.
    first.child.kill('SIGKILL');
    await first.exited;
    // (An earlier version made no lock file: what is there is widened.)
    for (const f of readdirSync(dataDir)) chmodSync(join(dataDir, f), 0o644);

    const srv = await serve(dataDir);
    try {
      await write(srv, dataDir);
      for (const f of FILES) expect(`${f} ${mode(join(dataDir, f))}`).toBe(`${f} 0600`);
      for (const f of FILES) expect(srv.output()).toContain(`${join(dataDir, f)} was readable by others (mode 0644): now 0600`);
      // A directory that existed is the user's to set (it may be shared on purpose): left as it was.
      expect(mode(dataDir)).toBe('0755');
    } finally {
      await stop(srv);
    }
  });
});
