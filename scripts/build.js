#!/usr/bin/env node
'use strict';
// `npm run build:native`: builds build/Release/engram_arena.node from source
// with cmake-js (which runs `zig build`). It is the documented way to get a
// binary where no prebuilt one loads, in a clone and inside an installed
// package alike, so every tool is checked first and each missing one is
// named, rather than failing deep inside CMake.
//
// --if-needed: do nothing when a binary already loads here. The repository's
// `npm ci` uses it, so that a clone builds once and a packed prebuild is kept.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { findOnPath } = require('./which.js');

const root = path.join(__dirname, '..');

function someBinaryLoads() {
  const loader = path.join(root, 'dist', 'binding.js');
  if (!fs.existsSync(loader)) return false;
  // A child process, because a binary that fails to load can take this one down.
  const probe = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(loader)})`], { stdio: 'ignore' });
  return probe.status === 0;
}

function resolveFrom(request) {
  try {
    return require.resolve(request, { paths: [root] });
  } catch {
    return null;
  }
}

/** Every tool the build needs and does not find, each with how to get it. */
function missingTools() {
  const missing = [];
  try {
    require('./zig.js').locateZig();
  } catch (err) {
    missing.push(`Zig 0.14: ${err.message}`);
  }
  if (!findOnPath(['cmake', 'cmake.exe'])) {
    missing.push(
      'CMake 3.15 or newer (Debian/Ubuntu: apt-get install cmake; Alpine: apk add cmake; Windows: winget install Kitware.CMake)',
    );
  }
  if (!findOnPath(['c++', 'g++', 'clang++', 'cl.exe'])) {
    missing.push(
      'a C++17 compiler (Debian/Ubuntu: apt-get install g++; Alpine: apk add g++; Windows: Visual Studio Build Tools)',
    );
  }
  if (!findOnPath(['make', 'ninja', 'make.exe', 'ninja.exe']) && process.platform !== 'win32') {
    missing.push('make or ninja (Debian/Ubuntu: apt-get install make; Alpine: apk add make)');
  }
  const packages = ['cmake-js', 'node-addon-api', 'node-api-headers'].filter(
    (name) => !resolveFrom(`${name}/package.json`),
  );
  if (packages.length > 0) {
    missing.push(
      `the npm package${packages.length > 1 ? 's' : ''} ${packages.join(', ')} ` +
        `(run \`npm install ${packages.join(' ')}\` in the project that uses engram-arena)`,
    );
  }
  return missing;
}

function main(args) {
  const ifNeeded = args.includes('--if-needed');
  const passThrough = args.filter((a) => a !== '--if-needed');
  if (ifNeeded && process.env.ENGRAM_ARENA_FORCE_BUILD !== '1' && someBinaryLoads()) {
    console.log('engram-arena: a binary already loads here; nothing to build');
    return 0;
  }
  const missing = missingTools();
  if (missing.length > 0) {
    console.error(
      [
        `engram-arena: building from source on ${process.platform}-${process.arch} needs:`,
        ...missing.map((m) => `  - ${m}`),
      ].join('\n'),
    );
    return 1;
  }
  console.log('engram-arena: building from source (zig build, then cmake-js)');
  const cmakeJs = resolveFrom('cmake-js/bin/cmake-js');
  const result = spawnSync(process.execPath, [cmakeJs, 'compile', '--out', 'build', ...passThrough], {
    cwd: root,
    stdio: 'inherit',
  });
  return result.status === null ? 1 : result.status;
}

process.exit(main(process.argv.slice(2)));
