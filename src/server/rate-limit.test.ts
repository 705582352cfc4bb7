// Token buckets per key and the failed-auth throttle, on a fake clock.
import { expect, test } from 'vitest';
import { LoupeError } from '../errors.js';
import { FailureThrottle, KeyRateLimiter } from './rate-limit.js';

function refused(f: () => void): LoupeError | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    return e as LoupeError;
  }
}

test('requests: a second of burst, then refusals with the seconds until a token; refills with time', () => {
  let now = 0;
  const r = new KeyRateLimiter({ requestsPerSec: 4, bytesPerSec: 0 }, () => now);
  for (let i = 0; i < 4; i++) expect(refused(() => r.admit('k', 1, 0))).toBeUndefined();
  const e = refused(() => r.admit('k', 1, 0));
  expect(e?.code).toBe('rate_limited');
  expect(e?.retryAfter).toBe(1);
  expect(refused(() => r.admit('other', 1, 0))).toBeUndefined(); // per key
  now += 250;
  expect(refused(() => r.admit('k', 1, 0))).toBeUndefined();
  expect(refused(() => r.admit('k', 1, 0))).toBeDefined();
});

test('bytes: a body larger than the burst passes on a full bucket, and the debt is waited out', () => {
  let now = 0;
  const r = new KeyRateLimiter({ requestsPerSec: 0, bytesPerSec: 1000 }, () => now);
  expect(refused(() => r.admit('k', 1, 5000))).toBeUndefined();
  const e = refused(() => r.admit('k', 1, 10));
  expect(e?.retryAfter).toBe(5); // 4,010 bytes of debt at 1,000/s
  now += 4010;
  expect(refused(() => r.admit('k', 1, 10))).toBeUndefined();
  // a refused request takes nothing
  now += 1000;
  expect(refused(() => r.admit('k', 1, 990))).toBeUndefined();
  expect(refused(() => r.admit('k', 1, 500))).toBeDefined();
  now += 500;
  expect(refused(() => r.admit('k', 1, 500))).toBeUndefined();
  // chunked bodies are charged after the fact
  r.charge('k', 3000);
  expect(refused(() => r.admit('k', 1, 1))?.retryAfter).toBe(3); // 10 left - 3,000 = 2,990 in debt
});

test('0 turns a limit off', () => {
  const r = new KeyRateLimiter({ requestsPerSec: 0, bytesPerSec: 0 }, () => 0);
  for (let i = 0; i < 10_000; i++) r.admit('k', 1, 1e9);
});

test('failed auth: blocked after N failures within the window, for blockMs; others and unknown addresses unaffected', () => {
  let now = 0;
  const t = new FailureThrottle({ maxFailures: 3, windowMs: 10_000, blockMs: 5_000 }, () => now);
  t.fail('1.2.3.4');
  t.fail('1.2.3.4');
  expect(refused(() => t.check('1.2.3.4'))).toBeUndefined();
  t.fail('1.2.3.4');
  const e = refused(() => t.check('1.2.3.4'));
  expect(e?.code).toBe('rate_limited');
  expect(e?.retryAfter).toBe(5);
  expect(refused(() => t.check('5.6.7.8'))).toBeUndefined();
  expect(refused(() => t.check(undefined))).toBeUndefined();
  now += 5_000;
  expect(refused(() => t.check('1.2.3.4'))).toBeUndefined();
  // failures spread wider than the window never block
  const u = new FailureThrottle({ maxFailures: 3, windowMs: 1_000, blockMs: 5_000 }, () => now);
  for (let i = 0; i < 10; i++) {
    u.fail('9.9.9.9');
    now += 600;
  }
  expect(refused(() => u.check('9.9.9.9'))).toBeUndefined();
});
