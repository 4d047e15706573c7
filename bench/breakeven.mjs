// `node bench/breakeven.mjs`: when does a pooled arena pay off? One "request"
// is `count` allocations of `size` bytes, each written once, in an async
// function: through pool.run() (one reset per request) or with Buffer.alloc*.
// Prints arena time / heap time per cell, zeroed against zeroed and unzeroed
// against unzeroed, side by side in one run; below 1.00x the arena wins.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { ArenaPool } = require('../dist/index.js');

const SIZES = [64, 1024, 4096, 16384];
const COUNTS = [1, 8, 64, 256];
const SECONDS = Number(process.env.ENGRAM_BENCH_SECONDS || 0.2);
const pools = [true, false].map((zeroOnReset) => new ArenaPool({ size: 8 << 20, maxArenas: 1, zeroOnReset }));
let sink = 0;

const METHODS = {
  'arena, zeroOnReset': (size, count) =>
    pools[0].run(async (arena) => {
      for (let i = 0; i < count; i++) sink += arena.alloc(size)[0] = i;
    }),
  'Buffer.alloc': async (size, count) => {
    for (let i = 0; i < count; i++) sink += Buffer.alloc(size)[0] = i;
  },
  'arena, no zeroing': (size, count) =>
    pools[1].run(async (arena) => {
      for (let i = 0; i < count; i++) sink += arena.alloc(size)[0] = i;
    }),
  'Buffer.allocUnsafe': async (size, count) => {
    for (let i = 0; i < count; i++) sink += Buffer.allocUnsafe(size)[0] = i;
  },
};

/** ns per request of `method`, one request at a time for SECONDS. */
async function time(method, size, count) {
  const deadline = process.hrtime.bigint() + BigInt(Math.round(SECONDS * 1e9));
  const started = process.hrtime.bigint();
  let requests = 0;
  while (process.hrtime.bigint() < deadline) {
    for (let i = 0; i < 16; i++) await method(size, count);
    requests += 16;
  }
  return Number(process.hrtime.bigint() - started) / requests;
}

const best = new Map();
// Three passes, taking each cell's best, so that a burst from a neighbour hits one pass, not the figure.
for (let pass = 0; pass < 3; pass++) {
  for (const size of SIZES) {
    for (const count of COUNTS) {
      for (const [name, method] of Object.entries(METHODS)) {
        const key = `${name}|${size}|${count}`;
        best.set(key, Math.min(best.get(key) ?? Infinity, await time(method, size, count)));
      }
    }
  }
}

const ratio = (a, b, size, count) =>
  `${(best.get(`${a}|${size}|${count}`) / best.get(`${b}|${size}|${count}`)).toFixed(2)}x`;
console.log(`Node ${process.version}: arena time / heap time per request (below 1.00x the arena wins)`);
console.log(['size', 'allocations per reset', ...COUNTS.map(String)].join('\t'));
for (const size of SIZES) {
  console.log(
    [
      `${size} B`,
      'no zeroing vs allocUnsafe',
      ...COUNTS.map((c) => ratio('arena, no zeroing', 'Buffer.allocUnsafe', size, c)),
    ].join('\t'),
  );
  console.log(
    [
      `${size} B`,
      'zeroOnReset vs alloc',
      ...COUNTS.map((c) => ratio('arena, zeroOnReset', 'Buffer.alloc', size, c)),
    ].join('\t'),
  );
}
console.log(
  `ns per request, arena no zeroing / allocUnsafe at 1 x 64 B: ${best.get('arena, no zeroing|64|1').toFixed(0)} / ${best.get('Buffer.allocUnsafe|64|1').toFixed(0)}`,
);
for (const pool of pools) pool.destroy();
if (sink === 0.5) console.log('unreachable');
