#!/usr/bin/env node
'use strict';
// Install step: keep a prebuilt binary when one loads here, otherwise build
// from source with cmake-js (which runs `zig build`), after checking that the
// tools exist so that a missing one is named instead of failing deep inside.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { findOnPath } = require('./which.js');

const root = path.join(__dirname, '..');

function prebuiltLoads() {
  const loader = path.join(root, 'dist', 'binding.js');
  if (!fs.existsSync(loader)) return false;
  const probe = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(loader)})`], { stdio: 'ignore' });
  return probe.status === 0;
}

function onPath(names) {
  return findOnPath(names) !== null;
}

function missingTools() {
  const missing = [];
  try {
    require('./zig.js').locateZig();
  } catch (err) {
    missing.push(`Zig: ${err.message}`);
  }
  if (!onPath(['cmake', 'cmake.exe'])) missing.push('CMake 3.15 or newer (Debian/Ubuntu: apt-get install cmake; Alpine: apk add cmake)');
  if (!onPath(['c++', 'g++', 'clang++', 'cl.exe'])) {
    missing.push('a C++17 compiler (Debian/Ubuntu: apt-get install g++; Alpine: apk add g++)');
  }
  if (!onPath(['make', 'ninja', 'make.exe', 'ninja.exe'])) missing.push('make or ninja (Debian/Ubuntu: apt-get install make)');
  let cmakeJs = null;
  try {
    cmakeJs = require.resolve('cmake-js/bin/cmake-js', { paths: [root] });
  } catch {
    missing.push('the npm packages cmake-js, node-addon-api and node-api-headers (npm install them next to engram-arena)');
  }
  return { missing, cmakeJs };
}

function main() {
  if (process.env.ENGRAM_ARENA_FORCE_BUILD !== '1' && prebuiltLoads()) {
    console.log('engram-arena: using the prebuilt binary for this platform');
    return 0;
  }
  const { missing, cmakeJs } = missingTools();
  if (missing.length > 0) {
    console.error(
      [
        `engram-arena: no prebuilt binary loads on ${process.platform}-${process.arch}, and a build from source needs:`,
        ...missing.map((m) => `  - ${m}`),
      ].join('\n'),
    );
    return 1;
  }
  console.log('engram-arena: building from source (zig build, then cmake-js)');
  const result = spawnSync(process.execPath, [cmakeJs, 'compile', '--out', 'build'], { cwd: root, stdio: 'inherit' });
  return result.status === null ? 1 : result.status;
}

process.exit(main());
