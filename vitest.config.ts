import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts'],
    // Integration tests (marked *.integration.test.ts) start real processes: give them time, run them serially.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: ['default', './scripts/plain-summary-reporter.ts'],
  },
});
