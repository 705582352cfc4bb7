// Contracts for API keys: listing (revoked included, never a hash), revoking (a revoked key is
// never found again, by this Store or another on the same database), and the last admin key of a
// project, which MUST never be revoked, even by two revocations racing from two instances.
import { expect } from 'vitest';
import type { Suite } from './harness.js';
import type { Store } from '../../src/store/store.js';
import type { Scope } from '../../src/model/enums.js';

async function addKey(store: Store, projectId: number, id: string, scopes: Scope[]): Promise<string> {
  const hash = `hash-${id}`;
  await store.createApiKey({ id, projectId, hash, prefix: `lp_${id}`.slice(0, 10), scopes, name: `key ${id}` });
  return hash;
}

export function apiKeyContracts(suite: Suite): void {
  suite.it('keys are listed with project, scopes and times, revoked ones included', async ({ store, projectId }) => {
    const other = (await store.ensureProject('other keys')).id;
    await addKey(store, projectId, 'k1', ['admin', 'ingest', 'read']);
    await addKey(store, projectId, 'k2', ['ingest']);
    await addKey(store, other, 'k3', ['admin']);
    expect(await store.revokeApiKey('k2')).toBe('revoked');
    const all = await store.listApiKeys();
    expect(all.map((k) => k.id).sort()).toEqual(['k1', 'k2', 'k3']);
    const mine = await store.listApiKeys(projectId);
    expect(mine.map((k) => k.id).sort()).toEqual(['k1', 'k2']);
    const k2 = mine.find((k) => k.id === 'k2')!;
    expect(k2).toMatchObject({ projectId, projectName: 'conformance', scopes: ['ingest'], name: 'key k2', prefix: 'lp_k2', lastUsedAt: null });
    expect(Date.parse(k2.createdAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(Date.parse(k2.revokedAt!)).toBeGreaterThan(Date.now() - 60_000);
    expect(mine.find((k) => k.id === 'k1')!.revokedAt).toBeNull();
    expect(JSON.stringify(all)).not.toContain('hash-');
  });

  suite.it('a revoked key is not found, by this store or another on the same database', async ({ store, projectId, openAnother }) => {
    const hash = await addKey(store, projectId, 'r1', ['ingest']);
    const other = await openAnother();
    expect((await other.findApiKeyByHash(hash))?.id).toBe('r1');
    expect(await other.revokeApiKey('r1')).toBe('revoked');
    expect(await store.findApiKeyByHash(hash)).toBeNull();
    expect(await other.findApiKeyByHash(hash)).toBeNull();
    expect(await store.revokeApiKey('r1')).toBe('already_revoked');
    expect(await store.revokeApiKey('nope')).toBe('not_found');
  });

  suite.it('revoking within a project refuses keys of other projects', async ({ store, projectId }) => {
    const other = (await store.ensureProject('elsewhere')).id;
    await addKey(store, other, 'x1', ['ingest']);
    expect(await store.revokeApiKey('x1', projectId)).toBe('not_found');
    expect(await store.revokeApiKey('x1', other)).toBe('revoked');
  });

  suite.it('the last admin key of a project is never revoked, even by two racing revocations', async ({ store, projectId, openAnother }) => {
    await addKey(store, projectId, 'a1', ['admin', 'read']);
    await addKey(store, projectId, 'a2', ['admin']);
    await addKey(store, projectId, 'i1', ['ingest']);
    const other = await openAnother();
    const results = await Promise.all([store.revokeApiKey('a1'), other.revokeApiKey('a2')]);
    expect(results.sort()).toEqual(['last_admin', 'revoked']);
    const left = (await store.listApiKeys(projectId)).filter((k) => k.revokedAt === null && k.scopes.includes('admin'));
    expect(left).toHaveLength(1);
    expect(await store.revokeApiKey(left[0].id)).toBe('last_admin');
    // keys without admin go whatever is left
    expect(await store.revokeApiKey('i1')).toBe('revoked');
  });

  suite.it('last use is recorded and never moves back', async ({ store, projectId }) => {
    await addKey(store, projectId, 'u1', ['read']);
    const t = Date.now() * 1000;
    await store.touchApiKey('u1', t);
    await store.touchApiKey('u1', t - 5_000_000);
    const k = (await store.listApiKeys(projectId)).find((x) => x.id === 'u1')!;
    expect(Date.parse(k.lastUsedAt!)).toBe(Math.floor(t / 1000));
  });
}
