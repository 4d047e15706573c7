import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// One project per folder of test/: unit (the API, one behaviour at a time),
// robustness (randomized models, fuzzing, stress, hostile callers and patched
// built-ins) and release (what builds or fetches something big, or runs for
// long: the cross-compiled prebuilds, the packed tarball, other runtimes, the
// benchmark smoke runs). `npm test`
// runs the first two, `npm run test:release` the third.

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
      { test: { ...shared, name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { test: { ...shared, name: 'robustness', include: ['test/robustness/**/*.test.ts'] } },
      { test: { ...shared, name: 'release', include: ['test/release/**/*.test.ts'] } },
    ],
  },
});
