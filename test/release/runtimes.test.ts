// Bun and Deno load the addon through their own Node-API layers: the README's
// quick start and an API smoke (test/fixtures/runtime-smoke.cjs) must give the
// same results there as on Node. The binaries come from `npm run runtimes`
// (scripts/runtimes.js); without them these tests are skipped by name.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.join(__dirname, '..', '..');
const { pinned } = createRequire(__filename)(path.join(root, 'scripts', 'runtimes.js'));

// The first expected line a runtime is known not to reach, per script. Its
// test then checks that the run stops right there; once the runtime gets past
// it the test fails, asking for the entry to go.
const KNOWN_FAILURES: Record<string, Record<string, string> | undefined> = {
  bun: undefined,
  // Deno makes buffers given to markAsUntransferable undetachable, like Node 24+;
  // lib/ no longer marks them, and ends epochs by transfer() there.
  deno: undefined,
};

const SCRIPTS = {
  quickStart: {
    file: path.join(root, 'examples', 'quick-start.js'),
    lines: ['bytes in use: 8016', 'last sample: 499.5', 'header length after reset: 0'],
  },
  smoke: {
    file: path.join(__dirname, '..', 'fixtures', 'runtime-smoke.cjs'),
    lines: [
      'load',
      'alloc',
      'allocArray',
      'stats',
      'threadArena',
      'reset',
      'alloc after reset',
      'destroy',
      'genuine Buffer',
      'moved out',
      'resetThreadArena',
    ].map((step) => `ok ${step}`),
  },
};

// The least Deno needs: reading the package, loading a .node file from it, and
// the variables lib/ reads (the native side reads its own without asking Deno).
// quick-start.js is CommonJS in a .js file, which Deno only runs with --unstable-detect-cjs.
const DENO_ENV = ['ENGRAM_ARENA_BINARY', 'ENGRAM_ARENA_SIZE', 'ENGRAM_ARENA_OVERFLOW', 'ENGRAM_ARENA_ZERO'];
const binary = process.env.ENGRAM_ARENA_BINARY;
const DENO_ARGS = [
  'run',
  '--no-prompt',
  '--unstable-detect-cjs',
  `--allow-read=${root}`,
  `--allow-ffi=${binary ?? root}`,
  `--allow-env=${DENO_ENV.join(',')}`,
];

function run(runtime: { name: string; path: string }, file: string) {
  const args = runtime.name === 'deno' ? [...DENO_ARGS, file] : [file];
  // From the script's folder, as a reader would: `engram-arena` resolves to this package by its name.
  return spawnSync(runtime.path, args, {
    cwd: path.dirname(file),
    env: { ...process.env, NO_COLOR: '1' },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

for (const runtime of [...pinned('bun'), ...pinned('deno')]) {
  const present = fs.existsSync(runtime.path);
  describe(`${runtime.name} ${runtime.version}${present ? '' : ' (needs `npm run runtimes` first)'}`, () => {
    for (const [script, { file, lines }] of Object.entries(SCRIPTS)) {
      const missing = KNOWN_FAILURES[runtime.name]?.[script];
      const title = missing ? `known to stop before "${missing}"` : 'prints what Node prints';
      it.skipIf(!present)(`${path.basename(file)}: ${title}`, () => {
        const child = run(runtime, file);
        const why = `status ${child.status}, signal ${child.signal}, stderr:\n${child.stderr}`;
        const reached = missing ? lines.slice(0, lines.indexOf(missing)) : lines;
        if (missing && child.status === 0) {
          throw new Error(
            `${runtime.name} now gets past "${missing}": drop it from KNOWN_FAILURES in ${path.basename(__filename)}`,
          );
        }
        expect(child.stdout, why).toBe(reached.map((line) => `${line}\n`).join(''));
        if (!missing) expect(child.status, why).toBe(0);
      });
    }
  });
}
