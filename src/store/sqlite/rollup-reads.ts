// Reads over the rollups (sessions, users) and the scores list. Sessions and users are one row
// each, kept current at write time, so none of these reads scans a session's or a user's traces;
// a session's traces are paged through the traces_by_session index.
import type Database from 'better-sqlite3';
import type { Session, SessionDetail, User, UserScoreSummary } from '../../model/rollups.js';
import type { Score } from '../../model/schemas.js';
import type { Page, PageRequest, ScoreFilter, SessionFilter, UserFilter } from '../../query/filter.js';
import { compileScoreFilter, compileSessionFilter, compileUserFilter, keyset, type Dialect } from '../../query/sql.js';
import { page, sessionOut, summariseUserScores, userOut, type SessionRow, type UserRow, type UserScoreRow } from '../shared/rollup-reads.js';
import { scoreFromRow, traceFromRow, type ScoreRow, type TraceRow } from '../shared/rows.js';
import { TRACE_COLUMNS } from './rows.js';

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
