// threadArena / resetThreadArena / deinitThreadArena on the main thread, in
// worker_threads (isolation, exact global metrics, cleanup at worker exit),
// and native calls racing worker.terminate().
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { binding } from '../../dist/binding.js';
import {
  Arena,
  ArenaDestroyedError,
  ArenaError,
  configure,
  deinitThreadArena,
  metrics,
  resetConfig,
  resetMetrics,
  resetThreadArena,
  threadArena,
} from '../../dist/index.js';
import { arenaOffset, expectThrow, FIXTURES, jsonOf, runFixture } from '../fixtures/arena-helpers';

afterEach(() => {
  deinitThreadArena();
  resetConfig();
});

describe('the main thread arena', () => {
  it('is created on first use from the config and is the same object until deinit', () => {
    deinitThreadArena();
    configure({ size: 65536 * 3 });
    const live = metrics().liveArenas;
    const arena = threadArena();
    expect(arena).toBeInstanceOf(Arena);
    expect(threadArena()).toBe(arena);
    expect(arena.size).toBe(65536 * 3);
    expect(arena.destroyed).toBe(false);
    expect(metrics()).toMatchObject({ liveArenas: live + 1 });
    const view = arena.alloc(100, 4096);
    expect(arenaOffset(view)).toBe(0); // byte 0 on a page, like instance arenas
    expect(Buffer.isBuffer(view)).toBe(true);
  });

  it('resetThreadArena() resets it and detaches its views; zeroes when configured to', () => {
    configure({ zeroOnReset: true });
    deinitThreadArena();
    resetMetrics();
    const arena = threadArena();
    const view = arena.alloc(256, 1);
    view.fill(0xff);
    const floats = arena.allocArray(Float64Array, 4);
    resetThreadArena();
    expect(view.length).toBe(0);
    expect(floats.length).toBe(0);
    expect(arena.stats()).toMatchObject({ currentUsage: 0, allocations: 0, highWaterMark: 256 + 32 });
    expect(metrics()).toMatchObject({ totalResets: 1, totalAllocations: 2, totalBytesAllocated: 256 + 32 });
    expect(
      threadArena()
        .alloc(256, 1)
        .every((b) => b === 0),
    ).toBe(true);
  });

  it('without zeroOnReset the thread arena keeps its bytes across resets', () => {
    configure({ zeroOnReset: false });
    deinitThreadArena();
    threadArena().alloc(64, 1).fill(0xab);
    resetThreadArena();
    expect(
      threadArena()
        .alloc(64, 1)
        .every((b) => b === 0xab),
    ).toBe(true);
  });

  it('resetThreadArena() before any use does not create one', () => {
    deinitThreadArena();
    const before = metrics();
    resetThreadArena();
    resetThreadArena();
    expect(metrics()).toEqual(before);
  });

  it('deinitThreadArena() detaches views, frees it, and the next threadArena() is fresh', () => {
    deinitThreadArena();
    const live = metrics().liveArenas;
    const old = threadArena();
    const view = old.alloc(32);
    view.fill(1);
    expect(metrics().liveArenas).toBe(live + 1);
    deinitThreadArena();
    expect(view.length).toBe(0);
    expect(view.buffer.byteLength).toBe(0);
    expect(old.destroyed).toBe(true);
    expect(metrics().liveArenas).toBe(live);
    expectThrow(() => old.alloc(1), ArenaDestroyedError, 'ERR_ARENA_DESTROYED');
    expectThrow(() => old.reset(), ArenaDestroyedError, 'ERR_ARENA_DESTROYED');
    deinitThreadArena(); // a second call is a no-op
    expect(metrics().liveArenas).toBe(live);
    const fresh = threadArena();
    expect(fresh).not.toBe(old);
    expect(fresh.stats()).toMatchObject({ currentUsage: 0, allocations: 0, highWaterMark: 0 });
    expect(fresh.alloc(32).every((b) => b === 0)).toBe(true);
    expect(metrics().liveArenas).toBe(live + 1);
  });

  it('deinitThreadArena() folds its counters into the metrics, without counting a reset', () => {
    deinitThreadArena();
    resetMetrics();
    const arena = threadArena();
    arena.alloc(1000, 1);
    arena.alloc(24, 8);
    deinitThreadArena();
    expect(metrics()).toMatchObject({
      totalResets: 0,
      totalAllocations: 2,
      totalBytesAllocated: 1024,
      maxHighWaterMark: 1024,
    });
  });

  it('destroy() on the thread arena acts like deinitThreadArena()', () => {
    deinitThreadArena();
    const live = metrics().liveArenas;
    const arena = threadArena();
    const view = arena.alloc(8);
    arena.destroy();
    expect(view.length).toBe(0);
    expect(arena.destroyed).toBe(true);
    expect(metrics().liveArenas).toBe(live);
    const next = threadArena();
    expect(next).not.toBe(arena);
    expect(next.destroyed).toBe(false);
  });

  it('scope() works on the thread arena', () => {
    const arena = threadArena();
    const kept = arena.scope((a) => {
      const v = a.alloc(8);
      v.fill(3);
      return v;
    });
    expect(kept.length).toBe(0);
    expect(arena.stats().currentUsage).toBe(0);
  });
});

interface WorkerReport {
  id: number;
  waitedOut: boolean;
  intact: boolean;
  size: number;
  statsAfterFill: Record<string, number>;
  statsAfterBarrier: Record<string, number>;
  overflowed: boolean;
  detachedByReset: boolean;
  zeroed: boolean;
  sameObject: boolean;
  destroyedByDeinit: boolean;
  capacityAfterDeinit: number;
}

function runWorker(workerData: Record<string, unknown>): Promise<{ report: WorkerReport; exitCode: number }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(path.join(FIXTURES, 'arena-thread-worker.js'), { workerData });
    let report: WorkerReport | undefined;
    worker.on('message', (message: WorkerReport) => {
      report = message;
    });
    worker.on('error', reject);
    worker.on('exit', (exitCode) => {
      if (report === undefined)
        reject(new Error(`worker ${String(workerData.id)} exited (${exitCode}) without a report`));
      else resolve({ report, exitCode });
    });
  });
}

describe('thread arenas in 4 worker_threads', () => {
  it('are isolated from each other and from the main thread; global metrics are exact afterwards', async () => {
    const size = 65536;
    configure({ size, overflowStrategy: 'error_return', zeroOnReset: true });
    deinitThreadArena();
    // The main thread's own arena, filled before the workers start and checked after.
    const mainArena = threadArena();
    const mainView = mainArena.alloc(4096, 64);
    mainView.fill(0xa5);
    resetMetrics();
    const before = metrics();

    const parties = 4;
    const barrier = new Int32Array(new SharedArrayBuffer(4));
    const ids = [1, 2, 3, 4];
    // Workers 1 and 2 call deinitThreadArena(); 3 and 4 leave it to their environment's cleanup.
    const results = await Promise.all(ids.map((id) => runWorker({ id, parties, barrier, deinit: id <= 2 })));

    for (const { report, exitCode } of results) {
      expect(exitCode).toBe(0);
      expect(report.waitedOut).toBe(false); // all four held their arenas at once
      expect(report.intact).toBe(true); // nobody else wrote into this worker's bytes
      expect(report.size).toBe(size);
      // Each arena counted only its own allocation although four ran at once.
      expect(report.statsAfterFill).toMatchObject({ currentUsage: 4096, allocations: 1, bytesAllocated: 4096 });
      expect(report.statsAfterBarrier).toEqual(report.statsAfterFill);
      expect(report.overflowed).toBe(true);
      expect(report.detachedByReset).toBe(true);
      expect(report.zeroed).toBe(true);
      expect(report.sameObject).toBe(true);
      expect(report.destroyedByDeinit).toBe(report.id <= 2);
      expect(report.sizeAfterDeinit).toBe(report.id <= 2 ? 0 : size);
    }
    // The main thread's arena is untouched.
    expect(mainView.length).toBe(4096);
    expect(mainView.every((b) => b === 0xa5)).toBe(true);
    expect(mainArena.stats()).toMatchObject({ currentUsage: 4096, allocations: 1 });

    // Per worker: alloc 4096, alloc id*100, 1 overflow, reset (folds 2 allocations),
    // alloc id*1000 (folded at deinit or at the worker's exit).
    const sum = (f: (id: number) => number): number => ids.reduce((total, id) => total + f(id), 0);
    expect(metrics()).toEqual({
      totalResets: parties,
      totalOverflows: parties,
      maxHighWaterMark: Math.max(...ids.map((id) => 4096 + id * 100)),
      totalAllocations: parties * 3,
      totalBytesAllocated: sum((id) => 4096 + id * 100 + id * 1000),
      totalFallbacks: 0,
      totalMovedOut: 0,
      liveArenas: before.liveArenas, // every worker's thread arena was freed
      reservedBytes: before.reservedBytes,
    });
  });

  it('a worker that exits without cleaning up frees its thread arena and its instance arenas', async () => {
    const before = metrics();
    const code = `
      const { threadArena, Arena } = require(${JSON.stringify(path.join(FIXTURES, '..', '..', 'dist', 'index.js'))});
      const { parentPort } = require('node:worker_threads');
      threadArena().alloc(10).fill(1);
      const kept = new Arena({ size: 65536 });
      kept.alloc(10);
      globalThis.kept = kept;
      new Arena({ size: 65536 }); // dropped without destroy()
      const { metrics } = require(${JSON.stringify(path.join(FIXTURES, '..', '..', 'dist', 'index.js'))});
      parentPort.postMessage(metrics().liveArenas);
    `;
    const liveInside = await new Promise<number>((resolve, reject) => {
      const worker = new Worker(code, { eval: true });
      let live = -1;
      worker.on('message', (value: number) => {
        live = value;
      });
      worker.on('error', reject);
      worker.on('exit', () => resolve(live));
    });
    expect(liveInside).toBe(before.liveArenas + 3);
    expect(metrics().liveArenas).toBe(before.liveArenas);
    expect(metrics().reservedBytes).toBe(before.reservedBytes);
  });
});

describe('calls racing worker.terminate()', () => {
  it('a worker looping alloc/reset, terminated 40 times, never crashes the process and leaks nothing', () => {
    // In a child process: a crash there must fail this test, not end the test run.
    const result = runFixture('arena-race.js', { args: ['40'] });
    expect(result.signal).toBeNull();
    expect(result.stderr).not.toMatch(/FATAL ERROR|terminate called|Aborted/);
    expect(result.status).toBe(0);
    const out = jsonOf(result);
    expect(out.rounds).toBe(40);
    expect(out.errors).toBe(0); // no worker died of an error before it was terminated
    expect(out.liveAfter).toBe(out.liveBefore);
    expect(out.reservedAfter).toBe(out.reservedBefore);
  });
});

describe('a retired thread arena handle stays dead after a new one takes its place', () => {
  it('the old Arena object cannot allocate from, reset or read the new thread arena', () => {
    deinitThreadArena();
    const old = threadArena();
    old.alloc(16);
    deinitThreadArena();
    const fresh = threadArena(); // lives in the same thread-local slot
    fresh.alloc(100, 1);
    const before = fresh.stats();
    expectThrow(() => old.alloc(1), ArenaDestroyedError, 'ERR_ARENA_DESTROYED');
    expectThrow(() => old.allocArray(Uint8Array, 1), ArenaDestroyedError, 'ERR_ARENA_DESTROYED');
    expectThrow(() => old.reset(), ArenaDestroyedError, 'ERR_ARENA_DESTROYED');
    expectThrow(() => old.stats(), ArenaDestroyedError, 'ERR_ARENA_DESTROYED');
    expectThrow(() => old.remaining(), ArenaDestroyedError, 'ERR_ARENA_DESTROYED');
    expect(old.destroyed).toBe(true);
    old.destroy(); // a no-op: must not free the new arena
    expect(fresh.destroyed).toBe(false);
    expect(fresh.stats()).toEqual(before);
    expect(arenaOffset(fresh.alloc(8, 1))).toBe(100);
  });

  it('the same after destroy() on the thread arena', () => {
    const old = threadArena();
    old.destroy();
    const fresh = threadArena();
    const before = fresh.stats();
    expectThrow(() => old.alloc(1), ArenaDestroyedError, 'ERR_ARENA_DESTROYED');
    expect(fresh.stats()).toEqual(before);
    expect(fresh.destroyed).toBe(false);
  });
});

describe('one owner: the thread arena is an ordinary Arena that lib/thread-arena.ts alone makes and frees', () => {
  it('deinitThreadArena() destroys it once; a second call and a destroy() by its user change nothing else', () => {
    deinitThreadArena();
    const live = metrics().liveArenas;
    const arena = threadArena();
    expect(metrics().liveArenas).toBe(live + 1);
    deinitThreadArena();
    expect(arena.destroyed).toBe(true);
    expect(metrics().liveArenas).toBe(live);
    deinitThreadArena(); // nothing left to free
    expect(metrics().liveArenas).toBe(live);
    const next = threadArena();
    next.destroy(); // by its user: the next threadArena() makes a fresh one
    const third = threadArena();
    expect(third).not.toBe(next);
    expect(third.destroyed).toBe(false);
    expect(metrics().liveArenas).toBe(live + 1);
  });

  it("a held thread arena stays the thread's: deinitThreadArena() throws ERR_ARENA_HELD and changes nothing", () => {
    const arena = threadArena();
    const hold = arena.hold();
    expectThrow(() => deinitThreadArena(), ArenaError, 'ERR_ARENA_HELD');
    expect(threadArena()).toBe(arena);
    hold.release();
    deinitThreadArena();
    expect(arena.destroyed).toBe(true);
  });

  it('the binding has no thread-arena entry points of its own', () => {
    for (const name of ['threadArena', 'resetThreadArena', 'deinitThreadArena']) {
      expect((binding as unknown as Record<string, unknown>)[name]).toBeUndefined();
    }
  });
});
