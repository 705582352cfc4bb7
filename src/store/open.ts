// Picks the backend from configuration: a postgres:// URL, or SQLite in the data directory.
import { join } from 'node:path';
import type { Store } from './store.js';
import { SqliteStore } from './sqlite/index.js';

export interface StoreConfig {
  dataDir: string;
  /** postgres://… selects PostgreSQL; a file path or sqlite:// URL selects that SQLite file. */
  dbUrl?: string;
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
    store = new SqliteStore(file, { synchronous: process.env.LOUPE_SQLITE_SYNC === 'NORMAL' ? 'NORMAL' : 'FULL' });
  }
  await store.init();
  return store;
}
