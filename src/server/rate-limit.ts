// Limits per API key and per address: token buckets for each key's requests and bytes per second,
// and a throttle on failed authentication by client address. Both are per server process (N
// servers on one PostgreSQL let a key through at up to N times the rate) and bounded in memory:
// state lives in LRU maps, so a flood of keys or addresses forgets the least recent, never grows.
import { layered } from './limits.js';
import { LoupeError } from '../errors.js';
import { LruMap } from '../store/lru.js';

export interface KeyRateLimits {
  /** Requests per second per key (HTTP and gRPC together); a burst of one second's worth. 0: no limit. */
  requestsPerSec: number;
  /** Request body bytes per second per key, by the declared length (gRPC: the message). 0: no limit. */
  bytesPerSec: number;
}

/** Generous: they stop a runaway client, not normal ingest (one SQLite server commits well under 64 MiB/s of bodies). */
export const DEFAULT_KEY_RATE_LIMITS: KeyRateLimits = { requestsPerSec: 1000, bytesPerSec: 64 * 1024 * 1024 };

const KEY_ENV: Record<keyof KeyRateLimits, string> = { requestsPerSec: 'LOUPE_KEY_RPS', bytesPerSec: 'LOUPE_KEY_BYTES_PER_SEC' };

/** Defaults, then LOUPE_KEY_RPS / LOUPE_KEY_BYTES_PER_SEC, then `overrides`; each a non-negative number. */
export function resolveKeyRateLimits(overrides: Partial<KeyRateLimits> = {}, env: NodeJS.ProcessEnv = process.env): KeyRateLimits {
  return layered<KeyRateLimits>(DEFAULT_KEY_RATE_LIMITS, KEY_ENV, overrides, env, (v) => Number.isFinite(v) && v >= 0, 'a number ≥ 0 (0: no limit)');
}

/**
 * Tokens refill at `rate` per second up to `rate` (one second of burst). A request of n tokens is
 * admitted once min(n, capacity) are there and then takes all n, going into debt if need be: a
 * body larger than one second's worth still passes (when the bucket is full), and pays for itself
 * by the wait it puts on the next ones.
 */
class Bucket {
  private tokens: number;
  private at: number;

  constructor(private readonly rate: number, now: number) {
    this.tokens = rate;
    this.at = now;
  }

  /** Seconds until `n` could be taken (0: now). */
  wait(n: number, now: number): number {
    this.tokens = Math.min(this.rate, this.tokens + ((now - this.at) / 1000) * this.rate);
    this.at = now;
    const need = Math.min(n, this.rate);
    return this.tokens >= need ? 0 : (need - this.tokens) / this.rate;
  }

  take(n: number): void {
    this.tokens -= n;
  }
}

function rateLimited(what: string, waitSec: number): LoupeError {
  const e = new LoupeError('rate_limited', `this key is over its ${what}; retry after the Retry-After seconds`);
  // Whole seconds (the header's unit), never 0: a client told 0 would retry at once.
  e.retryAfter = Math.max(1, Math.ceil(waitSec));
  return e;
}

export class KeyRateLimiter {
  private readonly buckets = new LruMap<string, { requests?: Bucket; bytes?: Bucket }>(10_000);

  constructor(private readonly limits: KeyRateLimits, private readonly now: () => number = Date.now) {}

  /**
   * Admits `requests` (0 or 1) and `bytes` for the key, or throws 429 rate_limited with the seconds
   * until both would pass. A refused request takes nothing.
   */
  admit(keyId: string, requests: number, bytes: number): void {
    const { requestsPerSec: rps, bytesPerSec: bps } = this.limits;
    if ((rps <= 0 || requests <= 0) && (bps <= 0 || bytes <= 0)) return;
    const now = this.now();
    let b = this.buckets.get(keyId);
    if (!b) {
      b = { requests: rps > 0 ? new Bucket(rps, now) : undefined, bytes: bps > 0 ? new Bucket(bps, now) : undefined };
      this.buckets.set(keyId, b);
    }
    const waitReq = requests > 0 && b.requests ? b.requests.wait(requests, now) : 0;
    const waitBytes = bytes > 0 && b.bytes ? b.bytes.wait(bytes, now) : 0;
    if (waitReq > 0 || waitBytes > 0) {
      throw rateLimited(waitBytes > waitReq ? `${bps} bytes per second` : `${rps} requests per second`, Math.max(waitReq, waitBytes));
    }
    if (requests > 0) b.requests?.take(requests);
    if (bytes > 0) b.bytes?.take(bytes);
  }

  /** Charges bytes already read (a chunked body declares no length): later requests wait for them. */
  charge(keyId: string, bytes: number): void {
    const b = this.buckets.get(keyId)?.bytes;
    if (b && bytes > 0) {
      b.wait(0, this.now()); // refill up to now first
      b.take(bytes);
    }
  }
}

export interface FailureThrottleOptions {
  /** Failed authentications from one address within `windowMs` before it is refused (default 20). */
  maxFailures: number;
  windowMs: number;
  /** How long an address is refused once over (default 60 s). */
  blockMs: number;
}

export const DEFAULT_FAILURE_THROTTLE: FailureThrottleOptions = { maxFailures: 20, windowMs: 60_000, blockMs: 60_000 };

/**
 * Failed authentication by client address: after maxFailures unknown keys within windowMs, the
 * address is refused for blockMs (429 with Retry-After) before any database lookup. Successes
 * neither count nor reset anything. 10,000 addresses at most (an LRU).
 */
export class FailureThrottle {
  private readonly seen = new LruMap<string, { windowStart: number; failures: number; blockedUntil: number }>(10_000);

  constructor(private readonly opts: FailureThrottleOptions = DEFAULT_FAILURE_THROTTLE, private readonly now: () => number = Date.now) {}

  /** Throws 429 rate_limited while the address is refused. */
  check(address: string | undefined): void {
    if (address === undefined || this.opts.maxFailures <= 0) return;
    const s = this.seen.get(address);
    const now = this.now();
    if (s && s.blockedUntil > now) {
      const e = new LoupeError('rate_limited', 'too many failed authentications from this address; retry after the Retry-After seconds');
      e.retryAfter = Math.max(1, Math.ceil((s.blockedUntil - now) / 1000));
      throw e;
    }
  }

  fail(address: string | undefined): void {
    if (address === undefined || this.opts.maxFailures <= 0) return;
    const now = this.now();
    let s = this.seen.get(address);
    if (!s || now - s.windowStart >= this.opts.windowMs || (s.blockedUntil !== 0 && s.blockedUntil <= now)) {
      s = { windowStart: now, failures: 0, blockedUntil: 0 };
      this.seen.set(address, s);
    }
    s.failures += 1;
    if (s.failures >= this.opts.maxFailures) s.blockedUntil = now + this.opts.blockMs;
  }
}
