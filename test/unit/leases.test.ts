// A pool lends an arena to one holder at a time: the Arena
// object a caller released reads as destroyed from then on, so a second
// release of it, a release after the arena was lent to someone else, or any
// use of it, is refused and changes nothing for the arena's next holder.
import { describe, expect, it } from 'vitest';
import { type Arena, ArenaDestroyedError, ArenaPool, ArenaPoolReleaseError } from '../../dist/index.js';
import { expectThrow } from '../fixtures/arena-helpers';

describe('leases', () => {
  it('a double release with a caller queued: refused, the waiter keeps the arena to itself', async () => {
    const pool = new ArenaPool({ size: 1 << 16, maxArenas: 1 });
    const first = await pool.acquire();
    const waiting = pool.acquire();
    first.alloc(64).fill(1);
    pool.release(first);
    expectThrow(() => pool.release(first), ArenaPoolReleaseError, 'ERR_ARENA_POOL_DOUBLE_RELEASE');
    const second = await waiting;
    const mine = second.alloc(4096);
    mine.fill(0x22);
    // A third caller must queue: the arena is still lent to the second.
    let third: Arena | null = null;
    const queued = pool.acquire().then((arena) => (third = arena));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(third).toBeNull();
    expect(pool.stats()).toMatchObject({ inUse: 1, waiting: 1, released: 1 });
    expect(mine.every((b) => b === 0x22)).toBe(true);
    pool.release(second);
    await queued;
    expect(third!.alloc(4096).every((b) => b === 0)).toBe(true);
    pool.release(third!);
    pool.destroy();
  });

  it('the released handle cannot allocate, reset, hold or destroy the arena its next holder uses', async () => {
    const pool = new ArenaPool({ size: 1 << 16, maxArenas: 1 });
    const old = await pool.acquire();
    pool.release(old);
    const next = await pool.acquire();
    const view = next.alloc(16).fill(7);
    expect(old.destroyed).toBe(true);
    expectThrow(() => old.alloc(16), ArenaDestroyedError, 'ERR_ARENA_DESTROYED');
    expectThrow(() => old.reset(), ArenaDestroyedError, 'ERR_ARENA_DESTROYED');
    expectThrow(() => old.hold(), ArenaDestroyedError, 'ERR_ARENA_DESTROYED');
    old.destroy(); // a no-op on a stale handle
    expect(next.destroyed).toBe(false);
    expect([...view]).toEqual(new Array(16).fill(7));
    expect(next.stats().allocations).toBe(1);
    pool.release(next);
    pool.destroy();
  });

  it('an arena kept from a run() reads as destroyed once run() settles; releasing it is refused', async () => {
    const pool = new ArenaPool({ size: 1 << 16, maxArenas: 1 });
    let kept!: Arena;
    await pool.run(async (arena) => {
      kept = arena;
      expectThrow(() => pool.release(arena), ArenaPoolReleaseError, 'ERR_ARENA_POOL_RUN_OWNED');
      arena.alloc(8);
    });
    expect(kept.destroyed).toBe(true);
    expectThrow(() => pool.release(kept), ArenaPoolReleaseError, 'ERR_ARENA_POOL_DOUBLE_RELEASE');
    await expect(pool.run(async (arena) => arena.alloc(8).length)).resolves.toBe(8);
    expect(pool.stats()).toMatchObject({ created: 1, arenas: 1, inUse: 0 });
    pool.destroy();
  });

  it('a held arena is handed on only once its hold ends, and then the old handle goes stale', async () => {
    const pool = new ArenaPool({ size: 1 << 16, maxArenas: 1 });
    const arena = await pool.acquire();
    const hold = arena.hold();
    pool.release(arena);
    expect(arena.destroyed).toBe(false); // I/O may still be using it
    const waiting = pool.acquire();
    hold.release();
    const next = await waiting;
    expect(arena.destroyed).toBe(true);
    expect(next.destroyed).toBe(false);
    pool.release(next);
    pool.destroy();
  });
});
