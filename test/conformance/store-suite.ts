// The Store conformance suite (Jaeger's pattern): written once, run against every backend through
// the Store interface (and the Writer for group commit). A backend runs every test unless it opts
// out of one by its exact name with a written reason; an opt-out naming no test is an error.
import { describe, test } from 'vitest';
import { makeSuite, type ConformanceBackend } from './harness.js';
import { writeContracts } from './writes.js';
import { readContracts } from './reads.js';
import { listContracts } from './filters.js';
import { analyticsContracts } from './analytics.js';
import { metricsContracts } from './metrics.js';
import { exportContracts, priceContracts, spanIdContracts } from './export-prices.js';
import { traceFacetContracts } from './trace-facets.js';
import { badRowContracts } from './bad-rows.js';
import { apiKeyContracts } from './api-keys.js';
import { concurrentDeleteContracts, deleteContracts, purgeContracts } from './deletes.js';

export type { ConformanceBackend, ConformanceDatabase } from './harness.js';

export function storeConformance(backend: ConformanceBackend): void {
  describe(`Store conformance: ${backend.name}`, () => {
    const suite = makeSuite(backend);
    writeContracts(suite);
    readContracts(suite);
    listContracts(suite);
    analyticsContracts(suite);
    metricsContracts(suite);
    exportContracts(suite);
    priceContracts(suite);
    spanIdContracts(suite);
    traceFacetContracts(suite);
    badRowContracts(suite);
    apiKeyContracts(suite);
    deleteContracts(suite);
    purgeContracts(suite);
    concurrentDeleteContracts(suite);
    const unknown = Object.keys(backend.optOut ?? {}).filter((n) => !suite.names.has(n));
    test('opt-outs name real tests', () => {
      if (unknown.length) throw new Error(`${backend.name} opts out of tests that do not exist: ${unknown.join(', ')}`);
    });
  });
}
