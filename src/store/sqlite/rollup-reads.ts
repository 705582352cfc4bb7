// Reads over the rollups (sessions, users) and the scores list. Sessions and users are one row
// each, kept current at write time, so none of these reads scans a session's or a user's traces;
// a session's traces are paged through the traces_by_session index.
import type Database from 'better-sqlite3';
import { roundCost } from '../../model/money.js';
import { storedIso } from '../../model/time.js';
import type { Session, User, UserScoreSummary } from '../../model/rollups.js';
import type { Score } from '../../model/schemas.js';
import type { Page, PageRequest, ScoreFilter, SessionFilter, UserFilter } from '../../query/filter.js';
import { compileScoreFilter, compileSessionFilter, compileUserFilter, keyset, type Dialect } from '../../query/sql.js';
import { encodeCursor } from '../../query/cursor.js';
import { TRACE_COLUMNS, scoreFromRow, traceFromRow, type ScoreRow, type TraceRow } from './rows.js';
import type { SessionDetail } from '../../model/rollups.js';

export interface Totals {
  num: number;
  id: string;
  trace_count: number;
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  cost_usd: number;
  cost_count: number;
  error_count: number;
}
export interface SessionRow extends Totals {
  first_time: number | null;
  last_time: number | null;
}
export interface UserRow extends Totals {
  session_count: number;
  first_seen: number | null;
  last_seen: number | null;
  score_count: number;
}

/** Deltas add and subtract floats; round away the last-bit noise they leave behind. */
const money = (sum: number, count: number): number | null => (count > 0 ? roundCost(sum) : null);

export function page<R, T>(rows: R[], limit: number, map: (r: R) => T, key: (r: R) => { t: number; k: number }): Page<T> {
  const more = rows.length > limit;
  if (more) rows.pop();
  const last = rows[rows.length - 1];
  return { data: rows.map(map), nextCursor: more && last ? encodeCursor(key(last)) : null };
}

const inList = (n: number) => Array.from({ length: n }, () => '?').join(', ');

export class SqliteRollupReads {
  constructor(private readonly db: Database.Database, private readonly d: Dialect) {}

  listSessions(projectId: number, filter: SessionFilter, req: PageRequest): Page<Session> {
    const { where, params } = compileSessionFilter(this.d, projectId, filter);
    const ks = keyset('se.last_time', 'se.num', req.order, req.cursor);
    if (ks.clause) where.push(ks.clause);
    const rows = this.db.prepare(`SELECT se.* FROM sessions se WHERE ${where.join(' AND ')} ORDER BY ${ks.orderBy} LIMIT ?`)
      .all(...params, ...ks.params, req.limit + 1) as SessionRow[];
    const users = this.sessionUsers(projectId, rows.slice(0, req.limit).map((r) => r.id));
    return page(rows, req.limit, (r) => sessionOut(r, users.get(r.id) ?? []), (r) => ({ t: r.last_time ?? 0, k: r.num }));
  }

  getSession(projectId: number, sessionId: string, req: PageRequest): SessionDetail | null {
    const row = this.db.prepare('SELECT * FROM sessions WHERE project_id = ? AND id = ? AND trace_count > 0').get(projectId, sessionId) as SessionRow | undefined;
    if (!row) return null;
    const ks = keyset('t.start_time', 't.num', req.order, req.cursor);
    const rows = this.db.prepare(`SELECT ${TRACE_COLUMNS} FROM traces t WHERE t.project_id = ? AND t.session_id = ?${ks.clause ? ` AND ${ks.clause}` : ''}
      ORDER BY ${ks.orderBy} LIMIT ?`).all(projectId, sessionId, ...ks.params, req.limit + 1) as TraceRow[];
    const traces = page(rows, req.limit, traceFromRow, (r) => ({ t: r.start_time, k: r.num }));
    return { session: sessionOut(row, this.sessionUsers(projectId, [sessionId]).get(sessionId) ?? []), traces: traces.data, nextCursor: traces.nextCursor };
  }

  listUsers(projectId: number, filter: UserFilter, req: PageRequest): Page<User> {
    const { where, params } = compileUserFilter(this.d, projectId, filter);
    const ks = keyset('u.last_seen', 'u.num', req.order, req.cursor);
    if (ks.clause) where.push(ks.clause);
    const rows = this.db.prepare(`SELECT u.* FROM users u WHERE ${where.join(' AND ')} ORDER BY ${ks.orderBy} LIMIT ?`)
      .all(...params, ...ks.params, req.limit + 1) as UserRow[];
    const scores = this.userScores(projectId, rows.slice(0, req.limit).map((r) => r.id));
    return page(rows, req.limit, (r) => userOut(r, scores.get(r.id) ?? []), (r) => ({ t: r.last_seen ?? 0, k: r.num }));
  }

  getUser(projectId: number, userId: string): User | null {
    const row = this.db.prepare('SELECT * FROM users WHERE project_id = ? AND id = ? AND trace_count > 0').get(projectId, userId) as UserRow | undefined;
    return row ? userOut(row, this.userScores(projectId, [userId]).get(userId) ?? []) : null;
  }

  listScores(projectId: number, filter: ScoreFilter, req: PageRequest): Page<Score> {
    const { where, params } = compileScoreFilter(this.d, projectId, filter);
    const ks = keyset('sc.created_at', 'sc.rowid', req.order, req.cursor);
    if (ks.clause) where.push(ks.clause);
    const rows = this.db.prepare(`SELECT sc.*, sc.rowid AS k, t.id AS trace_id FROM scores sc JOIN traces t ON t.num = sc.trace_num
      WHERE ${where.join(' AND ')} ORDER BY ${ks.orderBy} LIMIT ?`).all(...params, ...ks.params, req.limit + 1) as Array<ScoreRow & { k: number }>;
    return page(rows, req.limit, scoreFromRow, (r) => ({ t: r.created_at, k: r.k }));
  }

  private sessionUsers(projectId: number, ids: string[]): Map<string, string[]> {
    const out = new Map<string, string[]>();
    if (!ids.length) return out;
    const rows = this.db.prepare(`SELECT session_id, user_id FROM session_users WHERE project_id = ? AND session_id IN (${inList(ids.length)}) ORDER BY user_id`)
      .all(projectId, ...ids) as Array<{ session_id: string; user_id: string }>;
    for (const r of rows) (out.get(r.session_id) ?? out.set(r.session_id, []).get(r.session_id)!).push(r.user_id);
    return out;
  }

  private userScores(projectId: number, ids: string[]): Map<string, UserScoreSummary[]> {
    const out = new Map<string, UserScoreSummary[]>();
    if (!ids.length) return out;
    const rows = this.db.prepare(`SELECT user_id, name, label, count, num_sum FROM user_scores
      WHERE project_id = ? AND user_id IN (${inList(ids.length)}) AND count > 0 ORDER BY user_id, name, label`)
      .all(projectId, ...ids) as UserScoreRow[];
    return summariseUserScores(rows, out);
  }
}

export interface UserScoreRow {
  user_id: string;
  name: string;
  label: string;
  count: number;
  num_sum: number | null;
}

/** user_scores rows (ordered by user, name, label) → per-user summaries. */
export function summariseUserScores(rows: UserScoreRow[], out = new Map<string, UserScoreSummary[]>()): Map<string, UserScoreSummary[]> {
  for (const r of rows) {
    const list = out.get(r.user_id) ?? out.set(r.user_id, []).get(r.user_id)!;
    let s = list[list.length - 1];
    if (!s || s.name !== r.name) list.push((s = { name: r.name, count: 0, mean: null, values: {} }));
    s.count += r.count;
    if (r.label === '') s.mean = Math.round(((r.num_sum ?? 0) / r.count) * 1e12) / 1e12;
    else s.values[r.label] = r.count;
  }
  return out;
}

export function sessionOut(r: SessionRow, userIds: string[]): Session {
  return {
    id: r.id,
    traceCount: r.trace_count,
    firstTime: storedIso(r.first_time),
    lastTime: storedIso(r.last_time),
    userIds,
    inputTokens: r.input_tokens,
    outputTokens: r.output_tokens,
    totalTokens: r.total_tokens,
    costUsd: money(r.cost_usd, r.cost_count),
    errorCount: r.error_count,
  };
}

export function userOut(r: UserRow, scores: UserScoreSummary[]): User {
  return {
    id: r.id,
    traceCount: r.trace_count,
    sessionCount: r.session_count,
    firstSeen: storedIso(r.first_seen),
    lastSeen: storedIso(r.last_seen),
    inputTokens: r.input_tokens,
    outputTokens: r.output_tokens,
    totalTokens: r.total_tokens,
    costUsd: money(r.cost_usd, r.cost_count),
    errorCount: r.error_count,
    scoreCount: r.score_count,
    scores,
  };
}
