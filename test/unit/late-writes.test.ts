// Native code may take a pointer into a view, call back into JavaScript, and
// write after that callback returned (Buffer#fill takes its pointer, then
// calls valueOf). A reset or a pool release inside such a callback must not
// let those writes reach a fresh allocation: a zeroing
// arena zeroes what a reset left when it next hands memory out.
import { describe, expect, it } from 'vitest';
import { Arena, ArenaPool } from '../../dist/index.js';

const SIZE = 4096;

describe('writes landing after a reset, through a pointer taken before it', () => {
  it("arena.reset() inside fill()'s valueOf: the next allocation is zero", () => {
    const arena = new Arena({ size: 1 << 16 });
    for (let round = 0; round < 3; round++) {
      const view = arena.alloc(SIZE);
      view.fill({ valueOf: () => (arena.reset(), 0x41) } as never);
      const next = arena.alloc(SIZE);
      expect(next.indexOf(0x41)).toBe(-1);
      expect(arena.stats().allocations).toBe(1);
      arena.reset();
    }
    arena.destroy();
  });

  it('also for a typed array and a small allocation after it', () => {
    const arena = new Arena({ size: 1 << 16 });
    const view = arena.alloc(SIZE);
    view.fill({ valueOf: () => (arena.reset(), 0x42) } as never);
    const small = arena.alloc(16);
    const floats = arena.allocArray(Float64Array, 256);
    expect(small.indexOf(0x42)).toBe(-1);
    expect(floats.every((x) => x === 0)).toBe(true);
    arena.destroy();
  });

  it("pool.release() inside valueOf with a caller queued: the waiter's first allocation is zero", async () => {
    const pool = new ArenaPool({ size: 1 << 16, maxArenas: 1 });
    const first = await pool.acquire();
    const waiting = pool.acquire();
    const view = first.alloc(SIZE);
    view.fill({ valueOf: () => (pool.release(first), 0x43) } as never);
    const second = await waiting;
    expect(second.alloc(SIZE).indexOf(0x43)).toBe(-1);
    pool.release(second);
    pool.destroy();
  });

  it('without zeroOnReset the arena keeps bytes across a reset, as documented', () => {
    const arena = new Arena({ size: 1 << 16, zeroOnReset: false });
    const view = arena.alloc(SIZE);
    view.fill({ valueOf: () => (arena.reset(), 0x44) } as never);
    expect(arena.alloc(SIZE)[0]).toBe(0x44);
    arena.destroy();
  });
});
