#!/usr/bin/env node
// Runs the whole vitest suite under each pinned Node line (scripts/runtimes.js),
// with the addon already in build/Release: it is Node-API 8, so one build must
// load on every line, and rebuilding per line would hide it if it did not.
// Usage: node scripts/test-lines.js [--skip-current] [major...] [-- vitest args]
//   --skip-current  leaves out the line this script runs on (CI tests it already)
//   major...        only these lines, e.g. `22 24`
// Each line's output goes to .cache/test-lines/node-<version>*.log; a summary
// table follows; the exit status is 1 when any line has a failure.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync, spawn } = require('node:child_process');
const { CACHE, runtimes } = require('./runtimes.js');

const ROOT = path.join(__dirname, '..');
const LOGS = path.join(CACHE, '..', 'test-lines');
const VITEST = path.join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');

function parseArgs(argv) {
  const dash = argv.indexOf('--');
  const own = dash < 0 ? argv : argv.slice(0, dash);
  return {
    skipCurrent: own.includes('--skip-current'),
    majors: own.filter((arg) => /^\d+$/.test(arg)),
    vitestArgs: dash < 0 ? [] : argv.slice(dash + 1),
  };
}

/** Runs vitest once on `node`; resolves to its exit status and JSON report (null when vitest died without one). */
function vitest(node, name, vitestArgs) {
  const log = path.join(LOGS, `${name}.log`);
  const report = path.join(LOGS, `${name}.json`);
  fs.rmSync(report, { force: true });
  // Tests start children as process.execPath, `node` or `npm` (whose shebang
  // finds node on PATH): all of them must be this line, not the machine's Node.
  const env = { ...process.env, PATH: `${path.dirname(node.path)}${path.delimiter}${process.env.PATH}` };
  const args = [VITEST, 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...vitestArgs];
  const out = fs.openSync(log, 'w');
  return new Promise((resolve) => {
    const child = spawn(node.path, args, { cwd: ROOT, env, stdio: ['ignore', out, out] });
    child.on('close', (status, signal) => {
      fs.closeSync(out);
      let json = null;
      try {
        json = JSON.parse(fs.readFileSync(report, 'utf8'));
      } catch {}
      resolve({ status: signal ?? status, report: json });
    });
  });
}

function listFiles(node, vitestArgs) {
  // Not --json: it takes the next argument, a file filter, for its output path.
  const out = execFileSync(node.path, [VITEST, 'list', '--filesOnly', ...vitestArgs], { cwd: ROOT, encoding: 'utf8' });
  return out
    .split('\n')
    .filter(Boolean)
    .map((file) => path.resolve(ROOT, file));
}

function tally(result, { status, report }, file) {
  // Vitest also exits 1 for errors outside any test (an unhandled error, a
  // worker RPC timeout), which its report does not count as failed tests.
  if (status !== 0) result.exit = status;
  if (!report) {
    result.crashed.push(path.relative(ROOT, file));
    return;
  }
  result.passed += report.numPassedTests;
  result.failed += report.numFailedTests;
  result.skipped += report.numPendingTests + report.numTodoTests;
  for (const entry of report.testResults) {
    if (entry.status !== 'failed') continue;
    result.failedFiles.push(path.relative(ROOT, entry.name));
    // CI shows stdout only, not the logs: keep each failure's first lines for the summary.
    for (const test of entry.assertionResults ?? []) {
      if (test.status !== 'failed') continue;
      const lines = (test.failureMessages ?? []).join('\n').split('\n');
      const firstFrame = lines.findIndex((line) => /^\s+at /.test(line));
      const message = lines.slice(0, firstFrame < 0 ? 6 : Math.min(firstFrame + 1, 6)).join('\n    ');
      result.failures.push(`${test.fullName}\n    ${message}`);
    }
    if (entry.message) result.failures.push(`${path.relative(ROOT, entry.name)}: ${entry.message.split('\n')[0]}`);
  }
}

async function runLine(node, vitestArgs) {
  // Last run's per-file logs would pass for this run's.
  for (const old of fs.readdirSync(LOGS)) if (old.startsWith(`node-${node.version}`)) fs.rmSync(path.join(LOGS, old));
  const started = Date.now();
  const result = {
    node,
    passed: 0,
    failed: 0,
    skipped: 0,
    failedFiles: [],
    failures: [],
    crashed: [],
    perFile: false,
    exit: 0,
  };
  const whole = await vitest(node, `node-${node.version}`, vitestArgs);
  if (whole.report) {
    tally(result, whole);
  } else {
    // A test process that aborts (a fatal V8 error) makes vitest exit before
    // it reports anything; run file by file so one crash hides no other result.
    // The file list already applied the filters; keep only the options (write them as --name=value).
    result.perFile = true;
    const options = vitestArgs.filter((arg) => arg.startsWith('-'));
    for (const file of listFiles(node, vitestArgs)) {
      const name = `node-${node.version}-${path.basename(file, '.test.ts')}`;
      tally(result, await vitest(node, name, [...options, path.relative(ROOT, file)]), file);
    }
  }
  result.seconds = Math.round((Date.now() - started) / 1000);
  return result;
}

function printTable(results) {
  const rows = [['line', 'passed', 'failed', 'skipped', 'crashed files', 'vitest exit', 'seconds']];
  for (const r of results)
    rows.push([r.node.version, r.passed, r.failed, r.skipped, r.crashed.length, r.exit, r.seconds].map(String));
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  for (const row of rows) console.log(row.map((cell, i) => cell.padStart(widths[i])).join('  '));
  for (const r of results) {
    const where = `logs: ${path.relative(ROOT, LOGS)}/node-${r.node.version}*.log`;
    if (r.perFile)
      console.log(`node ${r.node.version}: vitest died without a report, so each file ran on its own (${where})`);
    if (r.failedFiles.length) console.log(`node ${r.node.version} failed: ${r.failedFiles.join(', ')}`);
    for (const failure of r.failures) console.log(`  ✗ ${failure}`);
    if (r.crashed.length) console.log(`node ${r.node.version} crashed (no report): ${r.crashed.join(', ')}`);
    if (r.exit !== 0 && !r.failed && !r.crashed.length)
      console.log(`node ${r.node.version}: vitest exited ${r.exit} with no failed test; see Errors in ${where}`);
  }
}

async function main() {
  const { skipCurrent, majors, vitestArgs } = parseArgs(process.argv.slice(2));
  const lines = runtimes(['node']).filter(
    (node) =>
      (!skipCurrent || `v${node.version}` !== process.version) &&
      (!majors.length || majors.includes(node.version.split('.')[0])),
  );
  if (!lines.length) throw new Error('test-lines: no pinned Node line matches');
  fs.mkdirSync(LOGS, { recursive: true });
  const results = [];
  // One line at a time: the suite's stress tests already fill the machine.
  for (const node of lines) {
    console.log(`test-lines: node ${node.version} ...`);
    results.push(await runLine(node, vitestArgs));
  }
  printTable(results);
  if (results.some((r) => r.exit !== 0 || r.failed > 0 || r.crashed.length)) process.exit(1);
}

main().catch((err) => {
  console.error(err.message);
  process.exit(1);
});
