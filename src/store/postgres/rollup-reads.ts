// Reads over the rollups (sessions, users) and the scores list on PostgreSQL: the same queries
// and answers as sqlite/rollup-reads.ts, sharing its row → model conversion (shared/rollup-reads.ts).
// Sessions and users are one row each; a session's traces are paged through traces_by_session.
import type pg from 'pg';
import type { Session, SessionDetail, User, UserScoreSummary } from '../../model/rollups.js';
import type { Score } from '../../model/schemas.js';
import type { Page, PageRequest, ScoreFilter, SessionFilter, UserFilter } from '../../query/filter.js';
import { compileScoreFilter, compileSessionFilter, compileUserFilter, keyset } from '../../query/sql.js';
import { page, sessionOut, summariseUserScores, userOut, type SessionRow, type UserRow, type UserScoreRow } from '../shared/rollup-reads.js';
import { postgresDialect } from './dialect.js';
import { select } from './read.js';
import { scoreFromRow, traceFromRow, type ScoreRow, type TraceRow } from '../shared/rows.js';
import { SCORE_COLUMNS, TRACE_COLUMNS } from './rows.js';

export async function listSessions(db: pg.Pool, projectId: number, filter: SessionFilter, req: PageRequest): Promise<Page<Session>> {
  const { where, params } = compileSessionFilter(postgresDialect, projectId, filter);
  const ks = keyset('se.last_time', 'se.num', req.order, req.cursor);
  if (ks.clause) where.push(ks.clause);
  const rows = await select<SessionRow>(db, `SELECT se.* FROM sessions se WHERE ${where.join(' AND ')} ORDER BY ${ks.orderBy} LIMIT ?`,
    [...params, ...ks.params, req.limit + 1]);
  const users = await sessionUsers(db, projectId, rows.slice(0, req.limit).map((r) => r.id));
  return page(rows, req.limit, (r) => sessionOut(r, users.get(r.id) ?? []), (r) => ({ t: r.last_time ?? 0, k: r.num }));
}

export async function getSession(db: pg.Pool, projectId: number, sessionId: string, req: PageRequest): Promise<SessionDetail | null> {
  const [row] = await select<SessionRow>(db, 'SELECT * FROM sessions WHERE project_id = ? AND id = ? AND trace_count > 0', [projectId, sessionId]);
  if (!row) return null;
  const ks = keyset('t.start_time', 't.num', req.order, req.cursor);
  const [rows, users] = await Promise.all([
    select<TraceRow>(db, `SELECT ${TRACE_COLUMNS} FROM traces t WHERE t.project_id = ? AND t.session_id = ?${ks.clause ? ` AND ${ks.clause}` : ''}
      ORDER BY ${ks.orderBy} LIMIT ?`, [projectId, sessionId, ...ks.params, req.limit + 1]),
    sessionUsers(db, projectId, [sessionId]),
  ]);
  const traces = page(rows, req.limit, traceFromRow, (r) => ({ t: r.start_time, k: r.num }));
  return { session: sessionOut(row, users.get(row.id) ?? []), traces: traces.data, nextCursor: traces.nextCursor };
}

export async function listUsers(db: pg.Pool, projectId: number, filter: UserFilter, req: PageRequest): Promise<Page<User>> {
  const { where, params } = compileUserFilter(postgresDialect, projectId, filter);
  const ks = keyset('u.last_seen', 'u.num', req.order, req.cursor);
  if (ks.clause) where.push(ks.clause);
  const rows = await select<UserRow>(db, `SELECT u.* FROM users u WHERE ${where.join(' AND ')} ORDER BY ${ks.orderBy} LIMIT ?`,
    [...params, ...ks.params, req.limit + 1]);
  const scores = await userScores(db, projectId, rows.slice(0, req.limit).map((r) => r.id));
  return page(rows, req.limit, (r) => userOut(r, scores.get(r.id) ?? []), (r) => ({ t: r.last_seen ?? 0, k: r.num }));
}

export async function getUser(db: pg.Pool, projectId: number, userId: string): Promise<User | null> {
  const [row] = await select<UserRow>(db, 'SELECT * FROM users WHERE project_id = ? AND id = ? AND trace_count > 0', [projectId, userId]);
  return row ? userOut(row, (await userScores(db, projectId, [row.id])).get(row.id) ?? []) : null;
}

export async function listScores(db: pg.Pool, projectId: number, filter: ScoreFilter, req: PageRequest): Promise<Page<Score>> {
  const { where, params } = compileScoreFilter(postgresDialect, projectId, filter);
  const ks = keyset('sc.created_at', 'sc.seq', req.order, req.cursor);
  if (ks.clause) where.push(ks.clause);
  const rows = await select<ScoreRow & { k: number }>(db, `SELECT ${SCORE_COLUMNS}, sc.seq AS k, t.id AS trace_id FROM scores sc
    JOIN traces t ON t.num = sc.trace_num WHERE ${where.join(' AND ')} ORDER BY ${ks.orderBy} LIMIT ?`, [...params, ...ks.params, req.limit + 1]);
  return page(rows, req.limit, scoreFromRow, (r) => ({ t: r.created_at, k: r.k }));
}

async function sessionUsers(db: pg.Pool, projectId: number, ids: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (!ids.length) return out;
  const rows = await select<{ session_id: string; user_id: string }>(db,
    'SELECT session_id, user_id FROM session_users WHERE project_id = ? AND session_id = ANY(?::text[]) ORDER BY user_id COLLATE "C"', [projectId, ids]);
  for (const r of rows) (out.get(r.session_id) ?? out.set(r.session_id, []).get(r.session_id)!).push(r.user_id);
  return out;
}

async function userScores(db: pg.Pool, projectId: number, ids: string[]): Promise<Map<string, UserScoreSummary[]>> {
  if (!ids.length) return new Map();
  const rows = await select<UserScoreRow>(db, `SELECT user_id, name, label, count, num_sum FROM user_scores
    WHERE project_id = ? AND user_id = ANY(?::text[]) AND count > 0 ORDER BY user_id COLLATE "C", name COLLATE "C", label COLLATE "C"`, [projectId, ids]);
  return summariseUserScores(rows);
}
