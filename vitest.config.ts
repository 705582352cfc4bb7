import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'web/src/**/*.test.ts', 'sdk/typescript/test/**/*.test.ts'],
    // The browser tests need the built dashboard; it is rebuilt when web/ changed since.
    // The SDK's tests import the built package; it is rebuilt when its sources changed since.
    globalSetup: ['test/e2e/dashboard-build.ts', 'sdk/typescript/test/global-setup.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
