// The PostgreSQL read path: trace and span lists (filters compiled by query/sql.ts through
// postgresDialect, keyset pages) and one trace with its spans and scores.
import type pg from 'pg';
import type { Span, Trace } from '../../model/schemas.js';
import type { Page, PageRequest, SpanFilter, TraceFilter } from '../../query/filter.js';
import { compileSpanFilter, compileTraceFilter, keyset } from '../../query/sql.js';
import { encodeCursor } from '../../query/cursor.js';
import type { TraceDetail } from '../store.js';
import { positional, postgresDialect, storable } from './dialect.js';
import { plainJson, scoreFromRow, spanFromRow, traceFromRow, type ScoreRow, type SpanRow, type TraceRow } from '../shared/rows.js';
import { SCORE_COLUMNS, SPAN_COLUMNS, TRACE_COLUMNS } from './rows.js';

/** Runs SQL written with `?` placeholders (as query/sql.ts compiles it). */
export async function select<R extends pg.QueryResultRow>(db: pg.Pool | pg.PoolClient, sql: string, params: unknown[]): Promise<R[]> {
  const values = params.map((p) => (typeof p === 'string' ? storable(p) : p));
  return (await db.query<R>(positional(sql), values)).rows;
}

export async function listTraces(db: pg.Pool, projectId: number, filter: TraceFilter, page: PageRequest): Promise<Page<Trace>> {
  const { where, params } = compileTraceFilter(postgresDialect, projectId, filter);
  const ks = keyset('t.start_time', 't.num', page.order, page.cursor);
  if (ks.clause) where.push(ks.clause);
  const sql = `SELECT ${TRACE_COLUMNS} FROM traces t WHERE ${where.join(' AND ')} ORDER BY ${ks.orderBy} LIMIT ?`;
  const rows = await select<TraceRow>(db, sql, [...params, ...ks.params, page.limit + 1]);
  const more = rows.length > page.limit;
  if (more) rows.pop();
  const last = rows[rows.length - 1];
  return { data: rows.map(traceFromRow), nextCursor: more && last ? encodeCursor({ t: last.start_time, k: last.num }) : null };
}

export async function listSpans(db: pg.Pool, projectId: number, filter: SpanFilter, page: PageRequest): Promise<Page<Span>> {
  const { where, params } = compileSpanFilter(postgresDialect, projectId, filter);
  const ks = keyset('s.start_time', 's.seq', page.order, page.cursor);
  if (ks.clause) where.push(ks.clause);
  const sql = `SELECT ${SPAN_COLUMNS} FROM spans s JOIN traces t ON t.num = s.trace_num WHERE ${where.join(' AND ')} ORDER BY ${ks.orderBy} LIMIT ?`;
  const rows = await select<SpanRow>(db, sql, [...params, ...ks.params, page.limit + 1]);
  const more = rows.length > page.limit;
  if (more) rows.pop();
  const last = rows[rows.length - 1];
  return { data: rows.map((r) => spanFromRow(r, plainJson)), nextCursor: more && last ? encodeCursor({ t: last.start_time, k: last.rowid }) : null };
}

export async function getTrace(db: pg.Pool, projectId: number, traceId: string): Promise<TraceDetail | null> {
  const [row] = await select<TraceRow>(db, `SELECT ${TRACE_COLUMNS} FROM traces t WHERE t.project_id = ? AND t.id = ?`, [projectId, traceId]);
  return row ? detail(db, row) : null;
}

export async function getTraceByNumericId(db: pg.Pool, projectId: number, numericId: number): Promise<TraceDetail | null> {
  // a number beyond bigint names no trace (and must not reach the server as one)
  if (!Number.isSafeInteger(numericId)) return null;
  const [row] = await select<TraceRow>(db, `SELECT ${TRACE_COLUMNS} FROM traces t WHERE t.project_id = ? AND t.num = ?`, [projectId, numericId]);
  return row ? detail(db, row) : null;
}

/** Offset paging (Evalgate): newest start first, ties by num, as SQLite orders them. */
export async function listTracesByOffset(db: pg.Pool, projectId: number, filter: TraceFilter, limit: number, offset: number): Promise<Trace[]> {
  const { where, params } = compileTraceFilter(postgresDialect, projectId, filter);
  const sql = `SELECT ${TRACE_COLUMNS} FROM traces t WHERE ${where.join(' AND ')} ORDER BY t.start_time DESC, t.num DESC LIMIT ? OFFSET ?`;
  return (await select<TraceRow>(db, sql, [...params, limit, offset])).map(traceFromRow);
}

async function detail(db: pg.Pool, row: TraceRow): Promise<TraceDetail> {
  const [spans, scores] = await Promise.all([
    select<SpanRow>(db, `SELECT ${SPAN_COLUMNS} FROM spans s JOIN traces t ON t.num = s.trace_num WHERE s.trace_num = ? ORDER BY s.start_time, s.seq`, [row.num]),
    select<ScoreRow>(db, `SELECT ${SCORE_COLUMNS}, ?::text AS trace_id FROM scores sc WHERE sc.trace_num = ? ORDER BY sc.created_at, sc.id COLLATE "C"`, [row.id, row.num]),
  ]);
  return { trace: traceFromRow(row), spans: spans.map((r) => spanFromRow(r, plainJson)), scores: scores.map(scoreFromRow) };
}
