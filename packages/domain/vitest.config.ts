import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Only sources: Stryker's sandboxes (.stryker-tmp) hold mutated copies of the tests while it runs.
    include: ['src/**/*.test.ts'],
    // The property tests run hundreds of generated histories each: 2–5 s alone on a quiet machine, more
    // on a shared one. A time limit is no verdict on the properties, so they get room.
    testTimeout: 30_000,
  },
});
