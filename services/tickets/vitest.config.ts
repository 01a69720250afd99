import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Only sources and end-to-end specs: dist holds compiled copies, never tests to run.
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // End-to-end tests spawn the real CLI (a Node start-up each) and a real server.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
