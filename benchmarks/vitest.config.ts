import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Only the specs: dist holds compiled benchmarks, never tests to run.
    include: ['test/**/*.test.ts'],
    // The bounce test and the HTTP load test run the real CLI as child processes.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
