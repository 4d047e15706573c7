#!/usr/bin/env node
'use strict';
// `npm run prebuild`: builds the addon for this platform with a baseline CPU
// (a binary tuned to the build machine dies with SIGILL on older ones) and
// stores it, stripped, where the loader looks for prebuilt binaries.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (${result.error ? result.error.message : `exit ${result.status}`})`);
  }
}

function main() {
  const { prebuildPath, detectLibc } = require(path.join(root, 'dist', 'loader.js'));
  const cmakeJs = require.resolve('cmake-js/bin/cmake-js', { paths: [root] });
  run(process.execPath, [cmakeJs, 'compile', '--out', 'build', '--CDENGRAM_ZIG_CPU=baseline']);
  const target = prebuildPath(process.platform, process.arch, detectLibc(), root);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.copyFileSync(path.join(root, 'build', 'Release', 'engram_arena.node'), target);
  const strip = spawnSync('strip', ['--strip-debug', target], { stdio: 'inherit' });
  if (strip.status !== 0) console.warn('engram-arena: strip is not available; the prebuild keeps its debug info');
  console.log(`engram-arena: prebuilt ${path.relative(root, target)} (${fs.statSync(target).size} bytes)`);
}

main();
