// PostgreSQL migration 3 (analytics): per-project model prices from an effective date on (SQLite's
// migration 6), and the span id → trace lookup written only for batches flagged `indexSpanIds`
// (SQLite's migration 5; Langfuse updates may name a span without its trace).
import type { PostgresMigration } from './migrations.js';

export const MIGRATION_3: PostgresMigration = {
  version: 3,
  name: 'project prices, span id lookup',
  sql: `
CREATE TABLE project_prices (
  project_id bigint NOT NULL,
  model_pattern text NOT NULL,
  effective_from bigint NOT NULL,
  input_price double precision NOT NULL,
  output_price double precision NOT NULL,
  cache_read_price double precision,
  updated_at bigint NOT NULL,
  PRIMARY KEY (project_id, model_pattern, effective_from)
);

CREATE TABLE span_ids (
  project_id bigint NOT NULL,
  span_id text NOT NULL,
  trace_num bigint NOT NULL,
  PRIMARY KEY (project_id, span_id)
);
`,
};
