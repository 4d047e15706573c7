#!/usr/bin/env node
'use strict';
// `npm run prebuild`: this platform's prebuilt binary, made the way
// `npm run prebuild:all` makes every platform's (Zig cross toolchain: baseline
// CPU, an old glibc, libc++ linked in, stripped), so that the one packed and
// tested here is the one users get. A platform that list does not cover is
// built with cmake-js for a baseline CPU instead.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed (${result.error ? result.error.message : `exit ${result.status}`})`,
    );
  }
}

function main() {
  const { prebuildPath, detectLibc } = require(path.join(root, 'dist', 'loader.js'));
  const libc = detectLibc();
  const id = [process.platform, process.arch, libc].filter(Boolean).join('-');
  const { TARGETS } = require('./targets.js');
  if (TARGETS.some((target) => target.id === id)) {
    run(process.execPath, [path.join(__dirname, 'prebuild-all.js'), id]);
    return;
  }
  const cmakeJs = require.resolve('cmake-js/bin/cmake-js', { paths: [root] });
  run(process.execPath, [cmakeJs, 'compile', '--out', 'build', '--CDENGRAM_ZIG_CPU=baseline']);
  const target = prebuildPath(process.platform, process.arch, libc, root);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.copyFileSync(path.join(root, 'build', 'Release', 'engram_arena.node'), target);
  const strip = spawnSync('strip', ['--strip-debug', target], { stdio: 'inherit' });
  if (strip.status !== 0) console.warn('engram-arena: strip is not available; the prebuild keeps its debug info');
  console.log(
    `engram-arena: prebuilt ${path.relative(root, target)} with cmake-js (${fs.statSync(target).size} bytes)`,
  );
}

main();
