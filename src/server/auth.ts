// Request authentication: the API key from `x-api-key`, `Authorization: Bearer`, or Basic
// (password = key, for Langfuse clients), resolved to its project and scopes.
import type { Scope } from '../model/enums.js';
import type { ApiKeyRecord, Store } from '../store/store.js';
import { LoupeError } from '../errors.js';
import { LruMap } from '../store/lru.js';
import { hashKey } from './keys.js';
import { DEFAULT_FAILURE_THROTTLE, FailureThrottle, KeyRateLimiter, resolveKeyRateLimits, type FailureThrottleOptions, type KeyRateLimits } from './rate-limit.js';

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

export interface AuthOptions {
  /**
   * How long a looked-up key is trusted before the database is asked again (default 1,000 ms):
   * the bound on how long a key revoked elsewhere (the CLI, another server) keeps working here.
   */
  cacheTtlMs?: number;
  /** Failed authentication per client address (rate-limit.ts). */
  failures?: FailureThrottleOptions;
  /** Requests and bytes per second per key (rate-limit.ts); default resolveKeyRateLimits(). */
  rate?: KeyRateLimits;
  /** Clock in ms (tests). */
  now?: () => number;
}

/** A key's last use is written at most this often (it is shown to a minute, and costs a write). */
const TOUCH_EVERY_MS = 60_000;

export class Authenticator {
  // Hash → principal for recently seen keys, so ingest does not hit the database per request. An
  // entry is trusted for cacheTtlMs only: revocation happens in the database, possibly from another
  // process, and must reach this server within a second. After that the entry stays (for the LRU's
  // life) only as proof the key was once good, for the failure throttle.
  private readonly cache = new LruMap<string, { principal: Principal; checkedAt: number; touchedAt: number }>(10_000);
  // Key id → hash of the cached entry, so a key revoked through this server is dropped at once.
  private readonly hashById = new LruMap<string, string>(10_000);
  // Lookups in flight by hash: when a busy key's entry expires, its concurrent requests share one
  // database query instead of each making its own, once a second.
  private readonly lookups = new Map<string, Promise<ApiKeyRecord | null>>();
  private readonly ttlMs: number;
  private readonly now: () => number;
  readonly failures: FailureThrottle;
  readonly rate: KeyRateLimiter;

  constructor(private readonly store: Store, opts: AuthOptions = {}) {
    this.ttlMs = opts.cacheTtlMs ?? 1000;
    this.now = opts.now ?? Date.now;
    this.failures = new FailureThrottle(opts.failures ?? DEFAULT_FAILURE_THROTTLE, this.now);
    this.rate = new KeyRateLimiter(opts.rate ?? resolveKeyRateLimits(), this.now);
  }

  /**
   * The request's principal. `address` is the client's (IP): an address over its failure budget is
   * refused (429) before the database is asked, unless its key was good when last seen here.
   */
  async authenticate(headers: Headers, address?: string): Promise<Principal> {
    const key = keyFromHeaders(headers);
    if (!key) throw new LoupeError('unauthorized', 'an API key is required: send x-api-key, Authorization: Bearer, or Basic auth with the key as password');
    const hash = hashKey(key);
    const now = this.now();
    const cached = this.cache.get(hash);
    if (cached && now - cached.checkedAt < this.ttlMs) return this.used(cached, now);
    // A key this server saw work is looked up again whatever the address: clients sharing an
    // address (a NAT) with someone guessing keys keep working.
    if (!cached) this.failures.check(address);
    const rec = await this.lookup(hash);
    if (!rec) {
      this.cache.delete(hash);
      this.failures.fail(address);
      throw new LoupeError('unauthorized', cached ? 'this API key was revoked' : 'unknown API key');
    }
    const entry = { principal: { projectId: rec.projectId, scopes: rec.scopes, keyId: rec.id }, checkedAt: now, touchedAt: cached?.touchedAt ?? 0 };
    this.cache.set(hash, entry);
    this.hashById.set(rec.id, hash);
    return this.used(entry, now);
  }

  private lookup(hash: string): Promise<ApiKeyRecord | null> {
    let p = this.lookups.get(hash);
    if (!p) {
      p = this.store.findApiKeyByHash(hash).finally(() => this.lookups.delete(hash));
      this.lookups.set(hash, p);
    }
    return p;
  }

  /** Forgets a key revoked through this server: its next request here is looked up (and refused). */
  forget(keyId: string): void {
    const hash = this.hashById.get(keyId);
    if (hash !== undefined) this.cache.delete(hash);
    this.hashById.delete(keyId);
  }

  /** Records the key's use in the store, at most once a minute, without holding the request. */
  private used(entry: { principal: Principal; touchedAt: number }, now: number): Principal {
    if (now - entry.touchedAt >= TOUCH_EVERY_MS) {
      entry.touchedAt = now;
      // Best effort: a busy or unreachable database must not fail the request that merely used the key.
      this.store.touchApiKey(entry.principal.keyId, now * 1000).catch(() => {});
    }
    return entry.principal;
  }

  async require(headers: Headers, scope: Scope, address?: string): Promise<Principal> {
    const p = await this.authenticate(headers, address);
    if (!p.scopes.includes(scope) && !p.scopes.includes('admin')) {
      throw new LoupeError('forbidden', `this key lacks the "${scope}" scope`);
    }
    return p;
  }
}
