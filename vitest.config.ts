import { defineConfig } from 'vitest/config';

// Each test file gets its own process (one GPU device each) and files run one at a time.
export default defineConfig({
  test: {
    include: [
      'packages/*/test/**/*.test.ts',
      'benchmarks/test/**/*.test.ts',
      'benchmarks/variants/test/**/*.test.ts',
      'examples/*/test/**/*.test.ts',
      'lab/test/**/*.test.ts',
      'test/**/*.test.ts',
    ],
    pool: 'forks',
    // One GPU process at a time: two lavapipe instances on two cores slow each other down many times over.
    poolOptions: { forks: { maxForks: 1, minForks: 1 } },
    testTimeout: 300_000,
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
    // One temp dir per run, removed at its end (JEPA_KEEP_TEST_TMP=1 keeps it for a post-mortem).
    globalSetup: ['test/scratch-tmp.ts'],
  },
});
