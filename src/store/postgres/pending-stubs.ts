// TEMPORARY (branch postgres3 only; delete this file and its two lines in index.ts when merging):
// Store methods another branch implements for PostgreSQL at the same time (numeric id and offset
// reads, project settings, sessions, users, scores). They are declared here so this branch
// type-checks, and filled in only where the class has no method of that name, so the real ones
// always win. Project settings get a plain working version: the server's ingest path reads them.
import type pg from 'pg';
import { LoupeError } from '../../errors.js';
import type { Score } from '../../model/schemas.js';
import type { Session, SessionDetail, User } from '../../model/rollups.js';
import type { Page, PageRequest, ScoreFilter, SessionFilter, TraceFilter, UserFilter } from '../../query/filter.js';
import type { Trace } from '../../model/schemas.js';
import type { TraceDetail } from '../store.js';

declare module './index.js' {
  interface PostgresStore {
    getTraceByNumericId(projectId: number, numericId: number): Promise<TraceDetail | null>;
    listTracesByOffset(projectId: number, filter: TraceFilter, limit: number, offset: number): Promise<Trace[]>;
    listSessions(projectId: number, filter: SessionFilter, page: PageRequest): Promise<Page<Session>>;
    getSession(projectId: number, sessionId: string, page: PageRequest): Promise<SessionDetail | null>;
    listUsers(projectId: number, filter: UserFilter, page: PageRequest): Promise<Page<User>>;
    getUser(projectId: number, userId: string): Promise<User | null>;
    listScores(projectId: number, filter: ScoreFilter, page: PageRequest): Promise<Page<Score>>;
    getProjectSettings(projectId: number): Promise<Record<string, unknown> | null>;
    updateProjectSettings(projectId: number, patch: Record<string, unknown>): Promise<Record<string, unknown> | null>;
  }
}

const missing = (name: string) => async () => {
  throw new LoupeError('internal', `${name} is not implemented on PostgreSQL in this build`);
};

export function installPendingStubs(cls: { prototype: object }): void {
  const proto = cls.prototype as Record<string, unknown>;
  const pool = (self: unknown) => (self as { pool: pg.Pool }).pool;
  const stubs: Record<string, unknown> = {
    async getProjectSettings(this: unknown, projectId: number) {
      const { rows } = await pool(this).query<{ settings: Record<string, unknown> }>('SELECT settings FROM projects WHERE id = $1', [projectId]);
      return rows[0]?.settings ?? null;
    },
    async updateProjectSettings(this: unknown, projectId: number, patch: Record<string, unknown>) {
      const { rows } = await pool(this).query<{ settings: Record<string, unknown> }>(
        'UPDATE projects SET settings = loupe_merge_patch(settings, $1::jsonb) WHERE id = $2 RETURNING settings', [JSON.stringify(patch), projectId]);
      return rows[0]?.settings ?? null;
    },
  };
  for (const name of ['getTraceByNumericId', 'listTracesByOffset', 'listSessions', 'getSession', 'listUsers', 'getUser', 'listScores']) stubs[name] = missing(name);
  for (const [name, fn] of Object.entries(stubs)) if (typeof proto[name] !== 'function') proto[name] = fn;
}
