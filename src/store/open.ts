// Picks the backend from configuration: a postgres:// URL, or SQLite in the data directory.
import { join } from 'node:path';
import type { Store } from './store.js';
import { SqliteStore } from './sqlite/index.js';
import type { Notice } from './private-files.js';

export { DatabaseInUseError, describeHolder } from './sqlite/lock.js';

export interface StoreConfig {
  dataDir: string;
  /** postgres://… selects PostgreSQL; a file path or sqlite:// URL selects that SQLite file. */
  dbUrl?: string;
  /**
   * `writer` (default): this process writes traces (`loupe serve`, `loupe import` into the
   * database). On SQLite it takes the file's writer lock and fails with DatabaseInUseError while
   * another process has it: the write path keeps state in memory and must be the file's only one.
   * `shared`: only small transactions of its own (keys, prices) or reads (export), which SQLite's
   * locking keeps safe beside a running server; such a store must not be given to a Writer.
   * PostgreSQL takes no lock either way: many servers share one database by design.
   */
  access?: 'writer' | 'shared';
  /** Where notices about the data files go (permissions tightened); default stderr. */
  notice?: Notice;
}

export async function openStore(cfg: StoreConfig): Promise<Store> {
  const url = cfg.dbUrl?.trim();
  let store: Store;
  if (url && /^postgres(ql)?:\/\//.test(url)) {
    // Loaded on demand: SQLite users never load the pg driver.
    const { PostgresStore } = await import('./postgres/index.js');
    store = new PostgresStore(url);
  } else {
    const file = url ? url.replace(/^sqlite:\/\//, '') : join(cfg.dataDir, 'loupe.db');
    store = new SqliteStore(file, {
      synchronous: process.env.LOUPE_SQLITE_SYNC === 'NORMAL' ? 'NORMAL' : 'FULL',
      lock: (cfg.access ?? 'writer') === 'writer',
      notice: cfg.notice,
    });
  }
  try {
    await store.init();
  } catch (e) {
    // A failed migration must not leave worker threads (or the lock) holding the process open.
    await store.close().catch(() => undefined);
    throw e;
  }
  return store;
}
