// The SQLite read queries (trace list, trace detail, span list) over one connection. The store
// runs them on a worker thread with its own read-only connection (read-worker.ts), so a heavy
// read never blocks the event loop that acknowledges writes; in-memory databases run them inline.
import type Database from 'better-sqlite3';
import type { Page, PageRequest, ScoreFilter, SessionFilter, SpanFilter, TraceFilter, TraceInclude, UserFilter } from '../../query/filter.js';
import type { MetricsQuery, MetricsRow } from '../../query/metrics.js';
import type { ExportRecord } from '../../model/export.js';
import type { Session, SessionDetail, User } from '../../model/rollups.js';
import { SqliteRollupReads } from './rollup-reads.js';
import { runMetrics, sqliteAnalyticsDialect } from './analytics.js';
import { exportPage } from './export.js';
import { MetricRollupReads } from './metric-rollup-reads.js';
import { compileSpanFilter, compileTraceFilter, keyset, type Dialect } from '../../query/sql.js';
import { encodeCursor } from '../../query/cursor.js';
import type { Score, Span, Trace } from '../../model/schemas.js';
import type { TraceDetail, TraceFacets } from '../store.js';
import { traceFacets } from './trace-facets.js';
import { BlobReader } from './blobs.js';
import { StatementCache } from './statement-cache.js';
import { SPAN_COLUMNS, TRACE_COLUMNS, spanColumns, spanRows } from './rows.js';
import { scoreFromRow, spanFromRow, traceFromRow, type ScoreRow, type TraceRow } from '../shared/rows.js';

/** A trace's spans, its id bound rather than joined. */
const TRACE_SPAN_COLUMNS = spanColumns('?');

export const sqliteDialect: Dialect = {
  contains: (col) => `${col} LIKE ? ESCAPE '\\'`,
  // A top-level key's value as text; JSON true/false read as 'true'/'false' (json_extract gives 1/0).
  jsonText: (col) => `(SELECT CASE j.type WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' ELSE CAST(j.atom AS TEXT) END FROM json_each(${col}) j WHERE j.key = ?)`,
  // Only JSON numbers pass; anything else is NULL.
  jsonNumber: (col) => `(SELECT CASE WHEN j.type IN ('integer', 'real') THEN j.atom END FROM json_each(${col}) j WHERE j.key = ?)`,
  jsonKey: (key) => key,
  // SQLite compares a bound number with any column as it is
  numberParam: () => '?',
  // Resolves content-addressed strings (blobs.ts registers the function on every connection).
  spanJson: (col) => `loupe_span_json(${col})`,
  fullText: (numExpr) => `${numExpr} IN (SELECT rowid FROM trace_fts WHERE trace_fts MATCH ?)`,
  // Every word becomes a quoted phrase (AND-ed), so FTS5 operators in user text are inert.
  fullTextQuery: (q) => q.split(/\s+/).filter(Boolean).map((w) => `"${w.replace(/"/g, '""')}"`).join(' '),
  // SQLite compares text with BINARY unless told otherwise
  bytewise: (col) => col,
};

const analyticsDialect = sqliteAnalyticsDialect(sqliteDialect);

/** The read operations a worker serves, by name. */
export interface ReadOps {
  listTraces(projectId: number, filter: TraceFilter, page: PageRequest): Page<Trace>;
  getTrace(projectId: number, traceId: string): TraceDetail | null;
  getTraceJson(projectId: number, traceId: string): string | null;
  getTraceByNumericId(projectId: number, numericId: number): TraceDetail | null;
  listTracesByOffset(projectId: number, filter: TraceFilter, limit: number, offset: number): Trace[];
  traceFacets(projectId: number, traceIds: string[], want: TraceInclude): Map<string, TraceFacets>;
  listSpans(projectId: number, filter: SpanFilter, page: PageRequest): Page<Span>;
  listSessions(projectId: number, filter: SessionFilter, page: PageRequest): Page<Session>;
  getSession(projectId: number, sessionId: string, page: PageRequest): SessionDetail | null;
  listUsers(projectId: number, filter: UserFilter, page: PageRequest): Page<User>;
  getUser(projectId: number, userId: string): User | null;
  listScores(projectId: number, filter: ScoreFilter, page: PageRequest): Page<Score>;
  metrics(projectId: number, q: MetricsQuery): MetricsRow[];
  exportTraces(projectId: number, filter: TraceFilter, page: PageRequest): Page<ExportRecord>;
}

/** Options of the read queries; SqliteOptions documents each. */
export interface ReadOptions {
  metricsRollupThreshold?: number;
  durationProbeLimit?: number;
}

/**
 * A duration filter matching fewer traces than this is listed through the duration index; one
 * matching more is listed in start-time order, checking the duration as it goes (listTraces).
 */
export const DURATION_PROBE_LIMIT = 10_000;

export class SqliteReads implements ReadOps {
  private readonly blobs: BlobReader;
  private readonly stmts: StatementCache;

  private readonly rollups: SqliteRollupReads;
  private readonly metricRollups: MetricRollupReads;

  private readonly durationProbeLimit: number;

  constructor(private readonly db: Database.Database, opts: ReadOptions = {}) {
    this.durationProbeLimit = opts.durationProbeLimit ?? DURATION_PROBE_LIMIT;
    this.stmts = new StatementCache(db, 500);
    this.blobs = new BlobReader(db);
    this.rollups = new SqliteRollupReads(db, sqliteDialect);
    this.metricRollups = new MetricRollupReads(db, sqliteDialect, opts.metricsRollupThreshold);
  }

  listSessions(projectId: number, filter: SessionFilter, page: PageRequest): Page<Session> {
    return this.rollups.listSessions(projectId, filter, page);
  }

  getSession(projectId: number, sessionId: string, page: PageRequest): SessionDetail | null {
    return this.rollups.getSession(projectId, sessionId, page);
  }

  listUsers(projectId: number, filter: UserFilter, page: PageRequest): Page<User> {
    return this.rollups.listUsers(projectId, filter, page);
  }

  getUser(projectId: number, userId: string): User | null {
    return this.rollups.getUser(projectId, userId);
  }

  listScores(projectId: number, filter: ScoreFilter, page: PageRequest): Page<Score> {
    return this.rollups.listScores(projectId, filter, page);
  }

  metrics(projectId: number, q: MetricsQuery): MetricsRow[] {
    return this.metricRollups.metrics(projectId, q) ?? runMetrics(this.db, analyticsDialect, projectId, q);
  }

  exportTraces(projectId: number, filter: TraceFilter, page: PageRequest): Page<ExportRecord> {
    return exportPage(this.db, sqliteDialect, projectId, filter, page);
  }

  listTraces(projectId: number, filter: TraceFilter, page: PageRequest): Page<Trace> {
    const { minDurationMs: min, maxDurationMs: max, ...rest } = filter;
    const { where, params } = compileTraceFilter(sqliteDialect, projectId, rest);
    const ks = keyset('t.start_time', 't.num', page.order, page.cursor);
    let sql: string;
    if (min === undefined && max === undefined) {
      if (ks.clause) where.push(ks.clause);
      sql = `SELECT ${TRACE_COLUMNS} FROM traces t WHERE ${where.join(' AND ')} ORDER BY ${ks.orderBy} LIMIT ?`;
    } else {
      sql = this.durationListSql(projectId, where, params, min, max, ks);
    }
    const rows = this.stmts.get(sql).all(...params, ...ks.params, page.limit + 1) as TraceRow[];
    const more = rows.length > page.limit;
    if (more) rows.pop();
    const last = rows[rows.length - 1];
    return { data: rows.map(traceFromRow), nextCursor: more && last ? encodeCursor({ t: last.start_time, k: last.num }) : null };
  }

  /**
   * SQLite keeps no statistics here to tell a rare duration from a common one, and each wrong
   * guess is costly at 1M traces: sorting every trace over 20 s by start time took 300 ms, and
   * walking start-time order for a duration no trace has took 2 s. So count the matches in the
   * duration index (which holds the start time too), up to a limit. Few: sort just their index
   * entries and fetch one page of rows. Many: walk start-time order, where a page comes soon.
   */
  private durationListSql(projectId: number, where: string[], params: unknown[], min: number | undefined, max: number | undefined, ks: ReturnType<typeof keyset>): string {
    const range: string[] = [];
    const bounds: number[] = [];
    if (min !== undefined) {
      range.push('duration_ms >= ?');
      bounds.push(min);
    }
    if (max !== undefined) {
      range.push('duration_ms <= ?');
      bounds.push(max);
    }
    const probe = `SELECT count(*) FROM (SELECT 1 FROM traces INDEXED BY traces_by_duration WHERE project_id = ? AND ${range.join(' AND ')} LIMIT ?)`;
    const few = (this.stmts.get(probe).pluck().get(projectId, ...bounds, this.durationProbeLimit) as number) < this.durationProbeLimit;
    params.push(...bounds);
    // The unary + keeps the planner off the duration index.
    where.push(...range.map((r) => (few ? `t.${r}` : `+t.${r}`)));
    if (ks.clause) where.push(ks.clause);
    const conditions = where.join(' AND ');
    if (!few) return `SELECT ${TRACE_COLUMNS} FROM traces t WHERE ${conditions} ORDER BY ${ks.orderBy} LIMIT ?`;
    return `SELECT ${TRACE_COLUMNS} FROM traces t WHERE t.num IN (SELECT t.num FROM traces t INDEXED BY traces_by_duration WHERE ${conditions} ORDER BY ${ks.orderBy} LIMIT ?) ORDER BY ${ks.orderBy}`;
  }

  getTrace(projectId: number, traceId: string): TraceDetail | null {
    const row = this.stmts.get(`SELECT ${TRACE_COLUMNS} FROM traces t WHERE t.project_id = ? AND t.id = ?`).get(projectId, traceId) as TraceRow | undefined;
    return row ? this.detail(row) : null;
  }

  getTraceByNumericId(projectId: number, numericId: number): TraceDetail | null {
    const row = this.stmts.get(`SELECT ${TRACE_COLUMNS} FROM traces t WHERE t.project_id = ? AND t.num = ?`).get(projectId, numericId) as TraceRow | undefined;
    return row ? this.detail(row) : null;
  }

  private detail(row: TraceRow): TraceDetail {
    // Sorted here rather than by SQL: ORDER BY would copy every full row through a temp B-tree.
    const spans = spanRows(this.stmts.get(`SELECT ${TRACE_SPAN_COLUMNS} FROM spans s WHERE s.trace_num = ?`), row.id, row.num)
      .sort((a, b) => a.start_time - b.start_time || a.rowid - b.rowid);
    const scores = this.stmts.get(`SELECT sc.*, ? AS trace_id FROM scores sc WHERE sc.trace_num = ? ORDER BY sc.created_at, sc.id`).all(row.id, row.num) as ScoreRow[];
    return { trace: traceFromRow(row), spans: spans.map((r) => spanFromRow(r, this.blobs)), scores: scores.map(scoreFromRow) };
  }

  listTracesByOffset(projectId: number, filter: TraceFilter, limit: number, offset: number): Trace[] {
    const { where, params } = compileTraceFilter(sqliteDialect, projectId, filter);
    const sql = `SELECT ${TRACE_COLUMNS} FROM traces t WHERE ${where.join(' AND ')} ORDER BY t.start_time DESC, t.num DESC LIMIT ? OFFSET ?`;
    return (this.stmts.get(sql).all(...params, limit, offset) as TraceRow[]).map(traceFromRow);
  }

  getTraceJson(projectId: number, traceId: string): string | null {
    const detail = this.getTrace(projectId, traceId);
    return detail ? JSON.stringify(detail) : null;
  }

  traceFacets(projectId: number, traceIds: string[], want: TraceInclude): Map<string, TraceFacets> {
    return traceFacets(this.stmts, projectId, traceIds, want);
  }

  listSpans(projectId: number, filter: SpanFilter, page: PageRequest): Page<Span> {
    const { where, params } = compileSpanFilter(sqliteDialect, projectId, filter);
    const ks = keyset('s.start_time', 's.rowid', page.order, page.cursor);
    if (ks.clause) where.push(ks.clause);
    const sql = `SELECT ${SPAN_COLUMNS} FROM spans s JOIN traces t ON t.num = s.trace_num WHERE ${where.join(' AND ')} ORDER BY ${ks.orderBy} LIMIT ?`;
    const rows = spanRows(this.stmts.get(sql), ...params, ...ks.params, page.limit + 1);
    const more = rows.length > page.limit;
    if (more) rows.pop();
    const last = rows[rows.length - 1];
    return { data: rows.map((r) => spanFromRow(r, this.blobs)), nextCursor: more && last ? encodeCursor({ t: last.start_time, k: last.rowid }) : null };
  }
}
