import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { binding } from '../../dist/binding.js';
import {
  Arena,
  ArenaDestroyedError,
  ArenaError,
  ArenaInitError,
  ArenaPool,
  ArenaPoolDestroyedError,
  ArenaPoolError,
  ArenaPoolFullError,
  ArenaPoolReleaseError,
  ArenaPoolTimeoutError,
  currentArena,
  getConfig,
  metrics,
} from '../../dist/index.js';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Settles a promise into a value we can assert on without racing. */
async function outcome<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  try {
    return { value: await promise };
  } catch (error) {
    return { error };
  }
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('ArenaPool construction', () => {
  it('has documented defaults and creates nothing up front', () => {
    const before = metrics().liveArenas;
    const pool = new ArenaPool();
    const stats = pool.stats();
    expect(stats).toMatchObject({
      name: 'default',
      size: getConfig().size,
      maxArenas: 16,
      maxWaiting: 1024,
      arenas: 0,
      idle: 0,
      inUse: 0,
      waiting: 0,
      created: 0,
      destroyed: false,
    });
    expect(pool.name).toBe('default');
    expect(metrics().liveArenas).toBe(before);
    pool.destroy();
  });

  it('creates arenas with the options it was given', async () => {
    const pool = new ArenaPool({ size: 8192, overflowStrategy: 'fallback', zeroOnReset: false });
    const arena = await pool.acquire();
    expect(arena.options).toEqual({ size: 8192, overflowStrategy: 'fallback', zeroOnReset: false });
    pool.release(arena);
    pool.destroy();
  });

  it.each([
    [null, 'options'],
    [5, 'options'],
    [{ name: 3 }, 'name'],
    [{ size: '1024' }, 'size'],
    [{ maxArenas: '4' }, 'maxArenas'],
    [{ maxWaiting: true }, 'maxWaiting'],
    [{ acquireTimeoutMs: '10' }, 'acquireTimeoutMs'],
    [{ zeroOnReset: 1 }, 'zeroOnReset'],
    [{ overflowStrategy: 2 }, 'overflowStrategy'],
    [{ size: null }, 'size'],
    [{ maxArenas: null }, 'maxArenas'],
    [{ zeroOnReset: null }, 'zeroOnReset'],
    [{ name: null }, 'name'],
  ])('refuses %j with a TypeError naming %s', (options, name) => {
    const error = thrown(() => new ArenaPool(options as never)) as TypeError & { code: string };
    expect(error).toBeInstanceOf(TypeError);
    expect(error.code).toBe('ERR_INVALID_ARG_TYPE');
    expect(error.message).toContain(name);
  });

  it.each([
    [{ name: '' }, 'ERR_INVALID_ARG_VALUE'],
    [{ size: 0 }, 'ERR_ARENA_INVALID_SIZE'],
    [{ size: -1 }, 'ERR_ARENA_INVALID_SIZE'],
    [{ size: 1.5 }, 'ERR_ARENA_INVALID_SIZE'],
    [{ size: NaN }, 'ERR_ARENA_INVALID_SIZE'],
    [{ size: 2 ** 30 + 1 }, 'ERR_ARENA_INVALID_SIZE'],
    [{ maxArenas: 0 }, 'ERR_INVALID_ARG_VALUE'],
    [{ maxArenas: 2.5 }, 'ERR_INVALID_ARG_VALUE'],
    [{ maxArenas: Infinity }, 'ERR_INVALID_ARG_VALUE'],
    [{ maxWaiting: -1 }, 'ERR_INVALID_ARG_VALUE'],
    [{ maxWaiting: NaN }, 'ERR_INVALID_ARG_VALUE'],
    [{ acquireTimeoutMs: 0 }, 'ERR_INVALID_ARG_VALUE'],
    [{ acquireTimeoutMs: -5 }, 'ERR_INVALID_ARG_VALUE'],
    [{ acquireTimeoutMs: NaN }, 'ERR_INVALID_ARG_VALUE'],
    [{ acquireTimeoutMs: 2 ** 31 }, 'ERR_INVALID_ARG_VALUE'],
    [{ overflowStrategy: 'ignore' }, 'ERR_INVALID_ARG_VALUE'],
  ])('refuses %j with a RangeError %s', (options, code) => {
    const error = thrown(() => new ArenaPool(options as never)) as RangeError & { code: string };
    expect(error).toBeInstanceOf(RangeError);
    expect(error.code).toBe(code);
  });

  it('accepts Infinity for maxWaiting and acquireTimeoutMs', () => {
    const pool = new ArenaPool({ maxWaiting: Infinity, acquireTimeoutMs: Infinity });
    expect(pool.stats().maxWaiting).toBe(Infinity);
    pool.destroy();
  });
});

describe('ArenaPool.run', () => {
  it('lends an arena, then resets it and takes it back', async () => {
    const pool = new ArenaPool({ size: 4096, maxArenas: 2 });
    let kept: Buffer | undefined;
    let lent: Arena | undefined;
    const result = await pool.run(async (arena) => {
      lent = arena;
      kept = arena.alloc(64);
      kept.fill(0xab);
      await tick();
      expect(pool.stats().inUse).toBe(1);
      return kept.readUInt8(63);
    });
    expect(result).toBe(0xab);
    expect(kept!.length).toBe(0); // detached by the reset
    // The handle run() lent reads as destroyed: the pool keeps the arena under a new one.
    expect(lent!.destroyed).toBe(true);
    expect(pool.stats()).toMatchObject({ arenas: 1, idle: 1, inUse: 0, acquired: 1, released: 1, highWaterMark: 64 });
    // The same arena (one created) serves the next run, zeroed and rewound.
    await pool.run((arena) => {
      expect(arena).not.toBe(lent);
      expect(arena.stats().currentUsage).toBe(0);
      expect(arena.alloc(64).every((byte) => byte === 0)).toBe(true);
    });
    expect(pool.stats()).toMatchObject({ created: 1 });
    pool.destroy();
  });

  it('keeps each run in its own arena across interleaved awaits', async () => {
    const pool = new ArenaPool({ size: 16 * 1024, maxArenas: 4, context: true });
    const active = new Set<Arena>();
    const runs = 24;
    const results = await Promise.all(
      Array.from({ length: runs }, (_, id) =>
        pool.run(async (arena) => {
          expect(active.has(arena)).toBe(false); // never shared with a run in flight
          active.add(arena);
          const buffers: Buffer[] = [];
          for (let step = 0; step < 5; step++) {
            const buffer = arena.alloc(32 + ((id * 7 + step * 13) % 200), 1 << (step % 4));
            buffer.fill((id * 5 + step) & 0xff);
            buffers.push(buffer);
            for (let i = 0; i <= (id + step) % 3; i++) await tick();
          }
          const ranges = buffers.map((b) => [b.byteOffset, b.byteOffset + b.length]);
          ranges.sort((a, b) => a[0] - b[0]);
          for (let i = 1; i < ranges.length; i++) expect(ranges[i][0]).toBeGreaterThanOrEqual(ranges[i - 1][1]);
          expect(currentArena()).toBe(arena);
          active.delete(arena);
          return buffers.every((b, step) => b.length > 0 && b.every((byte) => byte === ((id * 5 + step) & 0xff)));
        }),
      ),
    );
    expect(results).toEqual(Array(runs).fill(true));
    expect(pool.stats()).toMatchObject({
      created: 4,
      arenas: 4,
      idle: 4,
      peakInUse: 4,
      acquired: runs,
      waited: runs - 4,
      released: runs,
      peakWaiting: runs - 4,
      timedOut: 0,
      rejected: 0,
    });
    pool.destroy();
  });

  it('returns the arena when fn throws synchronously', async () => {
    const pool = new ArenaPool({ size: 4096, maxArenas: 1 });
    let kept: Buffer | undefined;
    const boom = new Error('boom');
    const { error } = await outcome(
      pool.run((arena) => {
        kept = arena.alloc(16);
        throw boom;
      }),
    );
    expect(error).toBe(boom);
    expect(kept!.length).toBe(0);
    expect(pool.stats()).toMatchObject({ idle: 1, inUse: 0, released: 1 });
    pool.destroy();
  });

  it('returns the arena when the promise of fn rejects', async () => {
    const pool = new ArenaPool({ size: 4096, maxArenas: 1 });
    const boom = new Error('later');
    const { error } = await outcome(
      pool.run(async (arena) => {
        arena.alloc(16);
        await tick();
        throw boom;
      }),
    );
    expect(error).toBe(boom);
    expect(pool.stats()).toMatchObject({ idle: 1, inUse: 0, released: 1 });
    // The next run gets it at once.
    expect(await pool.run((arena) => arena.stats().currentUsage)).toBe(0);
    pool.destroy();
  });

  it('accepts a thenable that is not a Promise', async () => {
    const pool = new ArenaPool({ size: 4096 });
    const value = await pool.run(() => ({ then: (resolve: (v: number) => void) => resolve(42) }));
    expect(value).toBe(42);
    expect(pool.stats().idle).toBe(1);
    pool.destroy();
  });

  it('rejects a non-function with a TypeError and takes no arena', async () => {
    const pool = new ArenaPool({ size: 4096 });
    const { error } = await outcome(pool.run(42 as never));
    expect(error).toBeInstanceOf(TypeError);
    expect((error as { code: string }).code).toBe('ERR_INVALID_ARG_TYPE');
    expect(pool.stats()).toMatchObject({ created: 0, acquired: 0 });
    pool.destroy();
  });

  it('refuses a manual release of an arena that run() holds', async () => {
    const pool = new ArenaPool({ size: 4096 });
    const value = await pool.run((arena) => {
      const error = thrown(() => pool.release(arena)) as ArenaPoolReleaseError;
      expect(error).toBeInstanceOf(ArenaPoolReleaseError);
      expect(error.code).toBe('ERR_ARENA_POOL_RUN_OWNED');
      expect(pool.stats().inUse).toBe(1);
      return 'done';
    });
    expect(value).toBe('done');
    expect(pool.stats()).toMatchObject({ inUse: 0, idle: 1, released: 1 });
    pool.destroy();
  });
});

describe('currentArena', () => {
  it('finds nothing in the runs of a pool without context (it costs every await on Node 20 and 22)', async () => {
    const pool = new ArenaPool({ size: 4096 });
    expect(
      await pool.run(async () => {
        await tick();
        return currentArena();
      }),
    ).toBeUndefined();
    pool.destroy();
  });

  it('context must be a boolean', () => {
    expect(() => new ArenaPool({ context: 1 as never })).toThrow(TypeError);
  });

  it('is undefined outside run()', () => {
    expect(currentArena()).toBeUndefined();
  });

  it('follows nested runs and survives awaits (pools made with context: true)', async () => {
    const outerPool = new ArenaPool({ name: 'outer', size: 4096, context: true });
    const innerPool = new ArenaPool({ name: 'inner', size: 4096, context: true });
    await outerPool.run(async (outer) => {
      expect(currentArena()).toBe(outer);
      await innerPool.run(async (inner) => {
        await tick();
        expect(currentArena()).toBe(inner);
      });
      await tick();
      expect(currentArena()).toBe(outer);
    });
    outerPool.destroy();
    innerPool.destroy();
  });

  it('forgets the arena once run() has given it back', async () => {
    const pool = new ArenaPool({ size: 4096, maxArenas: 1, context: true });
    let late: Promise<Arena | undefined> | undefined;
    await pool.run(() => {
      // A continuation that outlives its run(): it must not reach the arena,
      // which may already serve another request.
      late = new Promise((resolve) => setTimeout(() => resolve(currentArena()), 5));
    });
    const other = pool.run(async (arena) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      return arena;
    });
    expect(await late).toBeUndefined();
    await other;
    pool.destroy();
  });
});

describe('acquire and release', () => {
  it('creates arenas lazily up to maxArenas, then queues callers first come, first served', async () => {
    const pool = new ArenaPool({ size: 4096, maxArenas: 2 });
    const a = await pool.acquire();
    expect(pool.stats()).toMatchObject({ created: 1, inUse: 1 });
    const b = await pool.acquire();
    expect(b).not.toBe(a);
    const order: string[] = [];
    const third = pool.acquire().then((arena) => (order.push('third'), arena));
    const fourth = pool.acquire().then((arena) => (order.push('fourth'), arena));
    expect(pool.stats()).toMatchObject({ created: 2, waiting: 2 });
    const buffer = b.alloc(8);
    pool.release(b);
    expect(buffer.length).toBe(0); // reset before it was handed on
    const c = await third; // b's arena, under a handle of its own
    expect(b.destroyed).toBe(true);
    expect(c.destroyed).toBe(false);
    pool.release(a);
    const d = await fourth;
    expect(order).toEqual(['third', 'fourth']);
    expect(pool.stats()).toMatchObject({ created: 2, inUse: 2, waiting: 0, waited: 2, acquired: 4 });
    pool.release(d);
    pool.release(c);
    pool.destroy();
  });

  it('rejects with ERR_ARENA_POOL_TIMEOUT when no arena comes free in time', async () => {
    const pool = new ArenaPool({ name: 'slow', size: 4096, maxArenas: 1, acquireTimeoutMs: 20 });
    const held = await pool.acquire();
    const { error } = await outcome(pool.acquire());
    expect(error).toBeInstanceOf(ArenaPoolTimeoutError);
    const timeout = error as ArenaPoolTimeoutError;
    expect(timeout.code).toBe('ERR_ARENA_POOL_TIMEOUT');
    expect(timeout.timeoutMs).toBe(20);
    expect(timeout.message).toContain("'slow'");
    expect(pool.stats()).toMatchObject({ waiting: 0, timedOut: 1, inUse: 1 });
    // The timed-out caller does not get the arena later: it goes back to the pool.
    pool.release(held);
    expect(pool.stats()).toMatchObject({ idle: 1, inUse: 0 });
    const again = await pool.acquire();
    expect(again.destroyed).toBe(false);
    expect(pool.stats()).toMatchObject({ created: 1, inUse: 1 });
    pool.destroy();
  });

  it('rejects at once with ERR_ARENA_POOL_FULL when maxWaiting callers already wait', async () => {
    const pool = new ArenaPool({ size: 4096, maxArenas: 1, maxWaiting: 2 });
    const held = await pool.acquire();
    const first = pool.acquire();
    const second = pool.acquire();
    const { error } = await outcome(pool.acquire());
    expect(error).toBeInstanceOf(ArenaPoolFullError);
    expect((error as ArenaPoolFullError).code).toBe('ERR_ARENA_POOL_FULL');
    expect((error as ArenaPoolFullError).maxWaiting).toBe(2);
    expect(pool.stats()).toMatchObject({ waiting: 2, rejected: 1 });
    // run() is refused the same way, without calling its function.
    let called = false;
    const refused = await outcome(pool.run(() => (called = true)));
    expect((refused.error as ArenaPoolFullError).code).toBe('ERR_ARENA_POOL_FULL');
    expect(called).toBe(false);
    pool.release(held);
    pool.release(await first);
    pool.release(await second);
    expect(pool.stats()).toMatchObject({ waiting: 0, rejected: 2, acquired: 3, idle: 1 });
    pool.destroy();
  });

  it('with maxWaiting 0 never queues', async () => {
    const pool = new ArenaPool({ size: 4096, maxArenas: 1, maxWaiting: 0 });
    const held = await pool.acquire();
    const { error } = await outcome(pool.acquire());
    expect((error as ArenaError).code).toBe('ERR_ARENA_POOL_FULL');
    pool.release(held);
    pool.destroy();
  });

  it('refuses a double release and leaves the pool intact', async () => {
    const pool = new ArenaPool({ size: 4096, maxArenas: 2 });
    const arena = await pool.acquire();
    pool.release(arena);
    const before = pool.stats();
    const error = thrown(() => pool.release(arena)) as ArenaPoolReleaseError;
    expect(error).toBeInstanceOf(ArenaPoolReleaseError);
    expect(error.code).toBe('ERR_ARENA_POOL_DOUBLE_RELEASE');
    expect(pool.stats()).toEqual(before);
    // The arena is in the pool once, not twice: two callers get two arenas.
    const x = await pool.acquire();
    const y = await pool.acquire();
    expect(x).not.toBe(y);
    pool.release(x);
    pool.release(y);
    pool.destroy();
  });

  it('refuses arenas from elsewhere, and non-arenas', async () => {
    const pool = new ArenaPool({ size: 4096 });
    const other = new ArenaPool({ size: 4096 });
    const stranger = await other.acquire();
    const loose = new Arena({ size: 4096 });
    for (const arena of [stranger, loose]) {
      const error = thrown(() => pool.release(arena)) as ArenaPoolReleaseError;
      expect(error.code).toBe('ERR_ARENA_POOL_FOREIGN_ARENA');
    }
    const notArena = thrown(() => pool.release({} as Arena)) as TypeError & { code: string };
    expect(notArena).toBeInstanceOf(TypeError);
    expect(notArena.code).toBe('ERR_INVALID_ARG_TYPE');
    expect(pool.stats()).toMatchObject({ arenas: 0, released: 0 });
    expect(other.stats().inUse).toBe(1);
    other.release(stranger);
    loose.destroy();
    pool.destroy();
    other.destroy();
  });

  it('forgets an arena its user destroyed and makes a new one for the next caller', async () => {
    const pool = new ArenaPool({ size: 4096, maxArenas: 1 });
    const arena = await pool.acquire();
    const waiter = pool.acquire();
    arena.destroy();
    pool.release(arena);
    const fresh = await waiter;
    expect(fresh).not.toBe(arena);
    expect(fresh.destroyed).toBe(false);
    expect(pool.stats()).toMatchObject({ created: 2, arenas: 1, inUse: 1 });
    expect((thrown(() => pool.release(arena)) as ArenaError).code).toBe('ERR_ARENA_POOL_DOUBLE_RELEASE');
    pool.release(fresh);
    pool.destroy();
  });

  it('rejects with ArenaInitError when memory cannot be reserved, and stays usable', async () => {
    const pool = new ArenaPool({ size: 4096 });
    binding.testingFailReservations(1);
    const { error } = await outcome(pool.acquire());
    expect(error).toBeInstanceOf(ArenaInitError);
    expect((error as ArenaError).code).toBe('ERR_ARENA_INIT');
    expect(pool.stats()).toMatchObject({ created: 0, arenas: 0, acquired: 0 });
    const arena = await pool.acquire();
    expect(pool.stats().created).toBe(1);
    pool.release(arena);
    pool.destroy();
  });
});

describe('zeroing and overflow through the pool', () => {
  it('honours zeroOnReset', async () => {
    for (const zeroOnReset of [true, false]) {
      const pool = new ArenaPool({ size: 4096, maxArenas: 1, zeroOnReset });
      await pool.run((arena) => void arena.alloc(128).fill(0xff));
      const seen = await pool.run((arena) => arena.alloc(128).every((byte) => byte === (zeroOnReset ? 0 : 0xff)));
      expect(seen).toBe(true);
      pool.destroy();
    }
  });

  it('counts overflows and fallbacks when arenas come back', async () => {
    const strict = new ArenaPool({ size: 1024, overflowStrategy: 'error_return' });
    const { error } = await outcome(strict.run((arena) => arena.alloc(2048)));
    expect((error as ArenaError).code).toBe('ERR_ARENA_OVERFLOW');
    expect(strict.stats()).toMatchObject({ overflows: 1, fallbacks: 0 });
    const lenient = new ArenaPool({ size: 1024, overflowStrategy: 'fallback' });
    const length = await lenient.run((arena) => arena.alloc(2048).fill(1).length);
    expect(length).toBe(2048);
    expect(lenient.stats()).toMatchObject({ overflows: 1, fallbacks: 1 });
    strict.destroy();
    lenient.destroy();
  });

  it('reports the high-water mark of arenas still in use', async () => {
    const pool = new ArenaPool({ size: 4096 });
    const arena = await pool.acquire();
    arena.alloc(1000, 1);
    expect(pool.stats().highWaterMark).toBe(1000);
    pool.release(arena);
    expect(pool.stats().highWaterMark).toBe(1000);
    pool.destroy();
  });
});

describe('ArenaPool.destroy', () => {
  it('rejects waiters, destroys the arenas in use and refuses later use', async () => {
    const before = metrics().liveArenas;
    const pool = new ArenaPool({ name: 'gone', size: 4096, maxArenas: 2 });
    const busy = await pool.acquire();
    const other = await pool.acquire();
    const view = busy.alloc(32);
    const waiter = outcome(pool.acquire());
    expect(pool.stats()).toMatchObject({ inUse: 2, waiting: 1 });
    expect(metrics().liveArenas).toBe(before + 2);

    pool.destroy();
    const { error } = await waiter;
    expect(error).toBeInstanceOf(ArenaPoolDestroyedError);
    expect((error as ArenaError).code).toBe('ERR_ARENA_POOL_DESTROYED');
    expect((error as ArenaError).message).toContain("'gone'");
    expect([busy.destroyed, other.destroyed]).toEqual([true, true]);
    expect(view.length).toBe(0);
    expect(() => busy.alloc(8)).toThrow(ArenaDestroyedError);
    expect(metrics().liveArenas).toBe(before);
    expect(pool.destroyed).toBe(true);
    expect(pool.stats()).toMatchObject({ arenas: 0, idle: 0, inUse: 2, waiting: 0, destroyed: true });

    // The holders' releases after destroy are quiet; a second one is still caught.
    pool.release(busy);
    pool.release(other);
    expect(pool.stats().inUse).toBe(0);
    expect((thrown(() => pool.release(busy)) as ArenaError).code).toBe('ERR_ARENA_POOL_DOUBLE_RELEASE');

    for (const late of [pool.acquire(), pool.run(() => 1)]) {
      expect(((await outcome(late)).error as ArenaError).code).toBe('ERR_ARENA_POOL_DESTROYED');
    }
    pool.destroy(); // idempotent
    expect(pool.destroyed).toBe(true);
  });

  it('destroys idle arenas', async () => {
    const before = metrics().liveArenas;
    const pool = new ArenaPool({ size: 4096, maxArenas: 2 });
    const a = await pool.acquire();
    const b = await pool.acquire();
    pool.release(a);
    pool.release(b);
    expect(metrics().liveArenas).toBe(before + 2);
    pool.destroy();
    expect([a.destroyed, b.destroyed]).toEqual([true, true]);
    expect(metrics().liveArenas).toBe(before);
  });

  it('ends a run in flight safely: its next alloc throws, its run rejects', async () => {
    const pool = new ArenaPool({ size: 4096 });
    const running = outcome(
      pool.run(async (arena) => {
        arena.alloc(8);
        await tick();
        await tick(); // still running when the pool is destroyed below
        return arena.alloc(8);
      }),
    );
    await tick();
    pool.destroy();
    expect((await running).error).toBeInstanceOf(ArenaDestroyedError);
    expect(pool.stats().inUse).toBe(0);
  });

  it('is what Symbol.dispose does', async () => {
    const pool = new ArenaPool({ size: 4096 });
    const arena = await pool.acquire();
    pool.release(arena);
    pool[Symbol.dispose]();
    expect(pool.destroyed).toBe(true);
    expect(arena.destroyed).toBe(true);
  });
});

describe('error classes', () => {
  it('all derive from ArenaPoolError and ArenaError and carry their name', () => {
    const errors = [
      new ArenaPoolTimeoutError(5, 'p'),
      new ArenaPoolFullError(3, 'p'),
      new ArenaPoolDestroyedError('p'),
      new ArenaPoolReleaseError('x', 'ERR_ARENA_POOL_FOREIGN_ARENA'),
    ];
    expect(errors.map((e) => [e instanceof ArenaPoolError, e instanceof ArenaError, e.name, e.code])).toEqual([
      [true, true, 'ArenaPoolTimeoutError', 'ERR_ARENA_POOL_TIMEOUT'],
      [true, true, 'ArenaPoolFullError', 'ERR_ARENA_POOL_FULL'],
      [true, true, 'ArenaPoolDestroyedError', 'ERR_ARENA_POOL_DESTROYED'],
      [true, true, 'ArenaPoolReleaseError', 'ERR_ARENA_POOL_FOREIGN_ARENA'],
    ]);
  });
});

describe('model check', () => {
  type Op = { kind: 'acquire' } | { kind: 'release'; pick: number } | { kind: 'rerelease'; pick: number };
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.constant<Op>({ kind: 'acquire' }),
    fc.nat(20).map<Op>((pick) => ({ kind: 'release', pick })),
    fc.nat(20).map<Op>((pick) => ({ kind: 'rerelease', pick })),
  );

  it('matches a simple model: never lends an arena twice, keeps its limits, counts exactly', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 0, max: 3 }),
        fc.array(op, { maxLength: 40 }),
        async (maxArenas, maxWaiting, ops) => {
          const pool = new ArenaPool({ size: 1024, maxArenas, maxWaiting, acquireTimeoutMs: Infinity });
          const model = { lent: 0, queued: 0, full: 0 };
          const held: Arena[] = [];
          const released: Arena[] = [];
          const codes: string[] = [];
          for (const step of ops) {
            if (step.kind === 'acquire') {
              if (model.lent < maxArenas && model.queued === 0) model.lent++;
              else if (model.queued < maxWaiting) model.queued++;
              else model.full++;
              pool.acquire().then(
                (arena) => {
                  expect(held).not.toContain(arena);
                  held.push(arena);
                },
                (error: ArenaError) => codes.push(error.code),
              );
            } else if (step.kind === 'release' && held.length > 0) {
              const [arena] = held.splice(step.pick % held.length, 1);
              pool.release(arena);
              released.push(arena);
              model.lent--;
              if (model.queued > 0) {
                model.queued--;
                model.lent++;
              }
            } else if (step.kind === 'rerelease' && released.length > 0) {
              const arena = released[step.pick % released.length];
              if (!held.includes(arena)) {
                expect((thrown(() => pool.release(arena)) as ArenaError).code).toBe('ERR_ARENA_POOL_DOUBLE_RELEASE');
              }
            }
            await Promise.resolve(); // lets settled acquisitions land in `held`
            const stats = pool.stats();
            expect([stats.inUse, stats.waiting, stats.rejected]).toEqual([model.lent, model.queued, model.full]);
            expect(held.length).toBe(model.lent);
            expect(stats.arenas).toBeLessThanOrEqual(maxArenas);
            expect(stats.arenas).toBe(stats.idle + stats.inUse);
          }
          expect(codes).toEqual(Array(model.full).fill('ERR_ARENA_POOL_FULL'));
          pool.destroy();
          await Promise.resolve();
          expect(codes.length).toBe(model.full + model.queued);
        },
      ),
      { numRuns: 150 },
    );
  });
});
