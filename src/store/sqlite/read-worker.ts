// Worker-thread side of the read pool: one read-only connection to the database file, serving
// ReadOps calls posted by read-pool.ts. Errors travel back as data (a LoupeError keeps its code).
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { isLoupeError } from '../../errors.js';
import { SqliteReads, type ReadOps } from './reads.js';

export interface ReadRequest {
  id: number;
  op: keyof ReadOps;
  args: unknown[];
}

export type ReadReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: { message: string; code?: string; details?: unknown } };

const { file } = workerData as { file: string };
const db = new Database(file, { readonly: true, fileMustExist: true });
db.pragma('busy_timeout = 10000');
db.pragma('cache_size = -65536');
db.pragma('mmap_size = 268435456');
const reads = new SqliteReads(db);

parentPort!.on('message', (req: ReadRequest) => {
  let reply: ReadReply;
  try {
    const fn = reads[req.op] as (...a: unknown[]) => unknown;
    reply = { id: req.id, ok: true, value: fn.apply(reads, req.args) };
  } catch (e) {
    reply = isLoupeError(e)
      ? { id: req.id, ok: false, error: { message: e.message, code: e.code, details: e.details } }
      : { id: req.id, ok: false, error: { message: (e as Error).message } };
  }
  parentPort!.postMessage(reply);
});
