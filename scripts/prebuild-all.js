#!/usr/bin/env node
'use strict';
// `npm run prebuild:all`: cross-compiles the addon for every target in
// scripts/targets.js from one machine. Each target is built by the project's
// one recipe, CMakeLists.txt through cmake-js, with cmake/zig-toolchain.cmake
// making `zig c++ -target …` the compiler, so a prebuild is made the way the
// tested build/Release binary is. The result is copied into
// prebuilds/<platform>-<arch>/engram-arena.napi[.<libc>].node, where the
// loader looks, and checked by scripts/verify-prebuild.js.
//
//   node scripts/prebuild-all.js                   every target
//   node scripts/prebuild-all.js linux-arm64-glibc win32-x64   some of them
//   node scripts/prebuild-all.js --no-verify       skip the checks
//   node scripts/prebuild-all.js --list            print the targets
//   node scripts/prebuild-all.js --verbose         show cmake-js's output
//
// Work files go to build/cross/<target>/; Zig caches in its global cache and
// CMake keeps each target's build tree, so a second run only relinks what
// changed.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { TARGETS, selectTargets } = require('./targets.js');

const root = path.join(__dirname, '..');
const toolchain = path.join(root, 'cmake', 'zig-toolchain.cmake');

function loader() {
  const file = path.join(root, 'dist', 'loader.js');
  if (!fs.existsSync(file)) {
    throw new Error('dist/loader.js is missing: run `npx tsc -p .` first (`npm run prebuild:all` does).');
  }
  return require(file);
}

/** Where the prebuild of `target` goes (the loader's own naming). */
function outputPath(target, base = root) {
  return loader().prebuildPath(target.platform, target.arch, target.libc, base);
}

function buildDir(target) {
  return path.join(root, 'build', 'cross', target.id);
}

/**
 * The build's copy of the binary under its prebuild name, beside the CMake
 * tree: what the tests check and load, since prebuilds/linux-x64 may be
 * replaced by `npm run prebuild` meanwhile.
 */
function workPath(target) {
  return path.join(buildDir(target), path.basename(outputPath(target)));
}

function zigPath() {
  return require('./zig.js').locateZig();
}

/** Runs cmake-js; its output is shown only when it fails, or with --verbose. */
function cmakeJs(args, verbose) {
  const cli = require.resolve('cmake-js/bin/cmake-js', { paths: [root] });
  const shown = ['cmake-js', ...args.map((a) => a.split(root + path.sep).join(''))].join(' ');
  console.log(`$ ${shown}`);
  const result = spawnSync(process.execPath, [cli, ...args], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    stdio: verbose ? 'inherit' : 'pipe',
  });
  if (result.status !== 0) {
    const output = `${result.stdout || ''}${result.stderr || ''}`.trim();
    throw new Error(
      `${shown} failed (${result.error ? result.error.message : `exit ${result.status}`})\n${output.slice(-8000)}`,
    );
  }
}

function buildTarget(zig, target, verbose) {
  const started = Date.now();
  console.log(`\n== ${target.id} (${target.zig})`);
  cmakeJs(
    [
      'compile',
      '--out',
      buildDir(target),
      `--CDCMAKE_TOOLCHAIN_FILE=${toolchain}`,
      `--CDENGRAM_ZIG_TARGET=${target.zig}`,
      `--CDENGRAM_ZIG=${zig}`,
    ],
    verbose,
  );
  const linked = path.join(buildDir(target), 'Release', 'engram_arena.node');
  if (!fs.existsSync(linked)) throw new Error(`cmake-js made no ${linked}`);
  fs.copyFileSync(linked, workPath(target));
  // Copy then rename, so that a reader (npm pack, the loader) never sees half a file.
  const output = outputPath(target);
  fs.mkdirSync(path.dirname(output), { recursive: true });
  const partial = `${output}.${process.pid}.tmp`;
  fs.copyFileSync(linked, partial);
  fs.renameSync(partial, output);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`engram-arena: ${path.relative(root, output)} ${fs.statSync(output).size} bytes (${seconds} s)`);
  return output;
}

function main(argv) {
  const flags = argv.filter((arg) => arg.startsWith('--'));
  const names = argv.filter((arg) => !arg.startsWith('--'));
  if (flags.includes('--list')) {
    for (const target of TARGETS) {
      console.log(`${target.id}\t${target.zig}\t${path.relative(root, outputPath(target))}`);
    }
    return 0;
  }
  const zig = zigPath();
  const built = selectTargets(names).map((target) => ({
    target,
    file: buildTarget(zig, target, flags.includes('--verbose')),
  }));
  if (flags.includes('--no-verify')) return 0;
  const { verifyPrebuild, formatReport } = require('./verify/rules.js');
  let failures = 0;
  console.log('');
  for (const { target, file } of built) {
    const report = verifyPrebuild(file, target, { zig });
    console.log(formatReport(report, root));
    if (report.problems.length) failures += 1;
  }
  if (failures) {
    console.error(`engram-arena: ${failures} prebuild(s) failed verification`);
    return 1;
  }
  return 0;
}

module.exports = { outputPath, workPath };

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (err) {
    console.error(`engram-arena: ${err.message}`);
    process.exitCode = 1;
  }
}
