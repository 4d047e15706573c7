import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Tests that build or fetch something big (eight cross-compiled prebuilds, a
// packed-and-installed tarball, other runtimes): `npm run test:release` runs
// them, `npm test` leaves them out so that a change can be checked in minutes.
const RELEASE = ['test/prebuilds.test.ts', 'test/pack.test.ts', 'test/runtimes.test.ts'];

const shared = {
  // Each file in its own process: the config and metrics are process-wide.
  pool: 'forks',
  testTimeout: 60_000,
  hookTimeout: 60_000,
  // Test the binary just built, not a prebuilt one that may be stale.
  env: {
    ENGRAM_ARENA_BINARY: fileURLToPath(new URL('./build/Release/engram_arena.node', import.meta.url)),
  },
};

export default defineConfig({
  test: {
    projects: [
      { test: { ...shared, name: 'unit', include: ['test/**/*.test.ts'], exclude: RELEASE } },
      { test: { ...shared, name: 'release', include: RELEASE } },
    ],
  },
});
