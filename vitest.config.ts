import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts'],
    // Integration tests (marked *.integration.test.ts) start real processes (Kafka, Prometheus, Chromium,
    // the CLI): give them time, and run one test file at a time so they do not starve each other of the
    // machine's two cores.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
    reporters: ['default', './scripts/plain-summary-reporter.ts'],
  },
});
