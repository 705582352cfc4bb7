// Migration 2: session and user rollups kept current at write time (rollups.ts), the PostgreSQL
// twin of SQLite's migration 4 (sqlite/migration-4-sessions-users.ts): the same tables, columns
// and backfill, so both backends answer alike. Scores gain `seq`, their keyset tie-breaker.
import type { PostgresMigration } from './migrations.js';

export const MIGRATION_2: PostgresMigration = {
  version: 2,
  name: 'sessions-users-rollups',
  sql: `
-- What each trace currently contributes to its session and user rows (the old side of a delta).
CREATE TABLE trace_contrib (
  trace_num bigint PRIMARY KEY,
  project_id bigint NOT NULL,
  session_id text,
  user_id text,
  start_time bigint NOT NULL,
  input_tokens bigint NOT NULL,
  output_tokens bigint NOT NULL,
  total_tokens bigint NOT NULL,
  cost_usd double precision,
  is_error integer NOT NULL
);

CREATE TABLE sessions (
  num bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  project_id bigint NOT NULL,
  id text NOT NULL,
  trace_count bigint NOT NULL DEFAULT 0,
  first_time bigint,
  last_time bigint,
  input_tokens bigint NOT NULL DEFAULT 0,
  output_tokens bigint NOT NULL DEFAULT 0,
  total_tokens bigint NOT NULL DEFAULT 0,
  cost_usd double precision NOT NULL DEFAULT 0,
  cost_count bigint NOT NULL DEFAULT 0,
  error_count bigint NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX sessions_by_id ON sessions(project_id, id);
CREATE INDEX sessions_by_last ON sessions(project_id, last_time, num);

CREATE TABLE session_users (
  project_id bigint NOT NULL,
  session_id text NOT NULL,
  user_id text NOT NULL,
  trace_count bigint NOT NULL,
  PRIMARY KEY (project_id, session_id, user_id)
);
CREATE INDEX session_users_by_user ON session_users(project_id, user_id, session_id);

CREATE TABLE users (
  num bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  project_id bigint NOT NULL,
  id text NOT NULL,
  trace_count bigint NOT NULL DEFAULT 0,
  session_count bigint NOT NULL DEFAULT 0,
  first_seen bigint,
  last_seen bigint,
  input_tokens bigint NOT NULL DEFAULT 0,
  output_tokens bigint NOT NULL DEFAULT 0,
  total_tokens bigint NOT NULL DEFAULT 0,
  cost_usd double precision NOT NULL DEFAULT 0,
  cost_count bigint NOT NULL DEFAULT 0,
  error_count bigint NOT NULL DEFAULT 0,
  score_count bigint NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX users_by_id ON users(project_id, id);
CREATE INDEX users_by_last ON users(project_id, last_seen, num);

CREATE TABLE user_scores (
  project_id bigint NOT NULL,
  user_id text NOT NULL,
  name text NOT NULL,
  label text NOT NULL,
  count bigint NOT NULL,
  num_sum double precision,
  PRIMARY KEY (project_id, user_id, name, label)
);

CREATE TABLE score_contrib (
  project_id bigint NOT NULL,
  score_id text NOT NULL,
  user_id text NOT NULL,
  name text NOT NULL,
  label text NOT NULL,
  num_value double precision,
  PRIMARY KEY (project_id, score_id)
);

ALTER TABLE scores ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY;
CREATE INDEX scores_by_created ON scores(project_id, created_at, seq);

-- backfill from what is already stored
INSERT INTO trace_contrib (trace_num, project_id, session_id, user_id, start_time, input_tokens, output_tokens, total_tokens, cost_usd, is_error)
  SELECT num, project_id, session_id, user_id, start_time, input_tokens, output_tokens, total_tokens, cost_usd, (status = 'error')::int
  FROM traces WHERE session_id IS NOT NULL OR user_id IS NOT NULL;
INSERT INTO sessions (project_id, id, trace_count, first_time, last_time, input_tokens, output_tokens, total_tokens, cost_usd, cost_count, error_count)
  SELECT project_id, session_id, count(*), min(start_time), max(start_time), sum(input_tokens), sum(output_tokens), sum(total_tokens),
    coalesce(sum(cost_usd), 0), count(cost_usd), sum(is_error)
  FROM trace_contrib WHERE session_id IS NOT NULL GROUP BY project_id, session_id;
INSERT INTO session_users (project_id, session_id, user_id, trace_count)
  SELECT project_id, session_id, user_id, count(*) FROM trace_contrib
  WHERE session_id IS NOT NULL AND user_id IS NOT NULL GROUP BY project_id, session_id, user_id;
INSERT INTO users (project_id, id, trace_count, first_seen, last_seen, input_tokens, output_tokens, total_tokens, cost_usd, cost_count, error_count)
  SELECT project_id, user_id, count(*), min(start_time), max(start_time), sum(input_tokens), sum(output_tokens), sum(total_tokens),
    coalesce(sum(cost_usd), 0), count(cost_usd), sum(is_error)
  FROM trace_contrib WHERE user_id IS NOT NULL GROUP BY project_id, user_id;
UPDATE users SET session_count = (SELECT count(*) FROM session_users su WHERE su.project_id = users.project_id AND su.user_id = users.id);
INSERT INTO score_contrib (project_id, score_id, user_id, name, label, num_value)
  SELECT sc.project_id, sc.id, t.user_id, sc.name,
    CASE WHEN sc.value_type = 'string' THEN sc.str_value ELSE '' END,
    CASE WHEN sc.value_type = 'string' THEN NULL ELSE sc.num_value END
  FROM scores sc JOIN traces t ON t.num = sc.trace_num WHERE t.user_id IS NOT NULL;
INSERT INTO user_scores (project_id, user_id, name, label, count, num_sum)
  SELECT project_id, user_id, name, label, count(*), sum(num_value) FROM score_contrib GROUP BY project_id, user_id, name, label;
UPDATE users SET score_count = (SELECT coalesce(sum(count), 0) FROM user_scores us WHERE us.project_id = users.project_id AND us.user_id = users.id);
`,
};
