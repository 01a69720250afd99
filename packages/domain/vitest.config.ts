import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Only sources: Stryker's sandboxes (.stryker-tmp) hold mutated copies of the tests while it runs.
    include: ['src/**/*.test.ts'],
  },
});
