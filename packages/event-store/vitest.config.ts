import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Only sources: dist holds compiled copies of the contract suite, never tests to run.
    include: ['src/**/*.test.ts'],
  },
});
