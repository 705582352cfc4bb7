// The PostgreSQL backend (pg Pool): for scale-out, many stateless Loupe servers on one database.
// Migrations run under an advisory lock; writes go through write.ts (one transaction per group,
// durable on COMMIT), reads through read.ts; projects and keys live here.
import pg from 'pg';
import type { Scope } from '../../model/enums.js';
import { isoFromMicros } from '../../model/time.js';
import type { Page, PageRequest, ScoreFilter, SessionFilter, SpanFilter, TraceFilter, TraceInclude, UserFilter } from '../../query/filter.js';
import type { Score, Span, Trace } from '../../model/schemas.js';
import type { Session, SessionDetail, User } from '../../model/rollups.js';
import { listApiKeys, revokeApiKey, touchApiKey } from './api-keys.js';
import type { ApiKeyInfo, ApiKeyRecord, DeleteCounts, Project, RevokeResult, Store, TraceDetail, TraceFacets, TraceSelection, WriteItem } from '../store.js';
import { deleteTraces } from './delete.js';
import { POSTGRES_MIGRATIONS } from './migrations.js';
import { PostgresWritePath } from './write.js';
import { pgTypes, storable } from './dialect.js';
import * as read from './read.js';
import * as rollupReads from './rollup-reads.js';
import { SettingsCache } from './settings.js';
import type { MetricsQuery, MetricsRow } from '../../query/metrics.js';
import type { ExportRecord } from '../../model/export.js';
import type { ModelPrice } from '../../cost/types.js';
import { runMetrics } from './analytics.js';
import { exportPage } from './export.js';
import * as prices from './prices.js';
import { findSpanTraceId } from './span-ids.js';
import { traceFacets } from './trace-facets.js';

export { postgresDialect } from './dialect.js';

export interface PostgresOptions {
  /** Most pooled connections (default 10). */
  maxConnections?: number;
  /**
   * How long project settings are served from memory (default 2000 ms). Other servers on the
   * same database may change them; this bounds how long this one keeps an older copy.
   */
  settingsTtlMs?: number;
}

/** Any fixed number: the advisory lock that serialises migrations across servers. */
const MIGRATION_LOCK = 0x4c6f757065;

interface ProjectRow {
  id: number;
  name: string;
  created_at: number;
  settings: Record<string, unknown>;
}

export class PostgresStore implements Store {
  readonly dialect = 'postgres' as const;
  private readonly pool: pg.Pool;
  private writePath?: PostgresWritePath;
  private closed = false;
  private readonly settings: SettingsCache;

  constructor(readonly url: string, opts: PostgresOptions = {}) {
    this.pool = new pg.Pool({ connectionString: url, max: opts.maxConnections ?? 10, types: pgTypes });
    this.settings = new SettingsCache(this.pool, opts.settingsTtlMs ?? 2000);
    // An idle client losing its connection must not crash the server; the next query reconnects.
    this.pool.on('error', () => {});
  }

  async init(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
      await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)');
      const applied = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
      for (const m of POSTGRES_MIGRATIONS) {
        if (applied.has(m.version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(m.sql);
          await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [m.version, m.name, Date.now() * 1000]);
          await client.query('COMMIT');
        } catch (e) {
          await client.query('ROLLBACK');
          throw e;
        }
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
      client.release();
    }
    this.writePath = new PostgresWritePath(this.pool);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  async writeGroup(items: WriteItem[]): Promise<void> {
    if (!this.writePath) throw new Error('store not initialised');
    await this.writePath.writeGroup(items);
  }

  deleteTraces(projectId: number, select: TraceSelection, limit: number): Promise<DeleteCounts> {
    return deleteTraces(this.pool, projectId, select, limit);
  }

  async listProjects(): Promise<Project[]> {
    const { rows } = await this.pool.query<ProjectRow>('SELECT * FROM projects ORDER BY id');
    return rows.map((r) => ({ id: r.id, name: r.name, createdAt: isoFromMicros(r.created_at), settings: r.settings }));
  }

  listTraces(projectId: number, filter: TraceFilter, page: PageRequest): Promise<Page<Trace>> {
    return read.listTraces(this.pool, projectId, filter, page);
  }

  getTrace(projectId: number, traceId: string): Promise<TraceDetail | null> {
    return read.getTrace(this.pool, projectId, traceId);
  }

  getTraceByNumericId(projectId: number, numericId: number): Promise<TraceDetail | null> {
    return read.getTraceByNumericId(this.pool, projectId, numericId);
  }

  listTracesByOffset(projectId: number, filter: TraceFilter, limit: number, offset: number): Promise<Trace[]> {
    return read.listTracesByOffset(this.pool, projectId, filter, limit, offset);
  }

  traceFacets(projectId: number, traceIds: string[], want: TraceInclude): Promise<Map<string, TraceFacets>> {
    return traceFacets(this.pool, projectId, traceIds, want);
  }

  listSpans(projectId: number, filter: SpanFilter, page: PageRequest): Promise<Page<Span>> {
    return read.listSpans(this.pool, projectId, filter, page);
  }

  listSessions(projectId: number, filter: SessionFilter, page: PageRequest): Promise<Page<Session>> {
    return rollupReads.listSessions(this.pool, projectId, filter, page);
  }

  getSession(projectId: number, sessionId: string, page: PageRequest): Promise<SessionDetail | null> {
    return rollupReads.getSession(this.pool, projectId, sessionId, page);
  }

  listUsers(projectId: number, filter: UserFilter, page: PageRequest): Promise<Page<User>> {
    return rollupReads.listUsers(this.pool, projectId, filter, page);
  }

  getUser(projectId: number, userId: string): Promise<User | null> {
    return rollupReads.getUser(this.pool, projectId, userId);
  }

  listScores(projectId: number, filter: ScoreFilter, page: PageRequest): Promise<Page<Score>> {
    return rollupReads.listScores(this.pool, projectId, filter, page);
  }

  getProjectSettings(projectId: number): Promise<Record<string, unknown> | null> {
    return this.settings.get(projectId);
  }

  updateProjectSettings(projectId: number, patch: Record<string, unknown>): Promise<Record<string, unknown> | null> {
    return this.settings.update(projectId, patch);
  }

  async ensureProject(name: string): Promise<Project> {
    await this.pool.query('INSERT INTO projects (name, created_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [storable(name), Date.now() * 1000]);
    return (await this.findProject(name)) as Project;
  }

  async findProject(idOrName: string): Promise<Project | null> {
    const name = storable(idOrName);
    const rows = /^\d+$/.test(idOrName) && Number.isSafeInteger(Number(idOrName))
      ? (await this.pool.query<ProjectRow>('SELECT * FROM projects WHERE id = $1 OR name = $2 ORDER BY (id = $1) DESC LIMIT 1', [Number(idOrName), name])).rows
      : (await this.pool.query<ProjectRow>('SELECT * FROM projects WHERE name = $1', [name])).rows;
    const row = rows[0];
    return row ? { id: row.id, name: row.name, createdAt: isoFromMicros(row.created_at) as string, settings: row.settings } : null;
  }

  async countProjects(): Promise<number> {
    return (await this.pool.query<{ n: number }>('SELECT count(*) AS n FROM projects')).rows[0].n;
  }

  async createApiKey(k: { id: string; projectId: number; hash: string; prefix: string; scopes: Scope[]; name: string | null }): Promise<void> {
    await this.pool.query('INSERT INTO api_keys (id, project_id, hash, prefix, scopes, name, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
      [k.id, k.projectId, k.hash, k.prefix, k.scopes.join(','), k.name === null ? null : storable(k.name), Date.now() * 1000]);
  }

  async findApiKeyByHash(hash: string): Promise<ApiKeyRecord | null> {
    const { rows } = await this.pool.query<{ id: string; project_id: number; scopes: string; name: string | null; prefix: string }>(
      'SELECT id, project_id, scopes, name, prefix FROM api_keys WHERE hash = $1 AND revoked_at IS NULL', [storable(hash)]);
    const row = rows[0];
    return row ? { id: row.id, projectId: row.project_id, scopes: row.scopes.split(',') as Scope[], name: row.name, prefix: row.prefix } : null;
  }

  listApiKeys(projectId?: number): Promise<ApiKeyInfo[]> { return listApiKeys(this.pool, projectId); }
  revokeApiKey(id: string, projectId?: number): Promise<RevokeResult> { return revokeApiKey(this.pool, id, projectId); }
  touchApiKey(id: string, atMicros: number): Promise<void> { return touchApiKey(this.pool, id, atMicros); }

  // ---- analytics and span id lookup (analytics.ts, export.ts, prices.ts, span-ids.ts) ----
  metrics(projectId: number, q: MetricsQuery): Promise<MetricsRow[]> { return runMetrics(this.pool, projectId, q); }
  exportTraces(projectId: number, filter: TraceFilter, page: PageRequest): Promise<Page<ExportRecord>> { return exportPage(this.pool, projectId, filter, page); }
  listPrices(projectId: number): Promise<ModelPrice[]> { return prices.listPrices(this.pool, projectId); }
  putPrices(projectId: number, list: ModelPrice[]): Promise<void> { return prices.putPrices(this.pool, projectId, list); }
  deletePrices(projectId: number, modelPattern: string, effectiveFrom?: number): Promise<number> { return prices.deletePrices(this.pool, projectId, modelPattern, effectiveFrom); }
  findSpanTraceId(projectId: number, spanId: string): Promise<string | null> { return findSpanTraceId(this.pool, projectId, spanId); }
}

