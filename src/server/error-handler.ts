// Any failure to the catalogue's answer (src/errors.ts), for HTTP and gRPC alike: a LoupeError
// as it is; the database failing (busy, locked, I/O, full disk, PostgreSQL unreachable or
// restarting) as `unavailable`, which clients retry after Retry-After; anything else logged to
// stderr as one line and answered `internal`. Logged lines carry no request payload and no key.
import { LoupeError, isLoupeError } from '../errors.js';

interface CodedError {
  code?: unknown;
  message?: unknown;
}

// SQLite result codes (better-sqlite3 gives the extended ones: SQLITE_BUSY_SNAPSHOT, SQLITE_IOERR_WRITE…).
const SQLITE_CODE = /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|NOMEM|PROTOCOL|READONLY)/;
// Node socket errors of a database connection (PostgreSQL over TCP).
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']);
// PostgreSQL SQLSTATEs: connection exceptions (08…), insufficient resources (53…: disk full, out
// of memory, too many connections), shutting down or starting (57P01-03), statement timeout
// (57014), I/O error (58030), a standby after failover (25006), and contention (40001 serialization,
// 40P01 deadlock, 55P03 lock not available).
const PG_SQLSTATE = /^(08[0-9A-Z]{3}|53[0-9A-Z]{3}|57P0[123]|57014|58030|25006|40001|40P01|55P03)$/;
// The same failures where only a message survives: SQLite's own texts (an error from a database
// worker thread arrives as a message), node-postgres' connection errors, a worker that died.
const MESSAGES = /database is locked|database table is locked|disk I\/O error|database or disk is full|unable to open database file|attempt to write a readonly database|The database connection is not open|Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Cannot use a pool after calling end|^(read|write|checkpoint)-worker exited/;
// Contention passes in a moment; a database that is down, full or failing takes longer.
const CONTENTION = /^(SQLITE_BUSY|SQLITE_LOCKED|40001|40P01|55P03)|database (table )?is locked/;

/** The database failing, as the catalogue's retryable `unavailable`; undefined for anything else. */
export function databaseFailure(e: unknown): LoupeError | undefined {
  if (!(e instanceof Error)) return undefined;
  const code = typeof (e as CodedError).code === 'string' ? (e as CodedError).code as string : '';
  const known = SQLITE_CODE.test(code) || SOCKET_CODES.has(code) || PG_SQLSTATE.test(code) || MESSAGES.test(e.message);
  if (!known) return undefined;
  const what = code || e.message.slice(0, 60);
  const out = new LoupeError('unavailable', `the database is unavailable (${what}); retry later`);
  out.retryAfter = CONTENTION.test(code || e.message) ? 1 : 5;
  return out;
}

/** Seconds to put in Retry-After (or gRPC RetryInfo) for an error, when it is worth retrying. */
export function retryAfterSeconds(e: LoupeError): number | undefined {
  return e.retryable ? e.retryAfter ?? 1 : undefined;
}

const QUOTED = /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g;

/**
 * One line about an error, safe to log: its class, code and message with every quoted part cut
 * out (parsers quote the input they choked on: `Unexpected token 'x', "{x…" is not valid JSON`),
 * at most 200 characters, and where it was thrown (the first stack frame, repository-relative).
 */
export function describeError(e: unknown): string {
  if (!(e instanceof Error)) return `non-error thrown (${typeof e})`;
  const code = typeof (e as CodedError).code === 'string' ? ` [${(e as CodedError).code as string}]` : '';
  let message = e.message.replace(QUOTED, '"…"').replace(/\s+/g, ' ').trim();
  if (message.length > 200) message = `${message.slice(0, 200)}…`;
  const frame = e.stack?.split('\n').find((l) => l.trimStart().startsWith('at '))?.trim().slice(3).replace(`${process.cwd()}/`, '');
  return `${e.name}${code}: ${message}${frame ? ` (at ${frame})` : ''}`;
}

/** Where log lines go; a test may swap it. */
export const errorLog = { write: (line: string): void => void process.stderr.write(line) };

/** Logs an unexpected error: always, one line on stderr, `where` naming the route, never the payload. */
export function logUnhandled(where: string, e: unknown): void {
  errorLog.write(`loupe: error in ${where}: ${describeError(e)}\n`);
}

// While the database is down every request fails the same way: say so once per code every 10 s,
// with the count of failures since, rather than a line per request.
const DB_LOG_EVERY_MS = 10_000;
const dbLogged = new Map<string, { at: number; since: number }>();

function logDatabaseFailure(where: string, e: unknown): void {
  const key = String((e as CodedError).code ?? (e as Error).message).slice(0, 60);
  const now = Date.now();
  const seen = dbLogged.get(key);
  if (seen && now - seen.at < DB_LOG_EVERY_MS) {
    seen.since++;
    return;
  }
  const more = seen?.since ? `; ${seen.since} more since the last report` : '';
  dbLogged.set(key, { at: now, since: 0 });
  errorLog.write(`loupe: database unavailable in ${where} (answered 503${more}): ${describeError(e)}\n`);
}

/** Any failure as the catalogue's error: LoupeErrors as they are, the database as `unavailable`, the rest logged and `internal`. */
export function toLoupeError(e: unknown, where: string): LoupeError {
  if (isLoupeError(e)) return e;
  const db = databaseFailure(e);
  if (db) {
    logDatabaseFailure(where, e);
    return db;
  }
  logUnhandled(where, e);
  return new LoupeError('internal', 'internal error');
}
