// Session and user rollups on PostgreSQL, kept current inside the write transaction: the twin of
// sqlite/rollups.ts (same tables, same rules). Each trace's and score's current contribution is
// remembered (trace_contrib, score_contrib); a write applies old → new as deltas, summed per key.
// Many servers may write at once: contributions are only changed under the lock of their trace
// row (held since lockTraces) or score row (locked here), and the shared rows (sessions,
// session_users, users, user_scores) are changed with INSERT … ON CONFLICT DO UPDATE SET x = x + d,
// table by table in that order and in key order within a table, so every writer locks alike.
import type pg from 'pg';
import { pgJson } from './dialect.js';
import { CONTRIBUTION_FIELDS, type Contribution, type ScoreContribution } from '../rollup-contribution.js';

interface TraceNow extends Contribution {
  num: number;
  has_old: boolean;
  old_session_id: string | null;
  old_user_id: string | null;
  old_start_time: number | null;
  old_input_tokens: number | null;
  old_output_tokens: number | null;
  old_total_tokens: number | null;
  old_cost_usd: number | null;
  old_is_error: number | null;
}

interface ScoreNow {
  project_id: number;
  id: string;
  user_id: string | null;
  name: string;
  label: string;
  num_value: number | null;
  has_old: boolean;
  old_user_id: string | null;
  old_name: string | null;
  old_label: string | null;
  old_num_value: number | null;
}

const FIELDS = CONTRIBUTION_FIELDS;

interface Totals {
  p: number;
  id: string;
  n: number;
  i: number;
  o: number;
  tot: number;
  cost: number;
  cost_n: number;
  err: number;
}
interface UserTotals extends Totals {
  scores: number;
  sessions: number;
}

const TOTALS = 'p bigint, id text, n bigint, i bigint, o bigint, tot bigint, cost double precision, cost_n bigint, err bigint';
const SUMS = `trace_count = x.trace_count + excluded.trace_count, input_tokens = x.input_tokens + excluded.input_tokens,
  output_tokens = x.output_tokens + excluded.output_tokens, total_tokens = x.total_tokens + excluded.total_tokens,
  cost_usd = x.cost_usd + excluded.cost_usd, cost_count = x.cost_count + excluded.cost_count, error_count = x.error_count + excluded.error_count`;

const SESSION_DELTA_SQL = `INSERT INTO sessions AS x (project_id, id, trace_count, input_tokens, output_tokens, total_tokens, cost_usd, cost_count, error_count)
  SELECT r.p, r.id, r.n, r.i, r.o, r.tot, r.cost, r.cost_n, r.err FROM json_to_recordset($1::json) AS r(${TOTALS})
  ORDER BY r.p, r.id COLLATE "C"
  ON CONFLICT (project_id, id) DO UPDATE SET ${SUMS}`;

const SESSION_USER_DELTA_SQL = `INSERT INTO session_users AS x (project_id, session_id, user_id, trace_count)
  SELECT r.p, r.session_id, r.user_id, r.n FROM json_to_recordset($1::json) AS r(p bigint, session_id text, user_id text, n bigint)
  ORDER BY r.p, r.session_id COLLATE "C", r.user_id COLLATE "C"
  ON CONFLICT (project_id, session_id, user_id) DO UPDATE SET trace_count = x.trace_count + excluded.trace_count
  RETURNING x.project_id AS p, x.session_id, x.user_id, x.trace_count AS n`;

const USER_DELTA_SQL = `INSERT INTO users AS x (project_id, id, trace_count, input_tokens, output_tokens, total_tokens, cost_usd, cost_count,
    error_count, score_count, session_count)
  SELECT r.p, r.id, r.n, r.i, r.o, r.tot, r.cost, r.cost_n, r.err, r.scores, r.sessions
  FROM json_to_recordset($1::json) AS r(${TOTALS}, scores bigint, sessions bigint)
  ORDER BY r.p, r.id COLLATE "C"
  ON CONFLICT (project_id, id) DO UPDATE SET ${SUMS},
    score_count = x.score_count + excluded.score_count, session_count = x.session_count + excluded.session_count`;

const USER_SCORE_DELTA_SQL = `INSERT INTO user_scores AS x (project_id, user_id, name, label, count, num_sum)
  SELECT r.p, r.user_id, r.name, r.label, r.n, r.sum
  FROM json_to_recordset($1::json) AS r(p bigint, user_id text, name text, label text, n bigint, sum double precision)
  ORDER BY r.p, r.user_id COLLATE "C", r.name COLLATE "C", r.label COLLATE "C"
  ON CONFLICT (project_id, user_id, name, label) DO UPDATE SET count = x.count + excluded.count,
    num_sum = CASE WHEN excluded.num_sum IS NULL THEN x.num_sum ELSE coalesce(x.num_sum, 0) + excluded.num_sum END`;

/** First and last start re-read per session / user: two seeks on traces_by_session / traces_by_user. */
const times = (table: string, key: string, first: string, last: string) => `UPDATE ${table} x SET
  ${first} = (SELECT min(t.start_time) FROM traces t WHERE t.project_id = x.project_id AND t.${key} = x.id),
  ${last} = (SELECT max(t.start_time) FROM traces t WHERE t.project_id = x.project_id AND t.${key} = x.id)
  FROM json_to_recordset($1::json) AS r(p bigint, id text) WHERE x.project_id = r.p AND x.id = r.id`;

const READ_TRACES_SQL = `SELECT t.num, t.project_id, t.session_id, t.user_id, t.start_time, t.input_tokens, t.output_tokens,
    t.total_tokens, t.cost_usd, (t.status = 'error')::int AS is_error, c.trace_num IS NOT NULL AS has_old,
    c.session_id AS old_session_id, c.user_id AS old_user_id, c.start_time AS old_start_time, c.input_tokens AS old_input_tokens,
    c.output_tokens AS old_output_tokens, c.total_tokens AS old_total_tokens, c.cost_usd AS old_cost_usd, c.is_error AS old_is_error
  FROM traces t LEFT JOIN trace_contrib c ON c.trace_num = t.num WHERE t.num = ANY($1::bigint[])`;

const PUT_CONTRIB_SQL = `INSERT INTO trace_contrib (trace_num, project_id, session_id, user_id, start_time, input_tokens, output_tokens,
    total_tokens, cost_usd, is_error)
  SELECT * FROM json_to_recordset($1::json) AS r(num bigint, project_id bigint, session_id text, user_id text, start_time bigint,
    input_tokens bigint, output_tokens bigint, total_tokens bigint, cost_usd double precision, is_error integer)
  ON CONFLICT (trace_num) DO UPDATE SET session_id = excluded.session_id, user_id = excluded.user_id, start_time = excluded.start_time,
    input_tokens = excluded.input_tokens, output_tokens = excluded.output_tokens, total_tokens = excluded.total_tokens,
    cost_usd = excluded.cost_usd, is_error = excluded.is_error`;

/** Locks the scores written in this group and those of the given traces, in key order. */
const LOCK_SCORES_SQL = `SELECT sc.project_id, sc.id FROM scores sc
  WHERE (sc.project_id, sc.id) IN (SELECT r.p, r.id FROM json_to_recordset($1::json) AS r(p bigint, id text))
    OR sc.trace_num = ANY($2::bigint[])
  ORDER BY sc.project_id, sc.id COLLATE "C" FOR UPDATE OF sc`;

/** Read in a statement of its own, after the locks: a fresh snapshot sees what the writers we waited for committed. */
const READ_SCORES_SQL = `SELECT sc.project_id, sc.id, t.user_id, sc.name,
    CASE WHEN sc.value_type = 'string' THEN sc.str_value ELSE '' END AS label,
    CASE WHEN sc.value_type = 'string' THEN NULL ELSE sc.num_value END AS num_value,
    c.score_id IS NOT NULL AS has_old, c.user_id AS old_user_id, c.name AS old_name, c.label AS old_label, c.num_value AS old_num_value
  FROM scores sc JOIN traces t ON t.num = sc.trace_num
  LEFT JOIN score_contrib c ON c.project_id = sc.project_id AND c.score_id = sc.id
  WHERE (sc.project_id, sc.id) IN (SELECT r.p, r.id FROM json_to_recordset($1::json) AS r(p bigint, id text))`;

const PUT_SCORE_CONTRIB_SQL = `INSERT INTO score_contrib (project_id, score_id, user_id, name, label, num_value)
  SELECT * FROM json_to_recordset($1::json) AS r(p bigint, id text, user_id text, name text, label text, num_value double precision)
  ON CONFLICT (project_id, score_id) DO UPDATE SET user_id = excluded.user_id, name = excluded.name, label = excluded.label,
    num_value = excluded.num_value`;

const DROP_SCORE_CONTRIB_SQL = `DELETE FROM score_contrib c USING json_to_recordset($1::json) AS r(p bigint, id text)
  WHERE c.project_id = r.p AND c.score_id = r.id`;

/** Deltas of one write group, summed per key before they touch the shared rows. */
class Deltas {
  readonly sessions = new Map<string, Totals>();
  readonly users = new Map<string, UserTotals>();
  readonly pairs = new Map<string, { p: number; session_id: string; user_id: string; n: number }>();
  readonly userScores = new Map<string, { p: number; user_id: string; name: string; label: string; n: number; sum: number | null }>();
  /** Sessions and users whose first/last times must be re-read. */
  readonly timedSessions = new Map<string, { p: number; id: string }>();
  readonly timedUsers = new Map<string, { p: number; id: string }>();

  session(p: number, id: string): Totals {
    const k = `${p}\0${id}`;
    let s = this.sessions.get(k);
    if (!s) this.sessions.set(k, (s = { p, id, n: 0, i: 0, o: 0, tot: 0, cost: 0, cost_n: 0, err: 0 }));
    return s;
  }

  user(p: number, id: string): UserTotals {
    const k = `${p}\0${id}`;
    let u = this.users.get(k);
    if (!u) this.users.set(k, (u = { p, id, n: 0, i: 0, o: 0, tot: 0, cost: 0, cost_n: 0, err: 0, scores: 0, sessions: 0 }));
    return u;
  }

  contribute(c: Contribution, sign: 1 | -1): void {
    const add = (t: Totals) => {
      t.n += sign;
      t.i += sign * c.input_tokens;
      t.o += sign * c.output_tokens;
      t.tot += sign * c.total_tokens;
      t.cost += sign * (c.cost_usd ?? 0);
      t.cost_n += c.cost_usd === null ? 0 : sign;
      t.err += sign * c.is_error;
    };
    if (c.user_id !== null) {
      add(this.user(c.project_id, c.user_id));
      this.timedUsers.set(`${c.project_id}\0${c.user_id}`, { p: c.project_id, id: c.user_id });
    }
    if (c.session_id !== null) {
      add(this.session(c.project_id, c.session_id));
      this.timedSessions.set(`${c.project_id}\0${c.session_id}`, { p: c.project_id, id: c.session_id });
      if (c.user_id !== null) {
        const k = `${c.project_id}\0${c.session_id}\0${c.user_id}`;
        const pair = this.pairs.get(k) ?? { p: c.project_id, session_id: c.session_id, user_id: c.user_id, n: 0 };
        pair.n += sign;
        this.pairs.set(k, pair);
      }
    }
  }

  score(p: number, c: ScoreContribution, sign: 1 | -1): void {
    const k = `${p}\0${c.user_id}\0${c.name}\0${c.label}`;
    const s = this.userScores.get(k) ?? { p, user_id: c.user_id, name: c.name, label: c.label, n: 0, sum: null };
    s.n += sign;
    if (c.num_value !== null) s.sum = (s.sum ?? 0) + sign * c.num_value;
    this.userScores.set(k, s);
    this.user(p, c.user_id).scores += sign;
  }
}

/**
 * Brings sessions, session_users, users and user_scores in line with the touched traces (their
 * trace rollups already current, their rows locked by this transaction) and the written scores.
 */
export async function applyRollups(client: pg.PoolClient, touched: number[], scored: Array<{ p: number; id: string }>): Promise<void> {
  const d = new Deltas();
  const moved = touched.length ? await traceDeltas(client, touched, d) : [];
  if (scored.length || moved.length) await scoreDeltas(client, scored, moved, d);
  await applyDeltas(client, d);
}

/**
 * Takes deleted traces (and their scores) out of the session and user rollups: their remembered
 * contributions are subtracted and forgotten, `dropRows` deletes the rows, then the shared rows
 * are changed as after a write (same order, so deletes and writes lock alike) and their times
 * re-read without the deleted traces. Sessions and users left without a trace are deleted (a
 * privacy request must not leave the user id behind), and so are user_scores rows at count 0.
 * The traces' rows MUST be locked by this transaction already.
 */
export async function removeRollups(client: pg.PoolClient, nums: number[], dropRows: () => Promise<void>): Promise<void> {
  const d = new Deltas();
  const scores = await client.query<ScoreContribution & { project_id: number; score_id: string }>(`SELECT c.project_id, c.score_id, c.user_id, c.name,
      c.label, c.num_value FROM scores sc JOIN score_contrib c ON c.project_id = sc.project_id AND c.score_id = sc.id
    WHERE sc.trace_num = ANY($1::bigint[]) ORDER BY c.project_id, c.score_id COLLATE "C" FOR UPDATE OF sc`, [nums]);
  for (const c of scores.rows) {
    d.score(c.project_id, c, -1);
    d.timedUsers.set(`${c.project_id}\0${c.user_id}`, { p: c.project_id, id: c.user_id });
  }
  if (scores.rows.length) await client.query(DROP_SCORE_CONTRIB_SQL, [pgJson(scores.rows.map((c) => ({ p: c.project_id, id: c.score_id })))]);
  const contribs = await client.query<Contribution>(`DELETE FROM trace_contrib WHERE trace_num = ANY($1::bigint[])
    RETURNING project_id, session_id, user_id, start_time, input_tokens, output_tokens, total_tokens, cost_usd, is_error`, [nums]);
  for (const c of contribs.rows) d.contribute(c, -1);
  await dropRows();
  await applyDeltas(client, d);
  const sessions = [...d.timedSessions.values()];
  const users = [...d.timedUsers.values()];
  if (sessions.length) {
    await client.query(`DELETE FROM sessions x USING json_to_recordset($1::json) AS r(p bigint, id text)
      WHERE x.project_id = r.p AND x.id = r.id AND x.trace_count <= 0`, [pgJson(sessions)]);
  }
  if (users.length) {
    await client.query(`DELETE FROM user_scores x USING json_to_recordset($1::json) AS r(p bigint, id text)
      WHERE x.project_id = r.p AND x.user_id = r.id AND x.count <= 0`, [pgJson(users)]);
    await client.query(`DELETE FROM users x USING json_to_recordset($1::json) AS r(p bigint, id text)
      WHERE x.project_id = r.p AND x.id = r.id AND x.trace_count <= 0 AND x.score_count <= 0`, [pgJson(users)]);
  }
}

/** Applies a group's summed deltas to the shared rows, table by table in key order. */
async function applyDeltas(client: pg.PoolClient, d: Deltas): Promise<void> {
  if (d.sessions.size) await client.query(SESSION_DELTA_SQL, [pgJson([...d.sessions.values()])]);
  const pairs = [...d.pairs.values()].filter((x) => x.n !== 0);
  if (pairs.length) {
    const after = await client.query<{ p: number; session_id: string; user_id: string; n: number }>(SESSION_USER_DELTA_SQL, [pgJson(pairs)]);
    const gone: Array<{ p: number; session_id: string; user_id: string }> = [];
    for (const r of after.rows) {
      const delta = d.pairs.get(`${r.p}\0${r.session_id}\0${r.user_id}`)?.n ?? 0;
      const before = r.n - delta;
      // the user's session count moves when the (session, user) pair appears or goes
      if (before <= 0 && r.n > 0) d.user(r.p, r.user_id).sessions += 1;
      if (before > 0 && r.n <= 0) d.user(r.p, r.user_id).sessions -= 1;
      if (r.n <= 0) gone.push({ p: r.p, session_id: r.session_id, user_id: r.user_id });
    }
    if (gone.length) {
      await client.query(`DELETE FROM session_users su USING json_to_recordset($1::json) AS r(p bigint, session_id text, user_id text)
        WHERE su.project_id = r.p AND su.session_id = r.session_id AND su.user_id = r.user_id`, [pgJson(gone)]);
    }
  }
  if (d.users.size) await client.query(USER_DELTA_SQL, [pgJson([...d.users.values()])]);
  if (d.userScores.size) await client.query(USER_SCORE_DELTA_SQL, [pgJson([...d.userScores.values()])]);
  if (d.timedSessions.size) await client.query(times('sessions', 'session_id', 'first_time', 'last_time'), [pgJson([...d.timedSessions.values()])]);
  if (d.timedUsers.size) await client.query(times('users', 'user_id', 'first_seen', 'last_seen'), [pgJson([...d.timedUsers.values()])]);
}

/** Trace contributions old → new; returns the traces whose user changed (their scores move with them). */
async function traceDeltas(client: pg.PoolClient, touched: number[], d: Deltas): Promise<number[]> {
  const { rows } = await client.query<TraceNow>(READ_TRACES_SQL, [touched]);
  const moved: number[] = [];
  const put: Array<Contribution & { num: number }> = [];
  const drop: number[] = [];
  for (const r of rows) {
    if (!r.has_old && r.session_id === null && r.user_id === null) continue;
    const old: Contribution | undefined = r.has_old ? {
      project_id: r.project_id, session_id: r.old_session_id, user_id: r.old_user_id, start_time: r.old_start_time as number,
      input_tokens: r.old_input_tokens as number, output_tokens: r.old_output_tokens as number, total_tokens: r.old_total_tokens as number,
      cost_usd: r.old_cost_usd, is_error: r.old_is_error as number,
    } : undefined;
    if (old && FIELDS.every((f) => old[f] === r[f])) continue;
    if (old) d.contribute(old, -1);
    d.contribute(r, 1);
    if ((old?.user_id ?? null) !== r.user_id) moved.push(r.num);
    if (r.session_id === null && r.user_id === null) drop.push(r.num);
    else put.push({
      num: r.num, project_id: r.project_id, session_id: r.session_id, user_id: r.user_id, start_time: r.start_time, input_tokens: r.input_tokens,
      output_tokens: r.output_tokens, total_tokens: r.total_tokens, cost_usd: r.cost_usd, is_error: r.is_error,
    });
  }
  if (put.length) await client.query(PUT_CONTRIB_SQL, [pgJson(put)]);
  if (drop.length) await client.query('DELETE FROM trace_contrib WHERE trace_num = ANY($1::bigint[])', [drop]);
  return moved;
}

/** Score contributions old → new, for the scores written and those of traces whose user changed. */
async function scoreDeltas(client: pg.PoolClient, scored: Array<{ p: number; id: string }>, moved: number[], d: Deltas): Promise<void> {
  const locked = await client.query<{ project_id: number; id: string }>(LOCK_SCORES_SQL, [pgJson(scored), moved]);
  if (!locked.rows.length) return;
  const keys = locked.rows.map((r) => ({ p: r.project_id, id: r.id }));
  const { rows } = await client.query<ScoreNow>(READ_SCORES_SQL, [pgJson(keys)]);
  const put: Array<{ p: number; id: string } & ScoreContribution> = [];
  const drop: Array<{ p: number; id: string }> = [];
  for (const r of rows) {
    const next: ScoreContribution | undefined = r.user_id !== null ? { user_id: r.user_id, name: r.name, label: r.label, num_value: r.num_value } : undefined;
    const old: ScoreContribution | undefined = r.has_old
      ? { user_id: r.old_user_id as string, name: r.old_name as string, label: r.old_label as string, num_value: r.old_num_value }
      : undefined;
    if (!old && !next) continue;
    if (old && next && old.user_id === next.user_id && old.name === next.name && old.label === next.label && old.num_value === next.num_value) continue;
    if (old) d.score(r.project_id, old, -1);
    if (next) {
      d.score(r.project_id, next, 1);
      put.push({ p: r.project_id, id: r.id, ...next });
    } else {
      drop.push({ p: r.project_id, id: r.id });
    }
  }
  if (put.length) await client.query(PUT_SCORE_CONTRIB_SQL, [pgJson(put)]);
  if (drop.length) await client.query(DROP_SCORE_CONTRIB_SQL, [pgJson(drop)]);
}
