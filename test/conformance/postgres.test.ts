// The Store conformance suite against PostgreSQL: a private PostgreSQL 15 cluster for this file,
// a fresh database per test. Skipped only when the server binaries are absent outside CI.
import { afterAll, beforeAll, describe } from 'vitest';
import { PostgresStore } from '../../src/store/postgres/index.js';
import { postgresAvailable, startPostgres, type PrivatePostgres } from '../support/postgres.js';
import { storeConformance } from './store-suite.js';

const available = postgresAvailable();
let cluster: PrivatePostgres | undefined;

describe.skipIf(!available)('postgres', () => {
  beforeAll(async () => {
    cluster = await startPostgres();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  storeConformance({
    name: 'postgres',
    async database() {
      if (!cluster) throw new Error('PostgreSQL cluster did not start');
      const url = await cluster.createDatabase();
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
