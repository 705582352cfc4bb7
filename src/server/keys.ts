// API keys: how they are made, hashed and recognised. Only the SHA-256 of a key is stored.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Scope } from '../model/enums.js';
import type { Store } from '../store/store.js';

export const KEY_PREFIX = 'lp_';

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export interface NewKey {
  key: string;
  id: string;
}

/** Creates a key for the project and returns it; the plain key exists only in the return value. */
export async function createKey(store: Store, projectId: number, scopes: Scope[], name: string | null = null): Promise<NewKey> {
  const key = `${KEY_PREFIX}${randomBytes(24).toString('base64url')}`;
  const id = randomUUID();
  await store.createApiKey({ id, projectId, hash: hashKey(key), prefix: key.slice(0, 10), scopes, name });
  return { key, id };
}
