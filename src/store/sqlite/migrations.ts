// SQLite schema, as numbered migrations applied in order at start (never edit one that shipped;
// add the next). Times are integer microseconds since the epoch. Spans are keyed by the trace's
// integer `num` (assigned in arrival order) plus the span id, so the unique index grows at its
// end instead of at random points: random-key unique indexes are what halve insert speed.
//
// Every migration is one entry of SQLITE_MIGRATIONS, in version order: short ones written there,
// long ones (or ones with a `run` step) in a migration-N-name.ts file exporting MIGRATION_N. A
// `run` step is frozen with its migration: it calls no live code (see migration 14).
import type Database from 'better-sqlite3';
import type { Migration } from '../shared/migration.js';
import { MIGRATION_4 } from './migration-4-sessions-users.js';
import { MIGRATION_6 } from './migration-6-analytics.js';
import { MIGRATION_9 } from './migration-9-span-metrics.js';
import { MIGRATION_10 } from './migration-10-trace-metrics.js';
import { MIGRATION_14 } from './migration-14-metric-cache-tokens.js';
import { MIGRATION_15 } from './migration-15-compaction.js';

/** A SQLite migration: its `run` step is given the connection, inside the migration's transaction. */
export type SqliteMigration = Migration<Database.Database>;
/** The name migration files written before SqliteMigration import; new ones use SqliteMigration. */
export type { SqliteMigration as Migration };

export const SQLITE_MIGRATIONS: SqliteMigration[] = [
  {
    version: 1,
    name: 'core',
    sql: `
CREATE TABLE projects (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  settings TEXT NOT NULL DEFAULT '{}'
);

CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  project_id INTEGER NOT NULL REFERENCES projects(id),
  hash TEXT NOT NULL UNIQUE,
  prefix TEXT NOT NULL,
  scopes TEXT NOT NULL,
  name TEXT,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);

CREATE TABLE traces (
  num INTEGER PRIMARY KEY,
  project_id INTEGER NOT NULL,
  id TEXT NOT NULL,
  external_id TEXT,
  name TEXT,
  status TEXT NOT NULL DEFAULT 'pending',
  start_time INTEGER NOT NULL,
  end_time INTEGER,
  duration_ms REAL GENERATED ALWAYS AS ((end_time - start_time) / 1000.0) VIRTUAL,
  input TEXT,
  output TEXT,
  user_id TEXT,
  session_id TEXT,
  environment TEXT,
  release TEXT,
  tags TEXT,
  metadata TEXT,
  test_id TEXT,
  -- what the caller said about the trace itself, kept apart from what its spans imply
  given_status TEXT,
  given_start INTEGER,
  given_end INTEGER,
  created_at INTEGER NOT NULL,
  -- rollups over the trace's spans, recomputed after every write that touches the trace
  span_count INTEGER NOT NULL DEFAULT 0,
  error_count INTEGER NOT NULL DEFAULT 0,
  open_count INTEGER NOT NULL DEFAULT 0,
  input_tokens INTEGER NOT NULL DEFAULT 0,
  output_tokens INTEGER NOT NULL DEFAULT 0,
  total_tokens INTEGER NOT NULL DEFAULT 0,
  cost_usd REAL,
  span_start INTEGER,
  span_end INTEGER
);
CREATE UNIQUE INDEX traces_by_id ON traces(project_id, id);
CREATE INDEX traces_by_start ON traces(project_id, start_time);
CREATE INDEX traces_by_status ON traces(project_id, status, start_time);
CREATE INDEX traces_by_user ON traces(project_id, user_id, start_time) WHERE user_id IS NOT NULL;
CREATE INDEX traces_by_session ON traces(project_id, session_id, start_time) WHERE session_id IS NOT NULL;
CREATE INDEX traces_by_environment ON traces(project_id, environment, start_time) WHERE environment IS NOT NULL;
CREATE INDEX traces_by_external ON traces(project_id, external_id) WHERE external_id IS NOT NULL;
CREATE INDEX traces_by_duration ON traces(project_id, duration_ms);

CREATE TABLE trace_tags (
  trace_num INTEGER NOT NULL,
  project_id INTEGER NOT NULL,
  tag TEXT NOT NULL,
  PRIMARY KEY (trace_num, tag)
) WITHOUT ROWID;
CREATE INDEX trace_tags_by_tag ON trace_tags(project_id, tag, trace_num);

CREATE TABLE spans (
  trace_num INTEGER NOT NULL,
  id TEXT NOT NULL,
  project_id INTEGER NOT NULL,
  parent_id TEXT,
  kind TEXT,
  name TEXT,
  status TEXT,
  error TEXT,
  start_time INTEGER NOT NULL,
  end_time INTEGER,
  duration_ms REAL GENERATED ALWAYS AS ((end_time - start_time) / 1000.0) VIRTUAL,
  input TEXT,
  output TEXT,
  model TEXT,
  provider TEXT,
  params TEXT,
  input_tokens INTEGER,
  output_tokens INTEGER,
  total_tokens INTEGER,
  cache_read_tokens INTEGER,
  cache_write_tokens INTEGER,
  reasoning_tokens INTEGER,
  cost_usd REAL,
  metadata TEXT,
  attributes TEXT,
  events TEXT,
  links TEXT
);
CREATE UNIQUE INDEX spans_by_trace ON spans(trace_num, id);
CREATE INDEX spans_by_start ON spans(project_id, start_time);
CREATE INDEX spans_by_kind ON spans(project_id, kind, start_time);
CREATE INDEX spans_by_model ON spans(project_id, model, start_time) WHERE model IS NOT NULL;

CREATE TABLE scores (
  project_id INTEGER NOT NULL,
  id TEXT NOT NULL,
  trace_num INTEGER NOT NULL,
  span_id TEXT,
  name TEXT NOT NULL,
  value_type TEXT NOT NULL,
  num_value REAL,
  str_value TEXT,
  comment TEXT,
  source TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (project_id, id)
);
CREATE INDEX scores_by_trace ON scores(trace_num);
CREATE INDEX scores_by_name ON scores(project_id, name, created_at);

-- full text over a trace's name, input and output (the q filter); rowid = traces.num
CREATE VIRTUAL TABLE trace_fts USING fts5(name, input, output, content='', contentless_delete=1);
`,
  },
  MIGRATION_4,
  {
    version: 5,
    name: 'span id lookup',
    // Written only for batches that ask for it (Langfuse ingestion, whose updates may name a span
    // without its trace), so the random-key index costs nothing on the other ingest paths.
    sql: `
CREATE TABLE span_ids (
  project_id INTEGER NOT NULL,
  span_id TEXT NOT NULL,
  trace_num INTEGER NOT NULL,
  PRIMARY KEY (project_id, span_id)
) WITHOUT ROWID;
`,
  },
  MIGRATION_6,
  // Migration 7 (perf): content-addressed long strings, see blobs.ts. Span rows refer to a blob by
  // its integer id (a 1–4 byte varint in the row). Deliberately no index on hash: the writer keeps
  // hash → id in memory, so the table only ever grows at its end.
  {
    version: 7,
    name: 'blobs',
    sql: `
CREATE TABLE blobs (
  id INTEGER PRIMARY KEY,
  hash TEXT NOT NULL, -- 128 bits of SHA-256, base64
  body TEXT NOT NULL
);
`,
  },
  // Migration 8 (perf): span JSON as chunks, see chunks.ts. No index on the body, nor a hash: the
  // writer keeps text → id in memory.
  {
    version: 8,
    name: 'chunks',
    sql: `
CREATE TABLE chunks (
  id INTEGER PRIMARY KEY,
  body TEXT NOT NULL
);
`,
  },
  MIGRATION_9,
  MIGRATION_10,
  // Migration 11 (perf): the duration index holds the start time too, so that a list filtered by
  // duration sorts index entries, not rows (SqliteReads.durationListSql).
  {
    version: 11,
    name: 'traces_by_duration with start_time',
    sql: `
DROP INDEX traces_by_duration;
CREATE INDEX traces_by_duration ON traces(project_id, duration_ms, start_time);
`,
  },
  // Migration 12 (perf): chunk packs, see chunk-packs.ts. Keyed by the first chunk id they hold.
  {
    version: 12,
    name: 'chunk_packs',
    sql: `
CREATE TABLE chunk_packs (
  first_id INTEGER PRIMARY KEY,
  last_id INTEGER NOT NULL,
  ids BLOB NOT NULL, -- (id - first_id, length) varint pairs
  body BLOB NOT NULL -- the chunks' texts joined, raw deflate
);
`,
  },
  // Migration 13: when each key last authenticated a request (keys list, the key API), written by
  // the server at most once a minute per key. revoked_at was there from migration 1.
  {
    version: 13,
    name: 'api_keys.last_used_at',
    sql: `ALTER TABLE api_keys ADD COLUMN last_used_at INTEGER;`,
  },
  // Migration 14 (metrics): cache token sums in the metrics rollups, which it rebuilds (its file).
  MIGRATION_14,
  // Migration 15 (perf): the compactor's watermark (its file).
  MIGRATION_15,
];
