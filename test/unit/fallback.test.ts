// The fallback strategy: requests that do not fit are served from the heap
// until the next reset, under the same detach rules as arena memory.
import { describe, expect, it } from 'vitest';
import { binding } from '../../dist/binding.js';
import { Arena, ArenaDestroyedError, metrics, resetMetrics } from '../../dist/index.js';
import { arenaOffset, expectThrow, thrown } from '../fixtures/arena-helpers';

describe('overflowStrategy: fallback', () => {
  it('serves beyond capacity with a working Buffer; the offset does not move', () => {
    resetMetrics();
    const arena = new Arena({ size: 4096, overflowStrategy: 'fallback' });
    const inArena = arena.alloc(4000, 1);
    inArena.fill(0x11);
    const before = arena.stats();
    const extra = arena.alloc(1000, 64);
    expect(Buffer.isBuffer(extra)).toBe(true);
    expect(extra.length).toBe(1000);
    expect(extra.every((b) => b === 0)).toBe(true); // zeroOnReset arenas hand out zeroed fallbacks
    expect(extra.write('served from the heap')).toBe(20);
    expect(extra.toString('utf8', 0, 20)).toBe('served from the heap');
    extra.writeUInt32LE(0xcafebabe, 996);
    expect(extra.readUInt32LE(996)).toBe(0xcafebabe);
    expect(extra.constructor).toBe(Buffer);
    expect(extra.buffer).not.toBe(inArena.buffer); // its own memory, an engine-owned ArrayBuffer
    // Its own buffer has no page-aligned byte 0 to count from: alignment is checked on the address.
    expect((extra.byteOffset - binding.paddingFor(extra.buffer as ArrayBuffer, 64)) % 64).toBe(0);
    expect(inArena.every((b) => b === 0x11)).toBe(true); // the arena's bytes are untouched
    expect(arena.stats()).toEqual({
      ...before,
      overflows: 1,
      allocations: 2,
      bytesAllocated: 5000,
      fallbacks: 1,
      fallbackBytes: 1000,
    });
    expect(arena.stats().currentUsage).toBe(4000);
    expect(arena.remaining()).toBe(96);
    // Small requests still go to the arena while they fit.
    const small = arena.alloc(50, 1);
    expect(small.buffer).toBe(inArena.buffer);
    expect(arenaOffset(small)).toBe(4000);
    expect(arena.stats()).toMatchObject({ currentUsage: 4050, fallbacks: 1, allocations: 3 });
    // Nothing reaches the metrics before the reset.
    expect(metrics()).toMatchObject({ totalFallbacks: 0, totalAllocations: 0 });
    arena.destroy();
  });

  it('typed arrays can be fallbacks too', () => {
    const arena = new Arena({ size: 64, overflowStrategy: 'fallback' });
    const floats = arena.allocArray(Float64Array, 100);
    expect(floats).toBeInstanceOf(Float64Array);
    expect(floats.length).toBe(100);
    floats[99] = 1.25;
    expect(Buffer.from(floats.buffer, floats.byteOffset, floats.byteLength).readDoubleLE(99 * 8)).toBe(1.25);
    const bigs = arena.allocArray(BigUint64Array, 20);
    bigs[19] = 2n ** 64n - 1n;
    expect(bigs[19]).toBe(2n ** 64n - 1n);
    expect(arena.stats()).toMatchObject({ fallbacks: 2, fallbackBytes: 800 + 160, currentUsage: 0 });
    arena.destroy();
  });

  it('reset detaches and frees every fallback; metrics count them', () => {
    resetMetrics();
    const arena = new Arena({ size: 4096, overflowStrategy: 'fallback' });
    arena.alloc(4096, 1);
    const a = arena.alloc(100, 1);
    const b = arena.alloc(200, 1);
    const c = arena.allocArray(Int32Array, 10);
    a.fill(0xff);
    arena.reset();
    for (const view of [a, b, c]) {
      expect(view.length).toBe(0);
      expect(view.buffer.byteLength).toBe(0);
    }
    expect(arena.stats()).toMatchObject({
      fallbacks: 0,
      fallbackBytes: 0,
      currentUsage: 0,
      overflows: 0,
      allocations: 0,
    });
    expect(metrics()).toMatchObject({
      totalResets: 1,
      totalFallbacks: 3,
      totalOverflows: 3,
      totalAllocations: 4,
      totalBytesAllocated: 4096 + 100 + 200 + 40,
      maxHighWaterMark: 4096,
    });
    // After the reset the same request fits in the arena again, and reads as zero.
    const again = arena.alloc(100, 1);
    expect(arenaOffset(again)).toBe(0);
    expect(again.every((x) => x === 0)).toBe(true);
    expect(arena.stats().fallbacks).toBe(0);
    arena.destroy();
  });

  it('a fallback moved out by user code stays with the user; reset and the next epoch go on', () => {
    const arena = new Arena({ size: 64, overflowStrategy: 'fallback' });
    const extra = arena.alloc(1000, 1);
    extra.fill(0x5c);
    const offset = extra.byteOffset;
    // Structured clone with a transfer list moves it on every Node line (transfer() needs 22+).
    const moved = structuredClone(extra.buffer, { transfer: [extra.buffer as ArrayBuffer] });
    expect(extra.length).toBe(0);
    arena.reset(); // nothing to detach any more: must not throw
    const next = arena.alloc(1000, 1);
    expect(next.every((b) => b === 0)).toBe(true);
    next.fill(0x11);
    arena.reset();
    const mine = new Uint8Array(moved, offset, 1000);
    expect(mine.every((b) => b === 0x5c)).toBe(true);
    arena.destroy();
    expect(mine.every((b) => b === 0x5c)).toBe(true);
  });

  it('a zeroing arena zeroes each fallback it hands out', () => {
    const arena = new Arena({ size: 64, overflowStrategy: 'fallback', zeroOnReset: true });
    for (let round = 0; round < 5; round++) {
      const view = arena.alloc(4096, 1);
      expect(view.every((x) => x === 0)).toBe(true);
      view.fill(0xee);
      arena.reset();
    }
    arena.destroy();
  });

  it('destroy detaches fallbacks and folds them into the metrics', () => {
    resetMetrics();
    const arena = new Arena({ size: 64, overflowStrategy: 'fallback' });
    const view = arena.alloc(1000);
    arena.destroy();
    expect(view.length).toBe(0);
    expect(metrics()).toMatchObject({ totalFallbacks: 1, totalAllocations: 1, totalResets: 0 });
    expectThrow(() => arena.alloc(1000), ArenaDestroyedError, 'ERR_ARENA_DESTROYED');
  });

  it('size limits still apply: above 1 GiB is a RangeError, not a fallback', () => {
    const arena = new Arena({ size: 64, overflowStrategy: 'fallback' });
    const before = arena.stats();
    expectThrow(() => arena.alloc(2 ** 30 + 1), RangeError, 'ERR_ARENA_INVALID_SIZE');
    expectThrow(() => arena.alloc(100, 8192), RangeError, 'ERR_ARENA_INVALID_ALIGNMENT');
    expect(arena.stats()).toEqual(before);
    expect(thrown(() => arena.alloc(100, 3))).toBeInstanceOf(RangeError);
    arena.destroy();
  });
});
