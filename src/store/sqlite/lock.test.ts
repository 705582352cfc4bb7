// The writer lock within one process (the CLI tests check it between processes and after kill -9):
// a second holder is refused and told who has it, a released lock can be taken again, and a store
// opened with lock: true holds it until closed.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { acquireWriterLock, DatabaseInUseError, lockFileOf } from './lock.js';
import { SqliteStore } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'loupe-lock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const notices: string[] = [];
const notice = (l: string) => notices.push(l);

test('a second holder is refused with the first one named; after release the lock is free', () => {
  const db = join(dir, 'a.db');
  const first = acquireWriterLock(db, notice);
  expect(statSync(lockFileOf(db)).mode & 0o777).toBe(0o600);
  let refused: unknown;
  try {
    acquireWriterLock(db, notice);
  } catch (e) {
    refused = e;
  }
  expect(refused).toBeInstanceOf(DatabaseInUseError);
  const e = refused as DatabaseInUseError;
  expect(e.holder?.pid).toBe(process.pid);
  expect(e.message).toContain(`${db} is in use by another Loupe process (pid ${process.pid}`);
  first.release();
  first.release(); // idempotent
  acquireWriterLock(db, notice).release();
  expect(notices).toEqual([]);
});

test('a store opened with lock: true holds the lock until closed; one without takes none', async () => {
  const file = join(dir, 'b.db');
  const a = new SqliteStore(file, { lock: true, readWorker: false, notice });
  await a.init();
  expect(() => new SqliteStore(file, { lock: true, readWorker: false, notice })).toThrow(DatabaseInUseError);
  // A reader or a key tool beside it: no lock asked, none refused.
  const shared = new SqliteStore(file, { readWorker: false, notice });
  await shared.init();
  expect(await shared.countProjects()).toBe(0);
  await shared.close();
  await a.close();
  const b = new SqliteStore(file, { lock: true, readWorker: false, notice });
  await b.init();
  await b.close();
});
