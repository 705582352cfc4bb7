// Migration 9 (metrics): the span metrics rollup (span-metric-rollup.ts), one row per project, width
// (an hour or a day, in µs), UTC hour or day of start_time (`start`), kind, status and model.
// Clustered by (project, width, start) so a metrics query reads each part of its window as one range. A missing model is (has_model 0, model ''), since a key column
// cannot be NULL and '' is a model name a client could send. Error counts are the span counts of
// the status 'error' rows. The rollup is filled from the spans by migration 14, which added the
// cache columns today's rollup code writes (it could not write this table's first shape).
import type { SqliteMigration } from './migrations.js';

export const MIGRATION_9: SqliteMigration = {
  version: 9,
  name: 'span metrics rollup',
  sql: `
CREATE TABLE span_metrics (
  project_id INTEGER NOT NULL,
  width INTEGER NOT NULL,
  start INTEGER NOT NULL,
  kind TEXT NOT NULL,
  status TEXT NOT NULL,
  has_model INTEGER NOT NULL,
  model TEXT NOT NULL,
  span_count INTEGER NOT NULL,
  dur_count INTEGER NOT NULL,
  input_tokens INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  cost_usd REAL NOT NULL,
  cost_count INTEGER NOT NULL,
  latency BLOB NOT NULL,
  PRIMARY KEY (project_id, width, start, kind, status, has_model, model)
) WITHOUT ROWID;
`,
};
