// Session and user rollups, kept current inside the write transaction. Each trace's contribution
// (session, user, tokens, cost, error) is remembered in trace_contrib; a write applies the
// difference between the old and the new contribution, so its cost does not depend on how many
// traces the session or the user already has. First/last times are re-read with two index seeks.
// Scores roll up to users the same way, through score_contrib.
import type Database from 'better-sqlite3';
import { CONTRIBUTION_FIELDS, type Contribution, type ScoreContribution } from '../rollup-contribution.js';
import type { TxParticipant } from './participant.js';

type Stmt = Database.Statement;

interface TraceNow extends Contribution {
  old_session_id: string | null | undefined;
  old_user_id: string | null | undefined;
  old_start_time: number | null;
  old_input_tokens: number | null;
  old_output_tokens: number | null;
  old_total_tokens: number | null;
  old_cost_usd: number | null;
  old_is_error: number | null;
  has_old: number;
}

const FIELDS = CONTRIBUTION_FIELDS;

/** What one session's or user's rollup row changes by in a group. */
interface Delta {
  kind: 'session' | 'user';
  p: number;
  id: string;
  n: number;
  in: number;
  out: number;
  tot: number;
  cost: number;
  costN: number;
  err: number;
}

export class SqliteRollups {
  private readonly readTrace: Stmt;
  private readonly putContrib: Stmt;
  private readonly dropContrib: Stmt;
  private readonly sessionDelta: Stmt;
  private readonly userDelta: Stmt;
  private readonly sessionUserDelta: Stmt;
  private readonly sessionUserCount: Stmt;
  private readonly dropSessionUser: Stmt;
  private readonly sessionTimes: Stmt;
  private readonly userTimes: Stmt;
  private readonly scoresOfTrace: Stmt;
  private readonly readScore: Stmt;
  private readonly readScoreContrib: Stmt;
  private readonly putScoreContrib: Stmt;
  private readonly dropScoreContrib: Stmt;
  private readonly userScoreDelta: Stmt;
  private readonly readContrib: Stmt;
  private readonly scoreContribsOfTrace: Stmt;
  private readonly dropEmptySession: Stmt;
  private readonly dropEmptyUser: Stmt;
  private readonly dropEmptyUserScores: Stmt;

  constructor(db: Database.Database) {
    this.readTrace = db.prepare(`SELECT t.project_id, t.session_id, t.user_id, t.start_time, t.input_tokens, t.output_tokens,
        t.total_tokens, t.cost_usd, t.status = 'error' AS is_error, c.trace_num IS NOT NULL AS has_old,
        c.session_id AS old_session_id, c.user_id AS old_user_id, c.start_time AS old_start_time, c.input_tokens AS old_input_tokens,
        c.output_tokens AS old_output_tokens, c.total_tokens AS old_total_tokens, c.cost_usd AS old_cost_usd, c.is_error AS old_is_error
      FROM traces t LEFT JOIN trace_contrib c ON c.trace_num = t.num WHERE t.num = ?`);
    this.putContrib = db.prepare(`INSERT OR REPLACE INTO trace_contrib (trace_num, project_id, session_id, user_id, start_time, input_tokens,
        output_tokens, total_tokens, cost_usd, is_error)
      VALUES (@num, @project_id, @session_id, @user_id, @start_time, @input_tokens, @output_tokens, @total_tokens, @cost_usd, @is_error)`);
    this.dropContrib = db.prepare('DELETE FROM trace_contrib WHERE trace_num = ?');
    const sums = `trace_count = trace_count + excluded.trace_count,
        input_tokens = input_tokens + excluded.input_tokens, output_tokens = output_tokens + excluded.output_tokens,
        total_tokens = total_tokens + excluded.total_tokens, cost_usd = cost_usd + excluded.cost_usd,
        cost_count = cost_count + excluded.cost_count, error_count = error_count + excluded.error_count`;
    this.sessionDelta = db.prepare(`INSERT INTO sessions (project_id, id, trace_count, input_tokens, output_tokens, total_tokens, cost_usd, cost_count, error_count)
      VALUES (@p, @id, @n, @in, @out, @tot, @cost, @costN, @err)
      ON CONFLICT (project_id, id) DO UPDATE SET ${sums}`);
    this.userDelta = db.prepare(`INSERT INTO users (project_id, id, trace_count, input_tokens, output_tokens, total_tokens, cost_usd, cost_count,
        error_count, score_count, session_count)
      VALUES (@p, @id, @n, @in, @out, @tot, @cost, @costN, @err, @scores, @sessions)
      ON CONFLICT (project_id, id) DO UPDATE SET ${sums},
        score_count = score_count + excluded.score_count, session_count = session_count + excluded.session_count`);
    this.sessionUserDelta = db.prepare(`INSERT INTO session_users (project_id, session_id, user_id, trace_count) VALUES (?, ?, ?, ?)
      ON CONFLICT (project_id, session_id, user_id) DO UPDATE SET trace_count = trace_count + excluded.trace_count`);
    this.sessionUserCount = db.prepare('SELECT trace_count FROM session_users WHERE project_id = ? AND session_id = ? AND user_id = ?').pluck();
    this.dropSessionUser = db.prepare('DELETE FROM session_users WHERE project_id = ? AND session_id = ? AND user_id = ?');
    this.sessionTimes = db.prepare(`UPDATE sessions SET
        first_time = (SELECT min(start_time) FROM traces WHERE project_id = @p AND session_id = @id),
        last_time = (SELECT max(start_time) FROM traces WHERE project_id = @p AND session_id = @id)
      WHERE project_id = @p AND id = @id`);
    this.userTimes = db.prepare(`UPDATE users SET
        first_seen = (SELECT min(start_time) FROM traces WHERE project_id = @p AND user_id = @id),
        last_seen = (SELECT max(start_time) FROM traces WHERE project_id = @p AND user_id = @id)
      WHERE project_id = @p AND id = @id`);
    this.scoresOfTrace = db.prepare('SELECT project_id, id FROM scores WHERE trace_num = ?');
    this.readScore = db.prepare(`SELECT t.user_id, sc.name, CASE WHEN sc.value_type = 'string' THEN sc.str_value ELSE '' END AS label,
        CASE WHEN sc.value_type = 'string' THEN NULL ELSE sc.num_value END AS num_value
      FROM scores sc JOIN traces t ON t.num = sc.trace_num WHERE sc.project_id = ? AND sc.id = ?`);
    this.readScoreContrib = db.prepare('SELECT user_id, name, label, num_value FROM score_contrib WHERE project_id = ? AND score_id = ?');
    this.putScoreContrib = db.prepare('INSERT OR REPLACE INTO score_contrib (project_id, score_id, user_id, name, label, num_value) VALUES (?, ?, ?, ?, ?, ?)');
    this.dropScoreContrib = db.prepare('DELETE FROM score_contrib WHERE project_id = ? AND score_id = ?');
    this.userScoreDelta = db.prepare(`INSERT INTO user_scores (project_id, user_id, name, label, count, num_sum) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (project_id, user_id, name, label) DO UPDATE SET count = count + excluded.count,
        num_sum = CASE WHEN excluded.num_sum IS NULL THEN num_sum ELSE coalesce(num_sum, 0) + excluded.num_sum END`);
    this.readContrib = db.prepare(`SELECT project_id, session_id, user_id, start_time, input_tokens, output_tokens, total_tokens, cost_usd, is_error
      FROM trace_contrib WHERE trace_num = ?`);
    this.scoreContribsOfTrace = db.prepare(`SELECT c.project_id, c.score_id, c.user_id, c.name, c.label, c.num_value
      FROM scores sc JOIN score_contrib c ON c.project_id = sc.project_id AND c.score_id = sc.id WHERE sc.trace_num = ?`);
    this.dropEmptySession = db.prepare('DELETE FROM sessions WHERE project_id = @p AND id = @id AND trace_count <= 0');
    this.dropEmptyUser = db.prepare('DELETE FROM users WHERE project_id = @p AND id = @id AND trace_count <= 0 AND score_count <= 0');
    this.dropEmptyUserScores = db.prepare('DELETE FROM user_scores WHERE project_id = @p AND user_id = @id AND count <= 0');
  }

  /**
   * Brings sessions, session_users and users in line with the given traces (their trace rollups
   * must already be current). Returns the traces whose user changed: their scores move with them.
   */
  applyTraces(nums: Iterable<number>): Set<number> {
    const userMoved = new Set<number>();
    /** Sessions and users whose first/last times may have moved. */
    const sessions = new Map<string, { p: number; id: string }>();
    const users = new Map<string, { p: number; id: string }>();
    /** Deltas summed over the group: one upsert per session and per user, not one per trace. */
    const deltas = new Map<string, Delta>();
    const add = (kind: 'session' | 'user', p: number, id: string, sign: number, c: Contribution, old?: Contribution) => {
      const key = `${kind}\0${p}\0${id}`;
      let d = deltas.get(key);
      if (!d) deltas.set(key, (d = { kind, p, id, n: 0, in: 0, out: 0, tot: 0, cost: 0, costN: 0, err: 0 }));
      d.n += old ? 0 : sign;
      d.in += sign * (c.input_tokens - (old?.input_tokens ?? 0));
      d.out += sign * (c.output_tokens - (old?.output_tokens ?? 0));
      d.tot += sign * (c.total_tokens - (old?.total_tokens ?? 0));
      d.cost += sign * ((c.cost_usd ?? 0) - (old?.cost_usd ?? 0));
      d.costN += sign * ((c.cost_usd === null ? 0 : 1) - (old ? (old.cost_usd === null ? 0 : 1) : 0));
      d.err += sign * (c.is_error - (old?.is_error ?? 0));
    };
    const contribute = (c: Contribution, sign: 1 | -1) => {
      if (c.user_id !== null) add('user', c.project_id, c.user_id, sign, c);
      if (c.session_id !== null) {
        add('session', c.project_id, c.session_id, sign, c);
        if (c.user_id !== null) this.sessionUser(c.project_id, c.session_id, c.user_id, sign);
      }
    };
    const times = (c: Contribution) => {
      if (c.session_id !== null) sessions.set(`${c.project_id}\0${c.session_id}`, { p: c.project_id, id: c.session_id });
      if (c.user_id !== null) users.set(`${c.project_id}\0${c.user_id}`, { p: c.project_id, id: c.user_id });
    };
    for (const num of nums) {
      const r = this.readTrace.get(num) as TraceNow | undefined;
      if (!r) continue;
      const hasOld = r.has_old === 1;
      if (!hasOld && r.session_id === null && r.user_id === null) continue;
      const old: Contribution | undefined = hasOld ? {
        project_id: r.project_id, session_id: r.old_session_id ?? null, user_id: r.old_user_id ?? null, start_time: r.old_start_time as number,
        input_tokens: r.old_input_tokens as number, output_tokens: r.old_output_tokens as number, total_tokens: r.old_total_tokens as number,
        cost_usd: r.old_cost_usd, is_error: r.old_is_error as number,
      } : undefined;
      if (old && FIELDS.every((f) => old[f] === r[f])) continue;
      if (old && old.session_id === r.session_id && old.user_id === r.user_id) {
        // Same session and user, other numbers: the difference alone, and the times only if the start moved.
        if (r.user_id !== null) add('user', r.project_id, r.user_id, 1, r, old);
        if (r.session_id !== null) add('session', r.project_id, r.session_id, 1, r, old);
        if (old.start_time !== r.start_time) times(r);
      } else {
        if (old) contribute(old, -1);
        contribute(r, 1);
        if ((old?.user_id ?? null) !== r.user_id) userMoved.add(num);
        if (old) times(old);
        times(r);
      }
      if (r.session_id === null && r.user_id === null) this.dropContrib.run(num);
      else this.putContrib.run({ num, ...pick(r) });
    }
    for (const d of deltas.values()) {
      const v = { p: d.p, id: d.id, n: d.n, in: d.in, out: d.out, tot: d.tot, cost: d.cost, costN: d.costN, err: d.err };
      if (d.kind === 'user') this.userDelta.run({ ...v, scores: 0, sessions: 0 });
      else this.sessionDelta.run(v);
    }
    for (const s of sessions.values()) this.sessionTimes.run(s);
    for (const u of users.values()) this.userTimes.run(u);
    return userMoved;
  }

  /**
   * Takes deleted traces (and their scores) out of sessions, session_users, users and
   * user_scores: each one's remembered contribution is subtracted, as a write subtracts an old
   * one. `dropRows` deletes the traces' rows in between, so first/last times are re-read without
   * them. Sessions and users left with no trace are deleted (a privacy request must not leave the
   * user id behind), and so are user_scores rows left at count 0.
   */
  removeTraces(nums: readonly number[], dropRows: () => void): void {
    const deltas = new Map<string, Delta>();
    const sessions = new Map<string, { p: number; id: string }>();
    const users = new Map<string, { p: number; id: string }>();
    const sub = (kind: 'session' | 'user', c: Contribution, id: string) => {
      const key = `${kind}\0${c.project_id}\0${id}`;
      let d = deltas.get(key);
      if (!d) deltas.set(key, (d = { kind, p: c.project_id, id, n: 0, in: 0, out: 0, tot: 0, cost: 0, costN: 0, err: 0 }));
      d.n -= 1;
      d.in -= c.input_tokens;
      d.out -= c.output_tokens;
      d.tot -= c.total_tokens;
      d.cost -= c.cost_usd ?? 0;
      d.costN -= c.cost_usd === null ? 0 : 1;
      d.err -= c.is_error;
    };
    for (const num of nums) {
      for (const sc of this.scoreContribsOfTrace.all(num) as Array<ScoreContribution & { project_id: number; score_id: string }>) {
        this.scoreDelta(sc.project_id, sc, -1);
        this.dropScoreContrib.run(sc.project_id, sc.score_id);
        users.set(`${sc.project_id}\0${sc.user_id}`, { p: sc.project_id, id: sc.user_id });
      }
      const c = this.readContrib.get(num) as Contribution | undefined;
      if (!c) continue;
      if (c.user_id !== null) {
        sub('user', c, c.user_id);
        users.set(`${c.project_id}\0${c.user_id}`, { p: c.project_id, id: c.user_id });
      }
      if (c.session_id !== null) {
        sub('session', c, c.session_id);
        sessions.set(`${c.project_id}\0${c.session_id}`, { p: c.project_id, id: c.session_id });
        if (c.user_id !== null) this.sessionUser(c.project_id, c.session_id, c.user_id, -1);
      }
      this.dropContrib.run(num);
    }
    for (const d of deltas.values()) {
      const v = { p: d.p, id: d.id, n: d.n, in: d.in, out: d.out, tot: d.tot, cost: d.cost, costN: d.costN, err: d.err };
      if (d.kind === 'user') this.userDelta.run({ ...v, scores: 0, sessions: 0 });
      else this.sessionDelta.run(v);
    }
    dropRows();
    for (const s of sessions.values()) {
      this.sessionTimes.run(s);
      this.dropEmptySession.run(s);
    }
    for (const u of users.values()) {
      this.userTimes.run(u);
      this.dropEmptyUserScores.run(u);
      this.dropEmptyUser.run(u);
    }
  }

  /** Re-attributes scores to users: the scores written in this group and those of traces whose user changed. */
  applyScores(written: Iterable<[number, string]>, userMoved: Set<number>): void {
    const keys = new Map<string, [number, string]>();
    for (const [p, id] of written) keys.set(`${p}\0${id}`, [p, id]);
    for (const num of userMoved) {
      for (const r of this.scoresOfTrace.all(num) as { project_id: number; id: string }[]) keys.set(`${r.project_id}\0${r.id}`, [r.project_id, r.id]);
    }
    for (const [p, id] of keys.values()) {
      const now = this.readScore.get(p, id) as (Omit<ScoreContribution, 'user_id'> & { user_id: string | null }) | undefined;
      const next = now && now.user_id !== null ? (now as ScoreContribution) : undefined;
      const old = this.readScoreContrib.get(p, id) as ScoreContribution | undefined;
      if (old && next && old.user_id === next.user_id && old.name === next.name && old.label === next.label && old.num_value === next.num_value) continue;
      if (!old && !next) continue;
      if (old) this.scoreDelta(p, old, -1);
      if (next) {
        this.scoreDelta(p, next, 1);
        this.putScoreContrib.run(p, id, next.user_id, next.name, next.label, next.num_value);
      } else {
        this.dropScoreContrib.run(p, id);
      }
    }
  }

  private scoreDelta(p: number, c: ScoreContribution, sign: 1 | -1): void {
    this.userScoreDelta.run(p, c.user_id, c.name, c.label, sign, c.num_value === null ? null : sign * c.num_value);
    this.userDelta.run({ p, id: c.user_id, n: 0, in: 0, out: 0, tot: 0, cost: 0, costN: 0, err: 0, scores: sign, sessions: 0 });
  }

  /** Counts the trace under (session, user); the user's session count moves when the pair appears or goes. */
  private sessionUser(p: number, session: string, user: string, sign: 1 | -1): void {
    this.sessionUserDelta.run(p, session, user, sign);
    const count = this.sessionUserCount.get(p, session, user) as number;
    if (count === 0) this.dropSessionUser.run(p, session, user);
    if ((sign === 1 && count === 1) || (sign === -1 && count === 0)) {
      this.userDelta.run({ p, id: user, n: 0, in: 0, out: 0, tot: 0, cost: 0, costN: 0, err: 0, scores: 0, sessions: sign });
    }
  }
}

/**
 * The session and user rollups as a write transaction's participant (participant.ts): the write
 * path hands over the traces it touched (their trace rollups current) and the scores it wrote, and
 * they are applied at beforeCommit, in that order.
 */
export class SessionUserRollups implements TxParticipant {
  private traces: Iterable<number> = [];
  private scores: Iterable<[number, string]> = [];

  constructor(private readonly rollups: SqliteRollups) {}

  /** What the transaction's body changed: traces (in the order to apply them) and scores (project, id). */
  changed(traces: Iterable<number>, scores: Iterable<[number, string]>): void {
    this.traces = traces;
    this.scores = scores;
  }

  begin(): void {
    this.forget();
  }

  beforeCommit(): void {
    // scores follow their trace's user: those of traces whose user changed move too
    this.rollups.applyScores(this.scores, this.rollups.applyTraces(this.traces));
    this.forget();
  }

  committed(): void {}

  rolledBack(): void {
    this.forget();
  }

  private forget(): void {
    this.traces = [];
    this.scores = [];
  }
}

function pick(c: Contribution): Contribution {
  return {
    project_id: c.project_id, session_id: c.session_id, user_id: c.user_id, start_time: c.start_time, input_tokens: c.input_tokens,
    output_tokens: c.output_tokens, total_tokens: c.total_tokens, cost_usd: c.cost_usd, is_error: c.is_error,
  };
}
