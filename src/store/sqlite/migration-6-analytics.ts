// Migration 6 (analytics): per-project model prices that override or extend the built-in table,
// each from an effective date on.
import type { SqliteMigration } from './migrations.js';

export const MIGRATION_6: SqliteMigration = {
  version: 6,
  name: 'project prices',
  sql: `
CREATE TABLE project_prices (
  project_id INTEGER NOT NULL,
  model_pattern TEXT NOT NULL,
  effective_from INTEGER NOT NULL,
  input_price REAL NOT NULL,
  output_price REAL NOT NULL,
  cache_read_price REAL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (project_id, model_pattern, effective_from)
) WITHOUT ROWID;
`,
};
