// Memory lifetime across JavaScript: views that outlive a collected Arena,
// postMessage with a transfer list (which moves the arena's block to the
// receiver), the panic strategy, and the built binary's TLS model.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MessageChannel, type TransferListItem, Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { LIMITS } from '../../dist/abi.js';
import { binding } from '../../dist/binding.js';
import { Arena, deinitThreadArena, metrics, threadArena } from '../../dist/index.js';
import { arenaOffset, jsonOf, ROOT, runFixture } from '../fixtures/arena-helpers';

describe('a view outlives its collected Arena', () => {
  it('reads its bytes after the Arena object was garbage-collected; memory goes back with the last view', () => {
    const result = runFixture('arena-gc.js', { nodeArgs: ['--expose-gc'] });
    expect(result.status).toBe(0);
    const out = jsonOf(result);
    expect(out.collected).toBe(true); // the Arena object really was collected
    expect(out.text).toBe('kept after the arena was collected');
    expect(out.viewLength).toBe(64);
    expect(out.fallbackLength).toBe(256);
    expect(out.fallbackIntact).toBe(true);
    expect(out.liveDuring).toBe(out.liveBefore + 1);
    expect(out.reservedGrowthDuring).toBe(8 << 20);
    // The gauges follow the Arena (they drop when its wrapper is finalized);
    // the memory follows the views, which the engine keeps it for.
    expect(out.liveAfterArenaGc).toBe(out.liveBefore);
    expect(out.reservedAfterArenaGc).toBe(0);
    expect(out.heldAfterArenaGc).toBe(true);
    expect(out.freedAfterViewsGc).toBe(true); // and the last one gives it back
  });
});

/** Posts `value` with `transfer` through a MessageChannel and returns what arrived. */
async function post(value: unknown, transfer: TransferListItem[]): Promise<any> {
  const { port1, port2 } = new MessageChannel();
  try {
    const arrived = new Promise((resolve) => port2.once('message', resolve));
    port1.postMessage(value, transfer);
    return await arrived;
  } finally {
    port1.close();
    port2.close();
  }
}

describe("postMessage with a transfer list moves the arena's whole block to the receiver", () => {
  it('a Buffer view: the receiver gets the block, the arena goes on at the same offset with fresh memory', async () => {
    const arena = new Arena({ size: 4096 });
    const view = arena.alloc(16);
    view.fill(7);
    const neighbour = arena.alloc(16);
    neighbour.fill(9);
    const stats = arena.stats();
    const moved = metrics().totalMovedOut;
    const received = (await post(view, [view.buffer as ArrayBuffer])) as Uint8Array;
    expect(Array.from(received)).toEqual(new Array(16).fill(7));
    // The whole block went: the neighbour's bytes are in it too, right after.
    expect(received.buffer.byteLength).toBe(4096 + LIMITS.hostedSlackBytes);
    expect(Array.from(new Uint8Array(received.buffer, received.byteOffset + 16, 16))).toEqual(new Array(16).fill(9));
    // Every view of the epoch is dark on the sender's side.
    expect(view.length).toBe(0);
    expect(neighbour.length).toBe(0);
    // Nothing is counted or changed until the arena's next call; then it takes fresh memory.
    expect(arena.stats()).toEqual(stats);
    const next = arena.alloc(16);
    expect(arenaOffset(next)).toBe(32);
    expect(next.every((b) => b === 0)).toBe(true);
    expect(metrics().totalMovedOut - moved).toBe(1);
    expect(next.buffer).not.toBe(received.buffer);
    next.fill(1);
    // The receiver's block is its own: the sender's reset (which zeroes) and destroy leave it as it was.
    arena.reset();
    arena.alloc(4096).fill(2);
    arena.destroy();
    expect(Array.from(received)).toEqual(new Array(16).fill(7));
    expect(Array.from(new Uint8Array(received.buffer, received.byteOffset + 16, 32))).toEqual([
      ...new Array(16).fill(9),
      ...new Array(16).fill(0),
    ]);
    received.fill(3); // and the receiver's to write
    expect(metrics().totalMovedOut - moved).toBe(1);
  });

  it('the ArrayBuffer itself, with another buffer in the list: the same', async () => {
    const arena = new Arena({ size: 4096 });
    const view = arena.alloc(16).fill(7);
    const other = new ArrayBuffer(8);
    const { block, extra } = await post({ block: view.buffer, extra: other }, [view.buffer as ArrayBuffer, other]);
    expect(view.length).toBe(0);
    expect(other.byteLength).toBe(0);
    expect((extra as ArrayBuffer).byteLength).toBe(8);
    expect(
      Array.from(new Uint8Array(block as ArrayBuffer, binding.paddingFor(block as ArrayBuffer, 4096), 16)),
    ).toEqual(new Array(16).fill(7));
    expect(arenaOffset(arena.alloc(16))).toBe(16);
    arena.destroy();
  });

  it('typed arrays and the thread arena move their block; a fallback moves only its own buffer', async () => {
    const arena = new Arena({ size: 64, overflowStrategy: 'fallback' });
    const floats = arena.allocArray(Float64Array, 4);
    floats.fill(2.5);
    const fallback = arena.alloc(1000);
    fallback.fill(3);
    // A fallback is a buffer of its own: posting it leaves the arena's block (and floats) in place.
    // (Whether totalMovedOut counts a moved fallback is left open: it counts arena blocks.)
    const fallbackCopy = (await post(fallback, [fallback.buffer as ArrayBuffer])) as Uint8Array;
    expect(fallback.length).toBe(0);
    expect(fallbackCopy.length).toBe(1000);
    expect(fallbackCopy.every((b) => b === 3)).toBe(true);
    expect(fallbackCopy.buffer.byteLength).toBeLessThan(64 + LIMITS.hostedSlackBytes);
    expect(Array.from(floats)).toEqual([2.5, 2.5, 2.5, 2.5]);
    // The arena's block goes with the typed array over it.
    const moved = metrics().totalMovedOut;
    const floatsCopy = (await post(floats, [floats.buffer as ArrayBuffer])) as Float64Array;
    expect(floatsCopy).toBeInstanceOf(Float64Array);
    expect(Array.from(floatsCopy)).toEqual([2.5, 2.5, 2.5, 2.5]);
    expect(floats.length).toBe(0);
    arena.reset();
    const again = arena.allocArray(Float64Array, 4);
    expect(Array.from(again)).toEqual([0, 0, 0, 0]);
    expect(Array.from(floatsCopy)).toEqual([2.5, 2.5, 2.5, 2.5]);
    expect(fallbackCopy.every((b) => b === 3)).toBe(true);
    expect(metrics().totalMovedOut - moved).toBe(1); // noticed by reset()
    arena.destroy();
    // The thread arena is an ordinary arena: the same, and it stays the thread's arena.
    const thread = threadArena();
    const threadView = thread.alloc(32).fill(4);
    const threadCopy = (await post(threadView, [threadView.buffer as ArrayBuffer])) as Uint8Array;
    expect(threadView.length).toBe(0);
    expect(threadCopy.every((b) => b === 4)).toBe(true);
    expect(threadArena()).toBe(thread);
    const next = thread.alloc(32);
    expect(next.every((b) => b === 0)).toBe(true);
    deinitThreadArena();
    expect(threadCopy.every((b) => b === 4)).toBe(true);
  });

  it('posting to a real worker: the worker reads the bytes after the arena was reset and destroyed', async () => {
    const arena = new Arena({ size: 4096 });
    const view = arena.alloc(8);
    view.fill(5);
    // The worker answers when asked, after the arena is gone, and then ends by
    // itself once its one listener is gone: a process.exit() right after
    // postMessage() can drop the reply.
    const worker = new Worker(
      `const { parentPort } = require('node:worker_threads');
       parentPort.once('message', (view) => parentPort.once('message', () => parentPort.postMessage(Array.from(view))));`,
      { eval: true },
    );
    const replied = new Promise((resolve) => worker.once('message', resolve));
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    worker.postMessage(view, [view.buffer as ArrayBuffer]);
    expect(view.length).toBe(0);
    arena.reset();
    arena.alloc(4096).fill(6);
    arena.destroy();
    worker.postMessage('now');
    expect(await replied).toEqual([5, 5, 5, 5, 5, 5, 5, 5]);
    await exited;
  });
});

describe('overflowStrategy: panic', () => {
  it('ends a child process non-zero with the message on stderr; this run survives', () => {
    const result = runFixture('arena-panic.js');
    expect(result.status === 0).toBe(false);
    expect(result.status !== null || result.signal !== null).toBe(true);
    expect(result.stdout).toContain('before overflow');
    expect(result.stdout).not.toContain('unreachable');
    expect(result.stderr).toMatch(/engram arena overflow/);
    expect(result.stderr).toMatch(/requested 200 bytes/);
    expect(result.stderr).toMatch(/arena size 4096 bytes/);
    // And this process is fine.
    const arena = new Arena({ size: 64, overflowStrategy: 'error_return' });
    expect(arena.alloc(8).length).toBe(8);
    arena.destroy();
  });
});

describe('the built addon', () => {
  const candidates = [path.join(ROOT, 'build', 'Release', 'engram_arena.node')];
  if (process.env.ENGRAM_ARENA_BINARY) candidates.push(path.resolve(process.env.ENGRAM_ARENA_BINARY));
  const binaries = [...new Set(candidates)].filter((file) => fs.existsSync(file));

  it.runIf(process.platform === 'linux')('has no static-TLS requirement (readelf -d: no STATIC_TLS flag)', () => {
    expect(binaries.length).toBeGreaterThan(0);
    for (const file of binaries) {
      const result = spawnSync('readelf', ['-d', file], { encoding: 'utf8' });
      expect(result.error).toBeUndefined();
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(/Dynamic section/);
      expect(result.stdout).toMatch(/NEEDED|SONAME|GNU_HASH/); // really the dynamic table
      expect(result.stdout).not.toMatch(/STATIC_TLS/);
    }
  });
});
