// Tests that look at what the SQLite compactor makes (chunks, packs, the span metrics rollup)
// write through this: the group is committed, then compacted, before it returns.
import type { SqliteStore } from '../../src/store/sqlite/index.js';
import type { WriteItem } from '../../src/store/store.js';

export async function writeCompacted(store: SqliteStore, items: WriteItem[]): Promise<void> {
  await store.writeGroup(items);
  await store.compacted();
}
