// `npm run bench:lines`: under every pinned Node line, one line after the
// other in one run so that the lines share the machine's state,
//   - the per-request cadence series (bench/cadence.mjs) → bench/lines.json
//   - the scratch shape with its tails and full GCs (bench/scratch.mjs) → bench/scratch.json
// `--only=cadence` or `--only=scratch` runs (and writes) one of them;
// `npm run bench:scratch` is the second.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import { describeShape, scratchRows, table } from './scratch.mjs';

const require = createRequire(import.meta.url);
const { runtimes } = require('../scripts/runtimes.js');
const SMOKE = process.env.ENGRAM_BENCH_SMOKE === '1';
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
if (only !== undefined && only !== 'cadence' && only !== 'scratch') {
  console.error(`--only=${only}: expected cadence or scratch`);
  process.exit(2);
}

/** Runs `script` under every Node line; each prints its result as its last stdout line. */
function underEveryLine(script, args = []) {
  return runtimes(['node']).map((runtime) => {
    const child = spawnSync(runtime.path, [new URL(script, import.meta.url).pathname, ...args], {
      encoding: 'utf8',
      env: process.env,
      timeout: 1_200_000,
    });
    if (child.status !== 0) {
      console.error(`bench:lines: ${script} under Node ${runtime.version} failed:\n${child.stderr}`);
      process.exit(1);
    }
    return JSON.parse(child.stdout.trim().split('\n').pop());
  });
}

const machine = { cpu: os.cpus()[0]?.model, cores: os.cpus().length, platform: `${process.platform}-${process.arch}` };

function writeResult(name, result) {
  if (SMOKE) return;
  fs.writeFileSync(new URL(`./${name}`, import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\nwrote bench/${name}`);
}

if (only !== 'scratch') {
  const results = { machine, date: new Date().toISOString(), smoke: SMOKE, lines: underEveryLine('./cadence.mjs') };
  console.log(
    'Per-request cadence by Node line: ns per request; x = arena time / Buffer.allocUnsafe time (below 1 is faster);',
  );
  console.log(
    "floor: the epoch mechanism alone (move a plain block of the arena's size, make one Buffer); arena/floor for the epoch row",
  );
  const header = [
    'node',
    'moved by',
    'series',
    'arena ns',
    'allocUnsafe ns',
    'arena/allocUnsafe',
    'zeroing arena/allocUnsafe',
    'floor ns',
    'arena/floor',
  ];
  const rows = results.lines.flatMap((line) =>
    line.rows.map((r) => [
      line.node,
      r.move,
      r.series,
      r.arenaNs.toFixed(0),
      r.allocUnsafeNs.toFixed(0),
      `${r.ratio.toFixed(2)}x`,
      `${r.ratioZeroing.toFixed(2)}x`,
      r.floorNs === null ? '' : r.floorNs.toFixed(0),
      r.ratioFloor === null ? '' : `${r.ratioFloor.toFixed(2)}x`,
    ]),
  );
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  for (const cells of [header, widths.map((w) => '-'.repeat(w)), ...rows])
    console.log(cells.map((c, i) => c.padEnd(widths[i])).join('  '));
  writeResult('lines.json', results);
}

if (only !== 'cadence') {
  const results = {
    machine,
    date: new Date().toISOString(),
    smoke: SMOKE,
    lines: underEveryLine('./scratch.mjs', ['--json']),
  };
  if (only !== 'scratch') console.log('');
  const first = results.lines[0];
  console.log(
    `Scratch shape by Node line: ${describeShape(first.shape)}; median of ${first.rounds} round(s), each method in a fresh process;`,
  );
  console.log(
    'times in us per request; x = arena / allocUnsafe and arena (zeroOnReset) / alloc; full GCs: PerformanceObserver gc entries of kind major',
  );
  console.log(table(results.lines.flatMap((line) => scratchRows(line))));
  writeResult('scratch.json', results);
}
