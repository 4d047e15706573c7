// `npm run bench:lines`: the per-request cadence series (bench/cadence.mjs)
// under every pinned Node line, one line after the other in one run, so the
// ratios of different lines come from the same machine state. Prints a table
// and writes bench/lines.json.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';

const require = createRequire(import.meta.url);
const { runtimes } = require('../scripts/runtimes.js');
const SMOKE = process.env.ENGRAM_BENCH_SMOKE === '1';

const results = { machine: { cpu: os.cpus()[0]?.model, cores: os.cpus().length }, date: new Date().toISOString(), smoke: SMOKE, lines: [] };
for (const runtime of runtimes(['node'])) {
  const child = spawnSync(runtime.path, [new URL('./cadence.mjs', import.meta.url).pathname], { encoding: 'utf8', env: process.env, timeout: 600_000 });
  if (child.status !== 0) {
    console.error(`bench:lines: Node ${runtime.version} failed:\n${child.stderr}`);
    process.exit(1);
  }
  results.lines.push(JSON.parse(child.stdout.trim().split('\n').pop()));
}

console.log('Per-request cadence by Node line: ns per request; x = arena time / Buffer.allocUnsafe time (below 1 is faster);');
console.log('floor: the epoch mechanism alone (move a plain block of the arena\'s size, make one Buffer); arena/floor for the epoch row');
const header = ['node', 'moved by', 'series', 'arena ns', 'allocUnsafe ns', 'arena/allocUnsafe', 'zeroing arena/allocUnsafe', 'floor ns', 'arena/floor'];
const rows = results.lines.flatMap((line) => line.rows.map((r) => [
  line.node, r.move, r.series, r.arenaNs.toFixed(0), r.allocUnsafeNs.toFixed(0), `${r.ratio.toFixed(2)}x`, `${r.ratioZeroing.toFixed(2)}x`,
  r.floorNs === null ? '' : r.floorNs.toFixed(0), r.ratioFloor === null ? '' : `${r.ratioFloor.toFixed(2)}x`,
]));
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
for (const cells of [header, widths.map((w) => '-'.repeat(w)), ...rows]) console.log(cells.map((c, i) => c.padEnd(widths[i])).join('  '));
if (!SMOKE) {
  fs.writeFileSync(new URL('./lines.json', import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
  console.log('\nwrote bench/lines.json');
}
