import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // One DynamoDB Local (in memory) and one local gateway for the whole run; see test/support/globalSetup.ts.
    globalSetup: ['test/support/globalSetup.ts'],
    setupFiles: ['test/support/setupEnv.ts'],
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
