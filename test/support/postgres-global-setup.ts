// Vitest globalSetup form of the private cluster: one PostgreSQL for the whole run, its URL
// handed to tests as inject('postgresUrl'). Use it by adding this file to `globalSetup` in a
// vitest config; the test files in this repository start their own cluster in beforeAll instead.
import type { TestProject } from 'vitest/node';
import { postgresAvailable, startPostgres } from './postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Superuser URL of the run's private cluster, or '' when PostgreSQL is not installed. */
    postgresUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (!postgresAvailable()) {
    project.provide('postgresUrl', '');
    return async () => {};
  }
  const cluster = await startPostgres();
  project.provide('postgresUrl', cluster.url);
  return () => cluster.stop();
}
