// Migration 10 (metrics): the trace metrics rollup (trace-metric-rollup.ts), one row per project,
// width (an hour or a day, in µs), UTC hour or day of the trace's start_time, and status, shaped
// like span_metrics (migration 9). Filled from the traces by migration 14 (see migration 9).
import type { SqliteMigration } from './migrations.js';

export const MIGRATION_10: SqliteMigration = {
  version: 10,
  name: 'trace metrics rollup',
  sql: `
CREATE TABLE trace_metrics (
  project_id INTEGER NOT NULL,
  width INTEGER NOT NULL,
  start INTEGER NOT NULL,
  status TEXT NOT NULL,
  trace_count INTEGER NOT NULL,
  dur_count INTEGER NOT NULL,
  input_tokens INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  cost_usd REAL NOT NULL,
  cost_count INTEGER NOT NULL,
  latency BLOB NOT NULL,
  PRIMARY KEY (project_id, width, start, status)
) WITHOUT ROWID;
`,
};
