// API key rows on SQLite: listing, revoking (never a project's last admin key) and last-used
// times. Revocation runs in one IMMEDIATE transaction, so the "is it the last admin key" count and
// the update cannot interleave with another process revoking (the CLI beside a server).
import type Database from 'better-sqlite3';
import type { ApiKeyInfo, RevokeResult } from '../store.js';
import { isAdmin, keyInfo, LIST_KEYS_SQL, type KeyRow } from '../api-key-row.js';

export function listApiKeys(db: Database.Database, projectId?: number): ApiKeyInfo[] {
  const rows = (projectId === undefined
    ? db.prepare(`${LIST_KEYS_SQL} ORDER BY k.created_at, k.id`).all()
    : db.prepare(`${LIST_KEYS_SQL} WHERE k.project_id = ? ORDER BY k.created_at, k.id`).all(projectId)) as KeyRow[];
  return rows.map(keyInfo);
}

export function revokeApiKey(db: Database.Database, id: string, projectId?: number): RevokeResult {
  const run = db.transaction((): RevokeResult => {
    const key = db.prepare('SELECT project_id, scopes, revoked_at FROM api_keys WHERE id = ?').get(id) as
      { project_id: number; scopes: string; revoked_at: number | null } | undefined;
    if (!key || (projectId !== undefined && key.project_id !== projectId)) return 'not_found';
    if (key.revoked_at !== null) return 'already_revoked';
    if (isAdmin(key.scopes)) {
      const admins = db.prepare('SELECT scopes FROM api_keys WHERE project_id = ? AND revoked_at IS NULL').pluck().all(key.project_id) as string[];
      if (admins.filter(isAdmin).length <= 1) return 'last_admin';
    }
    db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ?').run(Date.now() * 1000, id);
    return 'revoked';
  });
  return run.immediate();
}

export function touchApiKey(db: Database.Database, id: string, atMicros: number): void {
  db.prepare('UPDATE api_keys SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)').run(atMicros, id, atMicros);
}

