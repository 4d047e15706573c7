// Allocation at a per-request cadence: a reset every few allocations, as a
// service pays it, instead of one reset per arena-full. Each series times a
// whole "request" (its allocations and, for the arena, its reset) and reports
// ns per request beside what the same request costs with Buffer.allocUnsafe;
// the epoch series also beside its floor: moving a plain ArrayBuffer of the
// arena block's size the same way the arena does and making one Buffer on it.

import { createRequire } from 'node:module';
import { measure } from 'mitata';
import { consume } from './methods.mjs';

const require = createRequire(import.meta.url);
const { Arena, ArenaPool } = require('../dist/index.js');
const { MOVE } = require('../dist/memory.js');
const { LIMITS } = require('../dist/abi.js');

const ARENA_BYTES = 1024 * 1024;

/** Requests of `count` allocations of `size` bytes each. */
export const SERIES = [
  { name: 'epoch: reset + first alloc(64)', size: 64, count: 1, baseline: 4096 },
  { name: '64 B, a reset every 64', size: 64, count: 64, baseline: 64 },
  { name: '64 B, a reset every 4096', size: 64, count: 4096, baseline: 64 },
  { name: '4 KiB, a reset every 16', size: 4096, count: 16, baseline: 4096 },
];

/**
 * The floor of an epoch: what ending one costs with no arena at all, moving a
 * plain engine-owned block of the arena's size (as reset() moves its block,
 * detaching every old view) and making one Buffer on the moved block.
 */
function floorRequests() {
  const FastBuffer = Buffer[Symbol.species];
  let block = new ArrayBuffer(ARENA_BYTES + LIMITS.hostedSlackBytes);
  const move = MOVE === 'transfer' ? (b) => b.transfer() : (b) => structuredClone(b, { transfer: [b] });
  return () => {
    for (let r = 0; r < REQUESTS; r++) {
      block = move(block);
      consume(new FastBuffer(block, 64, 64));
    }
  };
}

/** Requests per measured call, so that timer overhead stays out of the figure. */
const REQUESTS = 64;

function arenaRequests(size, count, zeroed) {
  const arena = new Arena({ size: ARENA_BYTES, zeroOnReset: zeroed });
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

/**
 * What a pool costs a request: `pool.run(async (a) => a.alloc(64))` against a
 * plain async function that takes `Buffer.allocUnsafe(64)`, awaited one after
 * the other, alternating over rounds; best round of each, ns per call.
 */
async function poolOverhead(calls, rounds) {
  const pool = new ArenaPool({ size: ARENA_BYTES, maxArenas: 4 });
  const plain = async () => consume(Buffer.allocUnsafe(64));
  const pooled = () => pool.run(async (arena) => consume(arena.alloc(64)));
  const time = async (fn) => {
    const started = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) await fn();
    return Number(process.hrtime.bigint() - started) / calls;
  };
  let best = [Infinity, Infinity];
  for (let r = 0; r < rounds; r++) best = [Math.min(best[0], await time(plain)), Math.min(best[1], await time(pooled))];
  pool.destroy();
  return { plain: best[0], pooled: best[1] };
}

/** ns per request, arena and allocUnsafe interleaved in one run. */
export async function runCadence(options) {
  const rows = [];
  for (const series of SERIES) {
    const perRequest = async (fn) => (await measure(fn, options)).avg / REQUESTS;
    // The baseline request: `count` allocUnsafe of the same size, or for the
    // epoch row one allocUnsafe(4096), the request buffer a user would take.
    const baselineCount = series.count === 1 ? 1 : series.count;
    const epoch = series.count === 1;
    const unsafe = await perRequest(unsafeRequests(series.baseline, baselineCount));
    const floor = epoch ? await perRequest(floorRequests()) : null;
    const arena = await perRequest(arenaRequests(series.size, series.count, false));
    const zeroing = await perRequest(arenaRequests(series.size, series.count, true));
    const unsafeAgain = await perRequest(unsafeRequests(series.baseline, baselineCount));
    const floorAgain = epoch ? await perRequest(floorRequests()) : null;
    const baseline = (unsafe + unsafeAgain) / 2;
    const floorNs = epoch ? (floor + floorAgain) / 2 : null;
    rows.push({
      series: series.name,
      move: MOVE,
      arenaNs: arena,
      arenaZeroingNs: zeroing,
      allocUnsafeNs: baseline,
      ratio: arena / baseline,
      ratioZeroing: zeroing / baseline,
      floorNs,
      ratioFloor: epoch ? arena / floorNs : null,
    });
  }
  const smoke = options.max_samples !== undefined && options.max_samples < 10;
  const pool = await poolOverhead(smoke ? 200 : 50_000, smoke ? 2 : 6);
  rows.push({
    series: 'pool.run(alloc 64) vs async allocUnsafe(64)',
    move: MOVE,
    arenaNs: pool.pooled,
    arenaZeroingNs: pool.pooled,
    allocUnsafeNs: pool.plain,
    ratio: pool.pooled / pool.plain,
    ratioZeroing: pool.pooled / pool.plain,
    floorNs: null,
    ratioFloor: null,
  });
  return rows;
}

// `node bench/cadence.mjs`: this runtime's rows as one JSON line, for
// bench/lines.mjs, which runs it under every pinned Node line.
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  const smoke = process.env.ENGRAM_BENCH_SMOKE === '1';
  const rows = await runCadence(
    smoke ? { min_samples: 2, max_samples: 4, warmup_samples: 1, min_cpu_time: 1e6 } : { min_cpu_time: 300e6 },
  );
  process.stdout.write(`${JSON.stringify({ node: process.version, rows })}\n`);
}
