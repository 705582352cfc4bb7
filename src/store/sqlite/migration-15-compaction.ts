// Migration 15 (perf, issue 18): the compactor's place in the spans table (compactor.ts). Rows up
// to span_watermark (a spans rowid) are compacted; the epoch moves when anything but the compactor
// changes rows past it. Every row already stored was written whole, so the watermark starts at
// the last one.
import type { SqliteMigration } from './migrations.js';

export const MIGRATION_15: SqliteMigration = {
  version: 15,
  name: 'compaction watermark',
  sql: `
CREATE TABLE compaction (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  span_watermark INTEGER NOT NULL,
  epoch INTEGER NOT NULL
);
INSERT INTO compaction (id, span_watermark, epoch) VALUES (1, (SELECT coalesce(max(rowid), 0) FROM spans), 0);
`,
};
