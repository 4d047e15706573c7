// `npm run bench`: ns per allocation for each method and size, side by side in
// one run, as ratios to Buffer.allocUnsafe; then the request workload; then
// bench/results.json and bench/results.svg.
//
// mitata does the measuring: it calibrates batches, warms up, and reports
// percentiles with little harness overhead, and its `measure()` returns raw
// statistics, so this file keeps control of batching, ratios and output.

import * as fs from 'node:fs';
import * as os from 'node:os';
import { measure } from 'mitata';
import { runCadence } from './cadence.mjs';
import { renderSvg } from './chart.mjs';
import { batchFor, METHODS, sinkValue } from './methods.mjs';
import { runWorkload } from './workload.mjs';

const SMOKE = process.env.ENGRAM_BENCH_SMOKE === '1';
const SIZES = [64, 4096, 65536, 1024 * 1024];
const options = SMOKE
  ? { min_samples: 2, max_samples: 4, warmup_samples: 1, min_cpu_time: 1e6 }
  : { min_cpu_time: 300e6 };

/** ns per allocation of `method` at `size`, zeroed or not. */
async function nsPerAlloc(method, size, zeroed) {
  const batch = SMOKE ? Math.min(16, batchFor(size)) : batchFor(size);
  const run = method.make(size, zeroed);
  const stats = await measure(() => run(batch), options);
  return { avg: stats.avg / batch, p50: stats.p50 / batch, p99: stats.p99 / batch };
}

function table(rows, columns) {
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (cells) => cells.map((c, i) => String(c).padEnd(widths[i])).join('  ');
  return [
    line(columns),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map((r) => line(columns.map((c) => r[c]))),
  ].join('\n');
}

async function main() {
  const results = {
    cadence: [],
    machine: {
      cpu: os.cpus()[0]?.model,
      cores: os.cpus().length,
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
    },
    date: new Date().toISOString(),
    smoke: SMOKE,
    alloc: [],
    workload: [],
  };
  for (const zeroed of [false, true]) {
    const baselineName = zeroed ? 'Buffer.alloc' : 'Buffer.allocUnsafe';
    for (const size of SIZES) {
      const row = { zeroed, size, methods: {} };
      for (const method of METHODS) {
        if (method.zeroed !== undefined && method.zeroed !== zeroed) continue;
        row.methods[method.name] = await nsPerAlloc(method, size, zeroed);
      }
      const unsafe =
        row.methods['Buffer.allocUnsafe'] ??
        (await nsPerAlloc(
          METHODS.find((m) => m.name === 'Buffer.allocUnsafe'),
          size,
          false,
        ));
      row.allocUnsafe = unsafe.avg;
      results.alloc.push(row);
      const printable = Object.entries(row.methods).map(([name, s]) => ({
        method: name,
        'ns/op': s.avg.toFixed(1),
        'p99 ns/op': s.p99.toFixed(1),
        'vs allocUnsafe': `${(unsafe.avg / s.avg).toFixed(2)}x`,
        [`vs ${baselineName}`]: `${(row.methods[baselineName].avg / s.avg).toFixed(2)}x`,
      }));
      console.log(`\n${size} B, ${zeroed ? 'zeroed' : 'not zeroed'} (x = times faster)`);
      console.log(table(printable, Object.keys(printable[0])));
    }
  }
  results.cadence = await runCadence(options);
  console.log(
    `\nPer-request cadence: ns per request, arena (block moved by ${results.cadence[0].move}) against Buffer.allocUnsafe (x = arena time / allocUnsafe time)`,
  );
  console.log(
    table(
      results.cadence.map((c) => ({
        series: c.series,
        'arena ns': c.arenaNs.toFixed(0),
        'arena zeroing ns': c.arenaZeroingNs.toFixed(0),
        'allocUnsafe ns': c.allocUnsafeNs.toFixed(0),
        'arena/allocUnsafe': `${c.ratio.toFixed(2)}x`,
        'zeroing/allocUnsafe': `${c.ratioZeroing.toFixed(2)}x`,
        'floor ns': c.floorNs === null ? '' : c.floorNs.toFixed(0),
        'arena/floor': c.ratioFloor === null ? '' : `${c.ratioFloor.toFixed(2)}x`,
      })),
      [
        'series',
        'arena ns',
        'arena zeroing ns',
        'allocUnsafe ns',
        'arena/allocUnsafe',
        'zeroing/allocUnsafe',
        'floor ns',
        'arena/floor',
      ],
    ),
  );
  results.workload = await runWorkload(SMOKE ? 0.2 : 3);
  console.log('\nRequest workload: 32 allocations of 64 B..64 KiB, touched, then released');
  console.log(
    table(
      results.workload.map((w) => ({
        method: w.name,
        'iterations/s': Math.round(w.perSecond),
        'p50 us': w.p50.toFixed(2),
        'p99 us': w.p99.toFixed(2),
        'max us': w.max.toFixed(1),
      })),
      ['method', 'iterations/s', 'p50 us', 'p99 us', 'max us'],
    ),
  );
  const out = new URL('./', import.meta.url);
  if (!SMOKE) {
    fs.writeFileSync(new URL('results.json', out), `${JSON.stringify(results, null, 2)}\n`);
    fs.writeFileSync(new URL('results.svg', out), renderSvg(results));
    console.log('\nwrote bench/results.json and bench/results.svg');
  }
  console.log(`(sink ${sinkValue()})`);
}

await main();
