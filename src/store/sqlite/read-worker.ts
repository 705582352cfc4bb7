// Worker thread serving the read queries (reads.ts) on its own read-only connection, so heavy
// reads never block the event loop that acknowledges writes.
import Database from 'better-sqlite3';
import { workerData } from 'node:worker_threads';
import { SqliteReads, type ReadOptions } from './reads.js';
import { registerBlobFunctions } from './blobs.js';
import { serveThread } from './serve-thread.js';

const { file, options } = workerData as { file: string; options: ReadOptions };
const db = new Database(file, { readonly: true, fileMustExist: true });
db.pragma('busy_timeout = 10000');
db.pragma('cache_size = -65536');
db.pragma('mmap_size = 268435456');
const side = registerBlobFunctions(db, file);
serveThread(new SqliteReads(db, options), () => {
  side?.close();
  db.close();
});
