// Worker thread owning the write path (write.ts) on its own connection: blob encoding, SQLite
// statements and the commit run here, in parallel with the event loop decoding the next requests.
// writeGroup answers only after its transaction is durable, as on the main thread.
import Database from 'better-sqlite3';
import { workerData } from 'node:worker_threads';
import type { TraceSelection, WriteItem } from '../store.js';
import { serveThread } from './serve-thread.js';
import { SqliteWritePath } from './write.js';

const { file, synchronous, chunkPackChars } = workerData as { file: string; synchronous: 'FULL' | 'NORMAL'; chunkPackChars?: number };
const db = new Database(file, { fileMustExist: true });
db.pragma('journal_mode = WAL');
db.pragma(`synchronous = ${synchronous}`);
db.pragma('busy_timeout = 10000');
db.pragma('cache_size = -65536');
db.pragma('temp_store = MEMORY');
// The store's checkpoint worker copies the WAL into the database file, off this thread.
db.pragma('wal_autocheckpoint = 0');
const path = new SqliteWritePath(db, { chunkPackChars });
serveThread({
  writeGroup: (items: WriteItem[]) => path.writeGroup(items),
  deleteTraces: (projectId: number, select: TraceSelection, limit: number) => path.deleteTraces(projectId, select, limit),
  reclaim: (pages: number) => path.reclaim(pages),
  collectChunks: (budgetMs: number) => path.collectChunks(budgetMs),
}, () => db.close());
