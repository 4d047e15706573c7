// Allocation at a per-request cadence: a reset every few allocations, as a
// service pays it, instead of one reset per arena-full. Each series times a
// whole "request" (its allocations and, for the arena, its reset) and reports
// ns per request beside what the same request costs with Buffer.allocUnsafe.
import { measure } from 'mitata';
import { createRequire } from 'node:module';
import { consume } from './methods.mjs';

const require = createRequire(import.meta.url);
const { Arena } = require('../dist/index.js');
const { VIEW_MODE } = require('../dist/windows.js');

/** Requests of `count` allocations of `size` bytes each. */
export const SERIES = [
  { name: 'epoch: reset + first alloc(64)', size: 64, count: 1, baseline: 4096 },
  { name: '64 B, a reset every 64', size: 64, count: 64, baseline: 64 },
  { name: '4 KiB, a reset every 16', size: 4096, count: 16, baseline: 4096 },
];

/** Requests per measured call, so that timer overhead stays out of the figure. */
const REQUESTS = 64;

function arenaRequests(size, count, zeroed) {
  const arena = new Arena({ size: 1024 * 1024, zeroOnReset: zeroed });
  return () => {
    for (let r = 0; r < REQUESTS; r++) {
      for (let i = 0; i < count; i++) consume(arena.alloc(size));
      arena.reset();
    }
  };
}

function unsafeRequests(size, count) {
  return () => {
    for (let r = 0; r < REQUESTS; r++) {
      for (let i = 0; i < count; i++) consume(Buffer.allocUnsafe(size));
    }
  };
}

/** ns per request, arena and allocUnsafe interleaved in one run. */
export async function runCadence(options) {
  const rows = [];
  for (const series of SERIES) {
    const perRequest = async (fn) => (await measure(fn, options)).avg / REQUESTS;
    // The baseline request: `count` allocUnsafe of the same size, or for the
    // epoch row one allocUnsafe(4096), the request buffer a user would take.
    const baselineCount = series.count === 1 ? 1 : series.count;
    const unsafe = await perRequest(unsafeRequests(series.baseline, baselineCount));
    const arena = await perRequest(arenaRequests(series.size, series.count, false));
    const zeroing = await perRequest(arenaRequests(series.size, series.count, true));
    const unsafeAgain = await perRequest(unsafeRequests(series.baseline, baselineCount));
    const baseline = (unsafe + unsafeAgain) / 2;
    rows.push({
      series: series.name,
      viewMode: VIEW_MODE,
      arenaNs: arena,
      arenaZeroingNs: zeroing,
      allocUnsafeNs: baseline,
      ratio: arena / baseline,
      ratioZeroing: zeroing / baseline,
    });
  }
  return rows;
}

// `node bench/cadence.mjs`: this runtime's rows as one JSON line, for
// bench/lines.mjs, which runs it under every pinned Node line.
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  const smoke = process.env.ENGRAM_BENCH_SMOKE === '1';
  const rows = await runCadence(smoke ? { min_samples: 2, max_samples: 4, warmup_samples: 1, min_cpu_time: 1e6 } : { min_cpu_time: 300e6 });
  process.stdout.write(`${JSON.stringify({ node: process.version, rows })}\n`);
}
