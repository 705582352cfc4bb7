// Request authentication: the API key from `x-api-key`, `Authorization: Bearer`, or Basic
// (password = key, for Langfuse clients), resolved to its project and scopes.
import type { Scope } from '../model/enums.js';
import type { Store } from '../store/store.js';
import { LoupeError } from '../errors.js';
import { LruMap } from '../store/lru.js';
import { hashKey } from './keys.js';

export interface Principal {
  projectId: number;
  scopes: Scope[];
  keyId: string;
}

type Headers = Record<string, string | string[] | undefined>;

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/** The key a request carries, or undefined. */
export function keyFromHeaders(headers: Headers): string | undefined {
  const x = first(headers['x-api-key'])?.trim();
  if (x) return x;
  const auth = first(headers.authorization)?.trim();
  if (!auth) return undefined;
  const [scheme, ...rest] = auth.split(/\s+/);
  const value = rest.join(' ');
  if (/^bearer$/i.test(scheme)) return value || undefined;
  if (/^basic$/i.test(scheme)) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return (colon === -1 ? decoded : decoded.slice(colon + 1)) || undefined;
  }
  return undefined;
}

export class Authenticator {
  // Hash → principal for recently seen keys, so ingest does not hit the database per request.
  private readonly cache = new LruMap<string, Principal>(10_000);

  constructor(private readonly store: Store) {}

  async authenticate(headers: Headers): Promise<Principal> {
    const key = keyFromHeaders(headers);
    if (!key) throw new LoupeError('unauthorized', 'an API key is required: send x-api-key, Authorization: Bearer, or Basic auth with the key as password');
    const hash = hashKey(key);
    const cached = this.cache.get(hash);
    if (cached) return cached;
    const rec = await this.store.findApiKeyByHash(hash);
    if (!rec) throw new LoupeError('unauthorized', 'unknown API key');
    const p: Principal = { projectId: rec.projectId, scopes: rec.scopes, keyId: rec.id };
    this.cache.set(hash, p);
    return p;
  }

  async require(headers: Headers, scope: Scope): Promise<Principal> {
    const p = await this.authenticate(headers);
    if (!p.scopes.includes(scope) && !p.scopes.includes('admin')) {
      throw new LoupeError('forbidden', `this key lacks the "${scope}" scope`);
    }
    return p;
  }
}
