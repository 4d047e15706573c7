import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Each file in its own process: the config and metrics are process-wide.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Test the binary just built, not a prebuilt one that may be stale.
    env: {
      ENGRAM_ARENA_BINARY: fileURLToPath(new URL('./build/Release/engram_arena.node', import.meta.url)),
    },
  },
});
