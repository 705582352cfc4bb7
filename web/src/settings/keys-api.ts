// The key API's shapes (src/server/routes/keys.ts, admin scope) and its calls.
import { api } from '../lib/api';
import type { ApiKey } from '../../../src/server/routes/keys';
import type { Scope } from '../../../src/model/enums';

export type { ApiKey, Scope };

/** POST /api/v1/keys answers the key itself, once. */
export interface CreatedKey extends ApiKey {
  key: string;
}

/** A Record so that a scope added on the server fails the typecheck here until it is described. */
const WHAT: Record<Scope, string> = {
  ingest: 'send traces, spans and scores',
  read: 'read traces and use the dashboard',
  admin: 'change settings, prices and keys',
};

export const SCOPES = (Object.keys(WHAT) as Scope[]).map((scope) => ({ scope, what: WHAT[scope] }));

export const PATH = '/api/v1/keys';
export const QUERY = ['settings', 'keys'];

export const listKeys = () => api<{ data: ApiKey[] }>(PATH).then((r) => r.data);

export const createKey = (body: { name: string | null; scopes: Scope[] }) => api<CreatedKey>(PATH, { method: 'POST', body: JSON.stringify(body) });

export const revokeKey = (id: string) => api<ApiKey>(`${PATH}/${encodeURIComponent(id)}`, { method: 'DELETE' });
