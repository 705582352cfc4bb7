// Worker thread that checkpoints the WAL into the database file, so that copying pages (and the
// fsync after it) runs beside the event loop instead of inside a commit, as SQLite's automatic
// checkpoint would. PASSIVE: it never waits for the writer or for readers. (The store bounds the
// WAL itself when this thread cannot keep up, see SqliteStore.checkpointSoon.)
import Database from 'better-sqlite3';
import { workerData } from 'node:worker_threads';
import { serveThread } from './serve-thread.js';

const { file } = workerData as { file: string };
const db = new Database(file, { fileMustExist: true });
db.pragma('busy_timeout = 10000');
db.pragma('wal_autocheckpoint = 0');
serveThread({ checkpoint: () => db.pragma('wal_checkpoint(PASSIVE)') as unknown }, () => db.close());
