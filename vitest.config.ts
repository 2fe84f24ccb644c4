import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The replicas test runs on its own (`npm run test:replicas`, vitest.replicas.config.ts).
    exclude: [...configDefaults.exclude, 'test/replicas/**'],
    // End-to-end tests start real servers; keep them from starving each other on 2 cores.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
