import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Each file in its own process: the config and metrics are process-wide.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
