// The key cache: trusted for its TTL only, one lookup for concurrent requests after it expires,
// forget() for keys revoked through this server, and the failure throttle skipping keys seen good.
import { expect, test } from 'vitest';
import type { ApiKeyRecord, Store } from '../store/store.js';
import { Authenticator } from './auth.js';
import { hashKey } from './keys.js';

function fakeStore(keys: Map<string, ApiKeyRecord>): { store: Store; lookups: () => number } {
  let n = 0;
  const store = {
    async findApiKeyByHash(hash: string) {
      n++;
      await new Promise((r) => setTimeout(r, 5));
      return keys.get(hash) ?? null;
    },
    async touchApiKey() {},
  } as unknown as Store;
  return { store, lookups: () => n };
}

const rec: ApiKeyRecord = { id: 'k1', projectId: 1, scopes: ['read'], name: null, prefix: 'lp_x' };
const headers = { 'x-api-key': 'lp_good' };

test('an entry is trusted for the TTL, then looked up again (once for concurrent requests); a revoked key is refused', async () => {
  let now = 0;
  const keys = new Map([[hashKey('lp_good'), rec]]);
  const { store, lookups } = fakeStore(keys);
  const auth = new Authenticator(store, { now: () => now, rate: { requestsPerSec: 0, bytesPerSec: 0 } });
  await auth.authenticate(headers);
  await auth.authenticate(headers);
  expect(lookups()).toBe(1);
  now += 1000;
  await Promise.all(Array.from({ length: 20 }, () => auth.authenticate(headers)));
  expect(lookups()).toBe(2);
  keys.clear(); // revoked elsewhere
  await auth.authenticate(headers); // still within its second
  now += 1000;
  await expect(auth.authenticate(headers)).rejects.toMatchObject({ code: 'unauthorized' });
});

test('forget() drops a key at once', async () => {
  const keys = new Map([[hashKey('lp_good'), rec]]);
  const { store } = fakeStore(keys);
  const auth = new Authenticator(store, { rate: { requestsPerSec: 0, bytesPerSec: 0 } });
  await auth.authenticate(headers);
  keys.clear();
  auth.forget('k1');
  await expect(auth.authenticate(headers)).rejects.toMatchObject({ code: 'unauthorized' });
});

test('a blocked address is refused without a lookup, except for a key seen good here', async () => {
  let now = 0;
  const keys = new Map([[hashKey('lp_good'), rec]]);
  const { store, lookups } = fakeStore(keys);
  const auth = new Authenticator(store, { now: () => now, rate: { requestsPerSec: 0, bytesPerSec: 0 }, failures: { maxFailures: 2, windowMs: 60_000, blockMs: 60_000 } });
  await auth.authenticate(headers, '10.0.0.1');
  for (const k of ['lp_a', 'lp_b']) await expect(auth.authenticate({ 'x-api-key': k }, '10.0.0.1')).rejects.toMatchObject({ code: 'unauthorized' });
  const before = lookups();
  await expect(auth.authenticate({ 'x-api-key': 'lp_c' }, '10.0.0.1')).rejects.toMatchObject({ code: 'rate_limited' });
  expect(lookups()).toBe(before);
  now += 5000; // the good key's entry expired: it is looked up again despite the block
  expect((await auth.authenticate(headers, '10.0.0.1')).keyId).toBe('k1');
  await expect(auth.authenticate({ 'x-api-key': 'lp_d' }, '10.0.0.2')).rejects.toMatchObject({ code: 'unauthorized' });
});
