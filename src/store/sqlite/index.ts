// The embedded SQLite backend (better-sqlite3): WAL, versioned migrations, one write path.
// better-sqlite3 is synchronous; the async Store surface lets other backends and a future
// worker-thread writer keep the same contract.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Scope } from '../../model/enums.js';
import { isoFromMicros } from '../../model/time.js';
import type { Page, PageRequest, ScoreFilter, SessionFilter, SpanFilter, TraceFilter, UserFilter } from '../../query/filter.js';
import type { Session, SessionDetail, User } from '../../model/rollups.js';
import { SqliteRollupReads } from './rollup-reads.js';
import { compileSpanFilter, compileTraceFilter, keyset, type Dialect } from '../../query/sql.js';
import { encodeCursor } from '../../query/cursor.js';
import type { Score, Span, Trace } from '../../model/schemas.js';
import type { ApiKeyRecord, Project, Store, TraceDetail, WriteItem } from '../store.js';
import { SQLITE_MIGRATIONS } from './migrations.js';
import { SqliteWritePath } from './write.js';
import type { MetricsQuery, MetricsRow } from '../../query/metrics.js';
import type { ExportRecord } from '../../model/export.js';
import type { ModelPrice } from '../../cost/types.js';
import { deletePrices, listPrices, putPrices, runMetrics, sqliteAnalyticsDialect } from './analytics.js';
import { exportPage } from './export.js';
import { SPAN_COLUMNS, TRACE_COLUMNS, scoreFromRow, spanFromRow, traceFromRow, type ScoreRow, type SpanRow, type TraceRow } from './rows.js';

export interface SqliteOptions {
  /** `synchronous` pragma: FULL (default) fsyncs every commit; NORMAL survives process crashes only. */
  synchronous?: 'FULL' | 'NORMAL';
}

export const sqliteDialect: Dialect = {
  contains: (col) => `${col} LIKE ? ESCAPE '\\'`,
  // A top-level key's value as text; JSON true/false read as 'true'/'false' (json_extract gives 1/0).
  jsonText: (col) => `(SELECT CASE j.type WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' ELSE CAST(j.atom AS TEXT) END FROM json_each(${col}) j WHERE j.key = ?)`,
  // Only JSON numbers pass; anything else is NULL.
  jsonNumber: (col) => `(SELECT CASE WHEN j.type IN ('integer', 'real') THEN j.atom END FROM json_each(${col}) j WHERE j.key = ?)`,
  jsonKey: (key) => key,
  // SQLite compares a bound number with any column as it is
  numberParam: () => '?',
  fullText: (numExpr) => `${numExpr} IN (SELECT rowid FROM trace_fts WHERE trace_fts MATCH ?)`,
  // Every word becomes a quoted phrase (AND-ed), so FTS5 operators in user text are inert.
  fullTextQuery: (q) => q.split(/\s+/).filter(Boolean).map((w) => `"${w.replace(/"/g, '""')}"`).join(' '),
};

const analyticsDialect = sqliteAnalyticsDialect(sqliteDialect);

export class SqliteStore implements Store {
  readonly dialect = 'sqlite' as const;
  private readonly db: Database.Database;
  private writePath?: SqliteWritePath;
  /** projectId → settings; this process is the only writer of SQLite, so updates invalidate here. */
  private readonly settings = new Map<number, Record<string, unknown>>();
  private readonly rollupReads: SqliteRollupReads;

  constructor(readonly file: string, private readonly opts: SqliteOptions = {}) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${opts.synchronous ?? 'FULL'}`);
    this.db.pragma('busy_timeout = 10000');
    this.db.pragma('cache_size = -65536');
    this.db.pragma('temp_store = MEMORY');
    this.rollupReads = new SqliteRollupReads(this.db, sqliteDialect);
  }

  async init(): Promise<void> {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
    const applied = new Set(this.db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[]);
    for (const m of SQLITE_MIGRATIONS) {
      if (applied.has(m.version)) continue;
      this.db.transaction(() => {
        this.db.exec(m.sql);
        this.db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, Date.now() * 1000);
      }).immediate();
    }
    this.writePath = new SqliteWritePath(this.db);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async writeGroup(items: WriteItem[]): Promise<void> {
    if (!this.writePath) throw new Error('store not initialised');
    this.writePath.writeGroup(items);
  }

  async listTraces(projectId: number, filter: TraceFilter, page: PageRequest): Promise<Page<Trace>> {
    const { where, params } = compileTraceFilter(sqliteDialect, projectId, filter);
    const ks = keyset('t.start_time', 't.num', page.order, page.cursor);
    if (ks.clause) where.push(ks.clause);
    const sql = `SELECT ${TRACE_COLUMNS} FROM traces t WHERE ${where.join(' AND ')} ORDER BY ${ks.orderBy} LIMIT ?`;
    const rows = this.db.prepare(sql).all(...params, ...ks.params, page.limit + 1) as TraceRow[];
    const more = rows.length > page.limit;
    if (more) rows.pop();
    const last = rows[rows.length - 1];
    return { data: rows.map(traceFromRow), nextCursor: more && last ? encodeCursor({ t: last.start_time, k: last.num }) : null };
  }

  async getTrace(projectId: number, traceId: string): Promise<TraceDetail | null> {
    const row = this.db.prepare(`SELECT ${TRACE_COLUMNS} FROM traces t WHERE t.project_id = ? AND t.id = ?`).get(projectId, traceId) as TraceRow | undefined;
    return row ? this.detail(row) : null;
  }

  async getTraceByNumericId(projectId: number, numericId: number): Promise<TraceDetail | null> {
    const row = this.db.prepare(`SELECT ${TRACE_COLUMNS} FROM traces t WHERE t.project_id = ? AND t.num = ?`).get(projectId, numericId) as TraceRow | undefined;
    return row ? this.detail(row) : null;
  }

  private detail(row: TraceRow): TraceDetail {
    const spans = this.db.prepare(`SELECT ${SPAN_COLUMNS} FROM spans s JOIN traces t ON t.num = s.trace_num WHERE s.trace_num = ? ORDER BY s.start_time, s.rowid`).all(row.num) as SpanRow[];
    const scores = this.db.prepare(`SELECT sc.*, ? AS trace_id FROM scores sc WHERE sc.trace_num = ? ORDER BY sc.created_at, sc.id`).all(row.id, row.num) as ScoreRow[];
    return { trace: traceFromRow(row), spans: spans.map(spanFromRow), scores: scores.map(scoreFromRow) };
  }

  async listTracesByOffset(projectId: number, filter: TraceFilter, limit: number, offset: number): Promise<Trace[]> {
    const { where, params } = compileTraceFilter(sqliteDialect, projectId, filter);
    const sql = `SELECT ${TRACE_COLUMNS} FROM traces t WHERE ${where.join(' AND ')} ORDER BY t.start_time DESC, t.num DESC LIMIT ? OFFSET ?`;
    return (this.db.prepare(sql).all(...params, limit, offset) as TraceRow[]).map(traceFromRow);
  }

  async listSpans(projectId: number, filter: SpanFilter, page: PageRequest): Promise<Page<Span>> {
    const { where, params } = compileSpanFilter(sqliteDialect, projectId, filter);
    const ks = keyset('s.start_time', 's.rowid', page.order, page.cursor);
    if (ks.clause) where.push(ks.clause);
    const sql = `SELECT ${SPAN_COLUMNS} FROM spans s JOIN traces t ON t.num = s.trace_num WHERE ${where.join(' AND ')} ORDER BY ${ks.orderBy} LIMIT ?`;
    const rows = this.db.prepare(sql).all(...params, ...ks.params, page.limit + 1) as SpanRow[];
    const more = rows.length > page.limit;
    if (more) rows.pop();
    const last = rows[rows.length - 1];
    return { data: rows.map(spanFromRow), nextCursor: more && last ? encodeCursor({ t: last.start_time, k: last.rowid }) : null };
  }

  async listSessions(projectId: number, filter: SessionFilter, page: PageRequest): Promise<Page<Session>> {
    return this.rollupReads.listSessions(projectId, filter, page);
  }

  async getSession(projectId: number, sessionId: string, page: PageRequest): Promise<SessionDetail | null> {
    return this.rollupReads.getSession(projectId, sessionId, page);
  }

  async listUsers(projectId: number, filter: UserFilter, page: PageRequest): Promise<Page<User>> {
    return this.rollupReads.listUsers(projectId, filter, page);
  }

  async getUser(projectId: number, userId: string): Promise<User | null> {
    return this.rollupReads.getUser(projectId, userId);
  }

  async listScores(projectId: number, filter: ScoreFilter, page: PageRequest): Promise<Page<Score>> {
    return this.rollupReads.listScores(projectId, filter, page);
  }

  async findSpanTraceId(projectId: number, spanId: string): Promise<string | null> {
    const id = this.db.prepare('SELECT t.id FROM span_ids x JOIN traces t ON t.num = x.trace_num WHERE x.project_id = ? AND x.span_id = ?')
      .pluck().get(projectId, spanId) as string | undefined;
    return id ?? null;
  }

  async ensureProject(name: string): Promise<Project> {
    this.db.prepare('INSERT INTO projects (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING').run(name, Date.now() * 1000);
    return (await this.findProject(name)) as Project;
  }

  async findProject(idOrName: string): Promise<Project | null> {
    const row = (/^\d+$/.test(idOrName)
      ? this.db.prepare('SELECT * FROM projects WHERE id = ? OR name = ? ORDER BY id = ? DESC LIMIT 1').get(Number(idOrName), idOrName, Number(idOrName))
      : this.db.prepare('SELECT * FROM projects WHERE name = ?').get(idOrName)) as { id: number; name: string; created_at: number; settings: string } | undefined;
    return row ? { id: row.id, name: row.name, createdAt: isoFromMicros(row.created_at), settings: JSON.parse(row.settings) as Record<string, unknown> } : null;
  }

  async countProjects(): Promise<number> {
    return this.db.prepare('SELECT count(*) FROM projects').pluck().get() as number;
  }

  async getProjectSettings(projectId: number): Promise<Record<string, unknown> | null> {
    const cached = this.settings.get(projectId);
    if (cached) return cached;
    const text = this.db.prepare('SELECT settings FROM projects WHERE id = ?').pluck().get(projectId) as string | undefined;
    if (text === undefined) return null;
    const settings = JSON.parse(text) as Record<string, unknown>;
    this.settings.set(projectId, settings);
    return settings;
  }

  async updateProjectSettings(projectId: number, patch: Record<string, unknown>): Promise<Record<string, unknown> | null> {
    const text = this.db.prepare('UPDATE projects SET settings = json_patch(settings, ?) WHERE id = ? RETURNING settings').pluck()
      .get(JSON.stringify(patch), projectId) as string | undefined;
    if (text === undefined) return null;
    const settings = JSON.parse(text) as Record<string, unknown>;
    // A new object (never mutated in place), so readers may cache what they derive from it by identity.
    this.settings.set(projectId, settings);
    return settings;
  }

  async createApiKey(k: { id: string; projectId: number; hash: string; prefix: string; scopes: Scope[]; name: string | null }): Promise<void> {
    this.db.prepare('INSERT INTO api_keys (id, project_id, hash, prefix, scopes, name, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(k.id, k.projectId, k.hash, k.prefix, k.scopes.join(','), k.name, Date.now() * 1000);
  }

  async findApiKeyByHash(hash: string): Promise<ApiKeyRecord | null> {
    const row = this.db.prepare('SELECT id, project_id, scopes, name, prefix FROM api_keys WHERE hash = ? AND revoked_at IS NULL').get(hash) as
      { id: string; project_id: number; scopes: string; name: string | null; prefix: string } | undefined;
    return row ? { id: row.id, projectId: row.project_id, scopes: row.scopes.split(',') as Scope[], name: row.name, prefix: row.prefix } : null;
  }

  // ---- analytics (analytics.ts, export.ts) ----

  async metrics(projectId: number, q: MetricsQuery): Promise<MetricsRow[]> {
    return runMetrics(this.db, analyticsDialect, projectId, q);
  }

  async exportTraces(projectId: number, filter: TraceFilter, page: PageRequest): Promise<Page<ExportRecord>> {
    return exportPage(this.db, sqliteDialect, projectId, filter, page);
  }

  async listPrices(projectId: number): Promise<ModelPrice[]> {
    return listPrices(this.db, projectId);
  }

  async putPrices(projectId: number, prices: ModelPrice[]): Promise<void> {
    putPrices(this.db, projectId, prices);
  }

  async deletePrices(projectId: number, modelPattern: string, effectiveFrom?: number): Promise<number> {
    return deletePrices(this.db, projectId, modelPattern, effectiveFrom);
  }
}
