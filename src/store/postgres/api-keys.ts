// API key rows on PostgreSQL: listing, revoking (never a project's last admin key) and last-used
// times. Many servers and the CLI share the database: a revocation locks its project's row first,
// so two revocations in one project are serialised and cannot both pass the last-admin check.
import type pg from 'pg';
import type { ApiKeyInfo, RevokeResult } from '../store.js';
import { isAdmin, keyInfo, LIST_KEYS_SQL, type KeyRow } from '../api-key-row.js';

export async function listApiKeys(pool: pg.Pool, projectId?: number): Promise<ApiKeyInfo[]> {
  const { rows } = projectId === undefined
    ? await pool.query<KeyRow>(`${LIST_KEYS_SQL} ORDER BY k.created_at, k.id`)
    : await pool.query<KeyRow>(`${LIST_KEYS_SQL} WHERE k.project_id = $1 ORDER BY k.created_at, k.id`, [projectId]);
  return rows.map(keyInfo);
}

export async function revokeApiKey(pool: pg.Pool, id: string, projectId?: number): Promise<RevokeResult> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    try {
      const result = await revokeIn(client, id, projectId);
      await client.query('COMMIT');
      return result;
    } catch (e) {
      await client.query('ROLLBACK');
      throw e;
    }
  } finally {
    client.release();
  }
}

async function revokeIn(client: pg.PoolClient, id: string, projectId?: number): Promise<RevokeResult> {
  const found = (await client.query<{ project_id: number }>('SELECT project_id FROM api_keys WHERE id = $1', [id])).rows[0];
  if (!found || (projectId !== undefined && Number(found.project_id) !== projectId)) return 'not_found';
  await client.query('SELECT 1 FROM projects WHERE id = $1 FOR UPDATE', [found.project_id]);
  // Read again under the lock: another revocation may have committed in between.
  const key = (await client.query<{ scopes: string; revoked_at: number | null }>('SELECT scopes, revoked_at FROM api_keys WHERE id = $1', [id])).rows[0];
  if (key.revoked_at !== null) return 'already_revoked';
  if (isAdmin(key.scopes)) {
    const { rows } = await client.query<{ scopes: string }>('SELECT scopes FROM api_keys WHERE project_id = $1 AND revoked_at IS NULL', [found.project_id]);
    if (rows.filter((r) => isAdmin(r.scopes)).length <= 1) return 'last_admin';
  }
  await client.query('UPDATE api_keys SET revoked_at = $1 WHERE id = $2', [Date.now() * 1000, id]);
  return 'revoked';
}

export async function touchApiKey(pool: pg.Pool, id: string, atMicros: number): Promise<void> {
  await pool.query('UPDATE api_keys SET last_used_at = $1 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $1)', [atMicros, id]);
}
