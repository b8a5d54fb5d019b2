import { defineConfig } from 'vitest/config';

// One GPU device per process: run test files in forked workers, one at a time per worker
// pool slot, so lavapipe's two cores are not oversubscribed.
export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'benchmarks/test/**/*.test.ts'],
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 120_000,
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
  },
});
