// The request workload: 32 allocations of mixed sizes (64 B to 64 KiB), each
// touched, then all released, repeated; per-iteration latency percentiles show
// garbage-collection pauses in p99 and max.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { Arena } = require('../dist/index.js');

/** 32 sizes spread log-uniformly over 64 B..64 KiB, the same on every run. */
function requestSizes() {
  const sizes = [];
  let seed = 0x2545f491;
  for (let i = 0; i < 32; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    sizes.push(Math.round(64 * 2 ** ((seed / 2 ** 32) * 10)));
  }
  return sizes;
}

function touch(view) {
  view[0] = 1;
  view[view.length - 1] = 2;
  return view[view.length >> 1];
}

const METHODS = [
  {
    name: 'arena (zeroOnReset)',
    make: () => {
      const a = new Arena({ size: 4 << 20, zeroOnReset: true });
      return { alloc: (n) => a.alloc(n), release: () => a.reset() };
    },
  },
  {
    name: 'arena (no zeroing)',
    make: () => {
      const a = new Arena({ size: 4 << 20, zeroOnReset: false });
      return { alloc: (n) => a.alloc(n), release: () => a.reset() };
    },
  },
  { name: 'Buffer.alloc', make: () => ({ alloc: (n) => Buffer.alloc(n), release: () => {} }) },
  { name: 'Buffer.allocUnsafe', make: () => ({ alloc: (n) => Buffer.allocUnsafe(n), release: () => {} }) },
];

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

/** Runs each method for `seconds`; returns throughput and latency in microseconds. */
export async function runWorkload(seconds) {
  const sizes = requestSizes();
  const results = [];
  for (const method of METHODS) {
    const { alloc, release } = method.make();
    const latencies = [];
    let live = [];
    let checksum = 0;
    const deadline = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));
    const started = process.hrtime.bigint();
    let now = started;
    while (now < deadline) {
      const t0 = now;
      for (const size of sizes) {
        const view = alloc(size);
        checksum += touch(view);
        live.push(view);
      }
      live = [];
      release();
      now = process.hrtime.bigint();
      latencies.push(Number(now - t0) / 1000);
    }
    const elapsed = Number(now - started) / 1e9;
    latencies.sort((a, b) => a - b);
    results.push({
      name: method.name,
      iterations: latencies.length,
      perSecond: latencies.length / elapsed,
      p50: percentile(latencies, 0.5),
      p99: percentile(latencies, 0.99),
      max: latencies[latencies.length - 1],
      checksum,
    });
    await new Promise((resolve) => setImmediate(resolve));
  }
  return results;
}
