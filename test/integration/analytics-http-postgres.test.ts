// The same sessions, users, scores and filter cases over HTTP, on a private PostgreSQL cluster:
// the API answers exactly the hand-computed values on both backends. Skipped only when the
// PostgreSQL server binaries are absent.
import { afterAll, beforeAll, describe } from 'vitest';
import { postgresAvailable, startPostgres, type PrivatePostgres } from '../support/postgres.js';
import { analyticsHttpTests } from './analytics-http.cases.js';

describe.skipIf(!postgresAvailable())('postgres', () => {
  let cluster: PrivatePostgres | undefined;
  beforeAll(async () => {
    cluster = await startPostgres();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  analyticsHttpTests({
    name: 'postgres',
    async dbUrl() {
      if (!cluster) throw new Error('PostgreSQL cluster did not start');
      return cluster.createDatabase('analytics');
    },
  });
});
