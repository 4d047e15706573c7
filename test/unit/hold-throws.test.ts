// A holdUntil() call that throws must leave no hold behind:
// user code can make `then`, `constructor` or the species constructor throw,
// and patch Promise built-ins after the package loaded.
import { describe, expect, it } from 'vitest';
import { Arena, ArenaPool } from '../../dist/index.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('holdUntil() with hostile promises', () => {
  it('an own then that throws: no throw, the hold is released when the promise settles', async () => {
    const arena = new Arena({ size: 1 << 16 });
    const p = Promise.resolve();
    p.then = () => {
      throw new Error('then');
    };
    arena.holdUntil(p);
    expect(arena.held).toBe(true);
    await tick();
    expect(arena.held).toBe(false);
    arena.reset();
    arena.destroy();
  });

  it('a constructor getter that throws: the call throws and takes no hold', () => {
    const arena = new Arena({ size: 1 << 16 });
    const p = Promise.resolve();
    Object.defineProperty(p, 'constructor', {
      get() {
        throw new Error('constructor');
      },
    });
    expect(() => arena.holdUntil(p)).toThrow('constructor');
    expect(arena.held).toBe(false);
    arena.reset();
    arena.destroy();
  });

  it('a thenable whose then getter throws: TypeError-free refusal, no hold', () => {
    const arena = new Arena({ size: 1 << 16 });
    const thenable = {
      get then() {
        throw new Error('getter');
      },
    };
    expect(() => arena.holdUntil(thenable as never)).toThrow('getter');
    expect(arena.held).toBe(false);
    arena.destroy();
  });

  it('Promise.prototype.then and Promise.resolve patched after load: the hold still ends', async () => {
    const arena = new Arena({ size: 1 << 16 });
    const { then } = Promise.prototype;
    const { resolve } = Promise;
    let settle!: () => void;
    const work = new Promise<void>((r) => (settle = r));
    Promise.prototype.then = function patched() {
      return this as never;
    } as never;
    Promise.resolve = (() => new Promise(() => {})) as never;
    try {
      arena.holdUntil(work);
    } finally {
      Promise.prototype.then = then;
      Promise.resolve = resolve;
    }
    expect(arena.held).toBe(true);
    settle();
    await tick();
    expect(arena.held).toBe(false);
    arena.destroy();
  });

  it('a pool with one arena serves the next run() after such a throw', async () => {
    const pool = new ArenaPool({ size: 1 << 16, maxArenas: 1, acquireTimeoutMs: 200 });
    await pool.run(async (arena) => {
      const p = Promise.resolve();
      Object.defineProperty(p, 'constructor', {
        get() {
          throw new Error('constructor');
        },
      });
      expect(() => arena.holdUntil(p)).toThrow('constructor');
    });
    await expect(pool.run(async (arena) => arena.alloc(8).length)).resolves.toBe(8);
    pool.destroy();
  });
});
