// The writer lock of a SQLite database: one process at a time writes traces into a file (`loupe
// serve`, or `loupe import` straight into the database). The write path keeps state in memory
// (chunk ids, pack ranges, recent trace numbers), so a second writer on the same file makes
// conflicting rows (`UNIQUE constraint failed: chunk_packs.first_id`) instead of waiting its turn.
//
// The lock is a small SQLite database beside the data file (`loupe.db.lock`) in which the holder
// keeps a write transaction open (BEGIN IMMEDIATE: a RESERVED lock) for as long as it runs. Why not
// a pid file: the RESERVED lock is a POSIX advisory lock that the kernel drops when the process
// dies, however it dies, so a lock left by `kill -9`, an OOM kill or a power cut never blocks the
// next start, and there is no staleness to guess (a pid file needs "is that pid alive?", which a
// reused pid answers wrongly; in a container the next Loupe often gets the very same pid) and no
// race between two starters that both find a stale file. It works where SQLite's own locking does
// (local file systems; SQLite's WAL mode already requires that), and it holds between connections
// of one process too (SQLite tracks locks per file within a process), so two servers started in
// one test process on one directory are refused the same way.
//
// A RESERVED lock still lets other connections read: the holder commits a row naming itself (pid,
// command, host, since) just before it takes the lock for good, and a refused opener reads that
// row for its message.
import Database from 'better-sqlite3';
import { existsSync, realpathSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { createPrivateFile, tightenFile, type Notice } from '../private-files.js';

export interface LockHolder {
  pid: number;
  /** The holder's command line, e.g. `loupe serve --data-dir ./data`. */
  command: string;
  host: string;
  /** ISO 8601. */
  since: string;
}

/** Another process holds the writer lock of this database. */
export class DatabaseInUseError extends Error {
  constructor(readonly file: string, readonly holder: LockHolder | undefined) {
    super(`${file} is in use by another Loupe process (${holder ? describeHolder(holder) : 'it did not say which'})`);
    this.name = 'DatabaseInUseError';
  }
}

export function describeHolder(h: LockHolder): string {
  return `pid ${h.pid}${h.host === hostname() ? '' : ` on ${h.host}`}: ${h.command}, since ${h.since}`;
}

export interface WriterLock {
  readonly file: string;
  /** Lets the next writer in (idempotent). Also happens, by the kernel, when the process ends. */
  release(): void;
}

/** Beside the real file, so that two paths to one database (a symlink, ../data) share one lock. */
export function lockFileOf(dbFile: string): string {
  const real = existsSync(dbFile) ? realpathSync(dbFile) : join(realpathSync(dirname(dbFile)), basename(dbFile));
  return `${real}.lock`;
}

function thisProcess(): LockHolder {
  const [, script, ...args] = process.argv;
  const name = script && /loupe(\.js|\.ts)?$/.test(basename(script)) ? 'loupe' : basename(script ?? process.execPath);
  return { pid: process.pid, command: [name, ...args].join(' '), host: hostname(), since: new Date().toISOString() };
}

function readHolder(db: Database.Database): LockHolder | undefined {
  try {
    // The holder's commit of its row is brief; wait for it rather than miss the row.
    db.pragma('busy_timeout = 2000');
    const row = db.prepare('SELECT pid, command, host, since FROM holder WHERE id = 1').get() as LockHolder | undefined;
    return row ?? undefined;
  } catch {
    return undefined; // the table is not there yet: the holder is still creating it
  }
}

/**
 * Takes the writer lock of `dbFile`, or throws DatabaseInUseError naming the process that has it.
 * Never waits: a second writer is refused at once.
 */
export function acquireWriterLock(dbFile: string, notice: Notice): WriterLock {
  const file = lockFileOf(dbFile);
  if (!createPrivateFile(file)) tightenFile(file, notice);
  // timeout 0: BEGIN IMMEDIATE fails with SQLITE_BUSY at once when another connection holds it.
  const db = new Database(file, { timeout: 0 });
  const me = thisProcess();
  const refuse = (): never => {
    const read = readHolder(db);
    // Refused after committing its own row (the race below): the row still names this process.
    const holder = read && !(read.pid === me.pid && read.since === me.since) ? read : undefined;
    db.close();
    throw new DatabaseInUseError(dbFile, holder);
  };
  const attempt = (sql: string): boolean => {
    try {
      db.exec(sql);
      return true;
    } catch (e) {
      if ((e as { code?: string }).code === 'SQLITE_BUSY') return false;
      db.close();
      throw new Error(`cannot use the lock file ${file}: ${(e as Error).message}`);
    }
  };
  if (!attempt('BEGIN IMMEDIATE')) return refuse();
  db.exec('CREATE TABLE IF NOT EXISTS holder (id INTEGER PRIMARY KEY CHECK (id = 1), pid INTEGER NOT NULL, command TEXT NOT NULL, host TEXT NOT NULL, since TEXT NOT NULL)');
  db.prepare('INSERT OR REPLACE INTO holder (id, pid, command, host, since) VALUES (1, @pid, @command, @host, @since)').run(me);
  db.exec('COMMIT');
  // Between COMMIT and this BEGIN another opener may take the lock (it then names itself in the
  // row): this one is refused like any late comer. Exactly one of them holds it afterwards.
  if (!attempt('BEGIN IMMEDIATE')) return refuse();
  let held = true;
  return {
    file,
    release() {
      if (!held) return;
      held = false;
      db.exec('ROLLBACK');
      db.close();
    },
  };
}
