import { defineConfig } from 'vitest/config';

/**
 * Replicas behind a real load balancer (test/replicas): several servers and haproxy at once, so
 * it runs alone, after the main suite, with `npm run test:replicas`.
 */
export default defineConfig({
  test: {
    include: ['test/replicas/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
