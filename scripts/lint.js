#!/usr/bin/env node
'use strict';
// `npm run lint`: every linter and formatter of the project, in check mode:
// Biome (lint and format) for the TypeScript and JavaScript, clang-format for
// native/, `zig fmt` for zig/ and build.zig. `npm run format` (--fix) applies
// the formatters and Biome's safe fixes instead. Exit status 1 when any of
// them finds something.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const fix = process.argv.includes('--fix');
const bin = (name) => path.join(ROOT, 'node_modules', '.bin', name);

function run(title, command, args) {
  const started = Date.now();
  const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit' });
  const ok = result.status === 0;
  console.log(`lint: ${title} ${ok ? 'ok' : 'FAILED'} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return ok;
}

// Named, not found by walking the checkout: build/ holds a wine prefix whose
// drive z: links to /, which a walk would follow.
const BIOME_PATHS = ['lib', 'test', 'scripts', 'bench', 'examples', 'vitest.config.mjs', 'biome.json'];

const native = fs
  .readdirSync(path.join(ROOT, 'native'))
  .filter((name) => /\.(cc|h)$/.test(name))
  .map((name) => path.join('native', name));

const results = [
  run('biome', bin('biome'), [...(fix ? ['check', '--write'] : ['check']), ...BIOME_PATHS]),
  run('clang-format', bin('clang-format'), fix ? ['-i', ...native] : ['--dry-run', '-Werror', ...native]),
  run('zig fmt', process.execPath, [
    path.join('scripts', 'zig.js'),
    'fmt',
    ...(fix ? [] : ['--check']),
    'zig',
    'build.zig',
  ]),
];
process.exit(results.every(Boolean) ? 0 : 1);
