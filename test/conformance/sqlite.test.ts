// The Store conformance suite against SQLite: a fresh database file in a temp dir per test.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/store/sqlite/index.js';
import { storeConformance } from './store-suite.js';

storeConformance({
  name: 'sqlite',
  async database() {
    const dir = mkdtempSync(join(tmpdir(), 'loupe-conf-'));
    const file = join(dir, 'loupe.db');
    return {
      async open() {
        const store = new SqliteStore(file);
        await store.init();
        return store;
      },
      async dispose() {
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
  optOut: {},
});
