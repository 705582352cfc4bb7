// Migration 4: session and user rollups kept current at write time (src/store/sqlite/rollups.ts),
// so a session of 20,000 traces or a user with a million opens in one row read. Existing data is
// backfilled here, so a database that predates this migration starts out correct.
import type { SqliteMigration } from './migrations.js';

export const MIGRATION_4: SqliteMigration = {
  version: 4,
  name: 'sessions-users-rollups',
  sql: `
-- What each trace currently contributes to its session and user rows: the "old" side of a
-- delta. A write subtracts the old contribution and adds the new one, so its cost never grows
-- with the size of the session or the user. Only traces with a session or a user have a row.
CREATE TABLE trace_contrib (
  trace_num INTEGER PRIMARY KEY,
  project_id INTEGER NOT NULL,
  session_id TEXT,
  user_id TEXT,
  start_time INTEGER NOT NULL,
  input_tokens INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  total_tokens INTEGER NOT NULL,
  cost_usd REAL,
  is_error INTEGER NOT NULL
);

CREATE TABLE sessions (
  num INTEGER PRIMARY KEY,
  project_id INTEGER NOT NULL,
  id TEXT NOT NULL,
  trace_count INTEGER NOT NULL DEFAULT 0,
  -- start of the first and of the latest trace, re-read from traces_by_session (two index seeks)
  first_time INTEGER,
  last_time INTEGER,
  input_tokens INTEGER NOT NULL DEFAULT 0,
  output_tokens INTEGER NOT NULL DEFAULT 0,
  total_tokens INTEGER NOT NULL DEFAULT 0,
  cost_usd REAL NOT NULL DEFAULT 0,
  -- traces that carry a cost: costUsd reads as null while this is 0
  cost_count INTEGER NOT NULL DEFAULT 0,
  error_count INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX sessions_by_id ON sessions(project_id, id);
CREATE INDEX sessions_by_last ON sessions(project_id, last_time, num);

-- Which users took part in a session, with how many of its traces each: userIds of a session,
-- and the 0 -> 1 / 1 -> 0 transitions that move a user's session count.
CREATE TABLE session_users (
  project_id INTEGER NOT NULL,
  session_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  trace_count INTEGER NOT NULL,
  PRIMARY KEY (project_id, session_id, user_id)
) WITHOUT ROWID;
CREATE INDEX session_users_by_user ON session_users(project_id, user_id, session_id);

CREATE TABLE users (
  num INTEGER PRIMARY KEY,
  project_id INTEGER NOT NULL,
  id TEXT NOT NULL,
  trace_count INTEGER NOT NULL DEFAULT 0,
  session_count INTEGER NOT NULL DEFAULT 0,
  first_seen INTEGER,
  last_seen INTEGER,
  input_tokens INTEGER NOT NULL DEFAULT 0,
  output_tokens INTEGER NOT NULL DEFAULT 0,
  total_tokens INTEGER NOT NULL DEFAULT 0,
  cost_usd REAL NOT NULL DEFAULT 0,
  cost_count INTEGER NOT NULL DEFAULT 0,
  error_count INTEGER NOT NULL DEFAULT 0,
  score_count INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX users_by_id ON users(project_id, id);
CREATE INDEX users_by_last ON users(project_id, last_seen, num);

-- Scores on a user's traces, per score name and (for categorical scores) per label; numeric and
-- boolean scores share label '' and keep a sum for the mean.
CREATE TABLE user_scores (
  project_id INTEGER NOT NULL,
  user_id TEXT NOT NULL,
  name TEXT NOT NULL,
  label TEXT NOT NULL,
  count INTEGER NOT NULL,
  num_sum REAL,
  PRIMARY KEY (project_id, user_id, name, label)
) WITHOUT ROWID;

-- What each score currently contributes to user_scores (the old side of its delta).
CREATE TABLE score_contrib (
  project_id INTEGER NOT NULL,
  score_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  name TEXT NOT NULL,
  label TEXT NOT NULL,
  num_value REAL,
  PRIMARY KEY (project_id, score_id)
) WITHOUT ROWID;

CREATE INDEX scores_by_created ON scores(project_id, created_at);

-- backfill from what is already stored
INSERT INTO trace_contrib (trace_num, project_id, session_id, user_id, start_time, input_tokens, output_tokens, total_tokens, cost_usd, is_error)
  SELECT num, project_id, session_id, user_id, start_time, input_tokens, output_tokens, total_tokens, cost_usd, status = 'error'
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
