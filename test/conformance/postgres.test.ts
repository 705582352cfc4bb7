// The Store conformance suite against PostgreSQL: a private PostgreSQL 15 cluster for this file,
// a fresh database per test. The first database is migrated from empty by init(); the others
// are copies of it (CREATE DATABASE … TEMPLATE), which is much faster than migrating each.
// Skipped only when the server binaries are absent outside CI.
import { afterAll, beforeAll, describe } from 'vitest';
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
});
