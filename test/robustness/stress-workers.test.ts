// Workers: 8 workers each make 100,000 allocations in their thread arena (and
// a small fallback arena) with resets, stamp each allocation with a pattern
// naming the worker and the allocation, and verify every live one before each
// reset: no cross-thread corruption. Afterwards the process-wide metrics equal
// the sum of what the workers counted, exactly, and the gauges are back.

import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { metrics, resetMetrics } from '../../dist/index.js';

const WORKERS = 8;
const ALLOCATIONS = Number(process.env.ENGRAM_STRESS_ALLOCATIONS ?? 100_000);
const FIXTURE = path.join(__dirname, '..', 'fixtures', 'robust', 'stress-worker.cjs');

interface Tally {
  allocations: number;
  bytes: number;
  resets: number;
  overflows: number;
  fallbacks: number;
  maxHighWaterMark: number;
  verified: number;
  corrupt: number;
}

function runWorker(id: number, exitMode: 'explicit' | 'teardown'): Promise<Tally> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(FIXTURE, {
      workerData: { id, allocations: ALLOCATIONS, seed: 0x9e3779b9 ^ (id * 7919), exitMode },
    });
    let tally: Tally | null = null;
    worker.on('message', (t: Tally) => (tally = t));
    worker.on('error', reject);
    // 'exit' comes after the worker's environment was torn down (cleanup hooks ran).
    worker.on('exit', (code) =>
      code === 0 && tally ? resolve(tally) : reject(new Error(`worker ${id} exited with ${code}`)),
    );
  });
}

describe('stress: 8 workers, thread arenas, exact metrics', () => {
  it(`${WORKERS} workers x ${ALLOCATIONS} allocations: patterns intact, metrics exact`, async () => {
    resetMetrics();
    const base = metrics();
    const tallies = await Promise.all(
      Array.from({ length: WORKERS }, (_, id) => runWorker(id, id % 2 === 0 ? 'explicit' : 'teardown')),
    );
    const sum = (k: keyof Tally) => tallies.reduce((n, t) => n + t[k], 0);
    const after = metrics();
    console.log(
      `[stress-workers] ${WORKERS} workers, ${sum('allocations')} allocations (${(sum('bytes') / 2 ** 20).toFixed(1)} MiB), ` +
        `${sum('resets')} resets, ${sum('overflows')} overflows, ${sum('fallbacks')} fallbacks, ${sum('verified')} views verified, ` +
        `${sum('corrupt')} corrupt; metrics after: ${JSON.stringify(after)}`,
    );
    expect(sum('corrupt')).toBe(0);
    for (const t of tallies) expect(t.allocations).toBeGreaterThan(ALLOCATIONS);
    expect(sum('fallbacks')).toBeGreaterThan(0);
    expect(sum('overflows')).toBeGreaterThan(sum('fallbacks'));
    expect(after).toEqual({
      totalResets: sum('resets'),
      totalOverflows: sum('overflows'),
      maxHighWaterMark: Math.max(...tallies.map((t) => t.maxHighWaterMark)),
      totalAllocations: sum('allocations'),
      totalBytesAllocated: sum('bytes'),
      totalFallbacks: sum('fallbacks'),
      totalMovedOut: 0,
      // Every worker's arenas are gone: its thread arena by its cleanup hook or
      // deinitThreadArena(), its instance arena by destroy() or by teardown.
      liveArenas: base.liveArenas,
      reservedBytes: base.reservedBytes,
    });
  });
});
