// Files only the user running Loupe may read: the data directory Loupe creates is 0700 and the
// files in it (database, WAL, shared memory, admin key, lock) 0600. They hold what people's apps
// said to their users, and the admin key. Modes are set with chmod after creation, because a mode
// given to open() or mkdir() is masked by the umask (a umask of 0277 would make them unreadable;
// nothing can make them wider than asked, but being exact costs one call).
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

export const DIR_MODE = 0o700;
export const FILE_MODE = 0o600;

/** Where notices about files go (one line each, no trailing newline). */
export type Notice = (line: string) => void;

export const stderrNotice: Notice = (line) => {
  process.stderr.write(`loupe: ${line}\n`);
};

/**
 * Creates `dir` (and missing parents) as 0700. A directory that exists is left as it is: it may be
 * shared on purpose (a --db file in a project folder); the files in it are what get tightened.
 */
export function ensurePrivateDir(dir: string): void {
  if (existsSync(dir)) return;
  // Parents are created with the same mode: none existed, so none is shared with anything yet.
  const first = mkdirSync(dir, { recursive: true, mode: DIR_MODE });
  if (first === undefined) return; // made concurrently by another process
  // mkdirSync returns the first directory it created: chmod each from there down to `dir`.
  for (let d = dir; ; d = dirname(d)) {
    chmodSync(d, DIR_MODE);
    if (d === first || dirname(d) === d) break;
  }
}

/**
 * Creates `file` empty with mode 0600 when it does not exist (so that SQLite, which gives the WAL
 * and shared-memory files the database file's mode, never creates a 0644 one); returns whether it
 * was created. An existing file is left to tightenFile.
 */
export function createPrivateFile(file: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx', FILE_MODE);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  try {
    chmodSync(file, FILE_MODE);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** Takes group and other permissions off an existing file, saying so once; a missing file is fine. */
export function tightenFile(file: string, notice: Notice): void {
  let mode: number;
  try {
    mode = statSync(file).mode & 0o777;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  if ((mode & 0o077) === 0) return;
  chmodSync(file, mode & 0o700);
  notice(`${file} was readable by others (mode ${mode.toString(8).padStart(4, '0')}): now ${(mode & 0o700).toString(8).padStart(4, '0')}`);
}
