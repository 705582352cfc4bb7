// The Store conformance suite against PostgreSQL: a private PostgreSQL 15 cluster for this file,
// a fresh database per test. The first database is migrated from empty by init(); the others
// are copies of it (CREATE DATABASE … TEMPLATE), which is much faster than migrating each.
// Skipped only when the server binaries are absent outside CI.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PostgresStore } from '../../src/store/postgres/index.js';
import { postgresAvailable, startPostgres, type PrivatePostgres } from '../support/postgres.js';
import { storeConformance } from './store-suite.js';

const available = postgresAvailable();
const TEMPLATE = 'loupe_migrated';
let cluster: PrivatePostgres | undefined;

describe.skipIf(!available)('postgres', () => {
  beforeAll(async () => {
    cluster = await startPostgres();
    const store = new PostgresStore(await cluster.createDatabase(TEMPLATE));
    await store.init();
    await store.close();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  storeConformance({
    name: 'postgres',
    async database() {
      if (!cluster) throw new Error('PostgreSQL cluster did not start');
      const url = await cluster.createDatabase(undefined, TEMPLATE);
      return {
        async open() {
          const store = new PostgresStore(url);
          await store.init();
          return store;
        },
      };
    },
  });

  // PostgreSQL only: several servers share one database, so a settings copy in memory lives for
  // a TTL; another server's change is seen once it has passed (here: at once, TTL 0), not before.
  test('project settings changed by another server are seen after the cache TTL', async () => {
    if (!cluster) throw new Error('PostgreSQL cluster did not start');
    const url = await cluster.createDatabase(undefined, TEMPLATE);
    const stores = [new PostgresStore(url, { settingsTtlMs: 0 }), new PostgresStore(url, { settingsTtlMs: 3_600_000 }), new PostgresStore(url)];
    const [fresh, cached, writer] = stores;
    try {
      for (const s of stores) await s.init();
      const p = (await writer.ensureProject('settings')).id;
      expect(await fresh.getProjectSettings(p)).toEqual({});
      const before = await cached.getProjectSettings(p);
      expect(before).toEqual({});
      await writer.updateProjectSettings(p, { sampling: { rate: 0.1 } });
      expect(await fresh.getProjectSettings(p)).toEqual({ sampling: { rate: 0.1 } });
      // within its TTL a server keeps its copy (the same object: derived caches stay valid)
      expect(await cached.getProjectSettings(p)).toBe(before);
      // an unchanged reload keeps the object too
      const a = await fresh.getProjectSettings(p);
      expect(await fresh.getProjectSettings(p)).toBe(a);
    } finally {
      for (const s of stores) await s.close();
    }
  });
});
