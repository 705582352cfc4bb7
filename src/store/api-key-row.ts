// An api_keys row (joined with its project's name) as both backends read it, and the SQL that
// selects it: the same columns and types in both dialects.
import type { Scope } from '../model/enums.js';
import { isoFromMicros } from '../model/time.js';
import type { ApiKeyInfo } from './store.js';

export interface KeyRow {
  id: string;
  project_id: number;
  project_name: string;
  scopes: string;
  name: string | null;
  prefix: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export const LIST_KEYS_SQL = `SELECT k.id, k.project_id, p.name AS project_name, k.scopes, k.name, k.prefix, k.created_at, k.last_used_at, k.revoked_at
  FROM api_keys k JOIN projects p ON p.id = k.project_id`;

export function keyInfo(r: KeyRow): ApiKeyInfo {
  return {
    id: r.id,
    projectId: Number(r.project_id),
    projectName: r.project_name,
    scopes: r.scopes.split(',') as Scope[],
    name: r.name,
    prefix: r.prefix,
    createdAt: isoFromMicros(Number(r.created_at)) as string,
    lastUsedAt: r.last_used_at === null ? null : (isoFromMicros(Number(r.last_used_at)) as string),
    revokedAt: r.revoked_at === null ? null : (isoFromMicros(Number(r.revoked_at)) as string),
  };
}

/** Scopes are stored comma-joined (`admin,ingest,read`). */
export const isAdmin = (scopes: string): boolean => scopes.split(',').includes('admin');
