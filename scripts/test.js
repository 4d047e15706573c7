#!/usr/bin/env node
'use strict';
// `npm test`: the linters, then the build (addon and dist/), then the Zig
// tests and the vitest unit and robustness projects side by side. The two
// suites are independent, and most vitest files wait on child processes while
// the Zig tests compile, so running them together saves about as long as the
// shorter one takes (two minutes from a fresh clone). The Zig output is held
// back and printed whole when it ends, so the two never interleave. Exit
// status 1 when any step fails.
const { spawn, spawnSync } = require('node:child_process');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const bin = (name) => path.join(ROOT, 'node_modules', '.bin', name);

/** Runs a step in the foreground; false when it failed. */
function step(title, command, args) {
  const started = Date.now();
  const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit' });
  const ok = result.status === 0;
  if (!ok) console.error(`test: ${title} FAILED (${seconds(started)})`);
  return ok;
}

function seconds(since) {
  return `${((Date.now() - since) / 1000).toFixed(0)} s`;
}

/** Runs a step in the background; resolves to whether it passed. `quiet` holds its output until it ends. */
function background(title, command, args, quiet) {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: quiet ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
    const output = [];
    if (quiet) {
      child.stdout.on('data', (chunk) => output.push(chunk));
      child.stderr.on('data', (chunk) => output.push(chunk));
    }
    child.on('error', (err) => output.push(Buffer.from(`${err.message}\n`)));
    child.on('close', (code, signal) => {
      const ok = code === 0;
      if (quiet) process.stdout.write(Buffer.concat(output));
      console.log(`test: ${title} ${ok ? 'passed' : `FAILED (${signal ?? `exit ${code}`})`} in ${seconds(started)}`);
      resolve(ok);
    });
  });
}

async function main() {
  const node = process.execPath;
  const built =
    step('lint', node, [path.join(ROOT, 'scripts', 'lint.js')]) &&
    step('build', bin('cmake-js'), ['compile', '--out', 'build']) &&
    step('tsc', bin('tsc'), ['-p', '.']);
  if (!built) return false;
  const [zig, vitest] = await Promise.all([
    background('zig build test', node, [path.join(ROOT, 'scripts', 'zig.js'), 'build', 'test'], true),
    background(
      'vitest (unit, robustness)',
      bin('vitest'),
      ['run', '--project', 'unit', '--project', 'robustness', '--maxWorkers=100%'],
      false,
    ),
  ]);
  return zig && vitest;
}

main().then((ok) => {
  process.exitCode = ok ? 0 : 1;
});
