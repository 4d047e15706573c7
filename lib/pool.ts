// Per-request arenas for async code: one arena per unit of work, recycled.
// The thread arena cannot serve a service: requests interleave across `await`,
// so resetting a shared arena at the end of one would clobber another's buffers.
import { AsyncLocalStorage } from 'node:async_hooks';
import { Arena } from './arena';
import { DISPOSE } from './hold';
import { getConfig } from './config';
import {
  ArenaPoolDestroyedError, ArenaPoolFullError, ArenaPoolReleaseError, ArenaPoolTimeoutError, typeError, warn,
} from './errors';
import { optionsObject, poolSettings } from './validate';
import type { ArenaPoolOptions } from './types';

export type { ArenaPoolOptions };

/** A snapshot of an {@link ArenaPool}; counters span the pool's life. */
export interface ArenaPoolStats {
  name: string;
  arenaSize: number;
  maxArenas: number;
  maxWaiting: number;
  /** Arenas holding memory now (idle + in use); 0 once destroyed. */
  arenas: number;
  idle: number;
  /** Arenas handed out and not yet released. */
  inUse: number;
  /** Most arenas in use at once: compare with `maxArenas` when sizing. */
  peakInUse: number;
  /** Callers queued now. */
  waiting: number;
  peakWaiting: number;
  /** Arenas created so far (more than `maxArenas` if some were destroyed by their user). */
  created: number;
  /** Successful acquisitions, run() included. */
  acquired: number;
  /** Acquisitions that had to queue first. */
  waited: number;
  released: number;
  /** Callers rejected with `ERR_ARENA_POOL_TIMEOUT`. */
  timedOut: number;
  /** Callers rejected with `ERR_ARENA_POOL_FULL`. */
  rejected: number;
  /** Most bytes one arena of the pool held in one use: compare with `arenaSize` when sizing. */
  highWaterMark: number;
  /** Arenas given back while holds on them were out; recycled when the last hold is released. */
  held: number;
  /** Allocations that did not fit, counted when their arena comes back. */
  overflows: number;
  /** Allocations served from the heap, counted when their arena comes back. */
  fallbacks: number;
  destroyed: boolean;
}

// What run() puts in AsyncLocalStorage. A callback that outlives its run()
// (a timer it forgot) still sees this object, so the arena is unlinked on
// release instead of pointing it at an arena that now serves someone else.
interface Lease {
  arena: Arena | null;
}

interface Waiter {
  resolve(arena: Arena): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout | undefined;
}

// Made by the first pool with `context: true`: before that, no await pays for it.
let storage: AsyncLocalStorage<Lease> | null = null;
let warnedNoContext = false;
// The lease of run()s without context: run-owned, but not findable by currentArena().
const UNTRACKED: Lease = { arena: null };

/**
 * The arena of the innermost enclosing {@link ArenaPool.run} call, through
 * `AsyncLocalStorage` (so it survives `await`), or `undefined` outside one and
 * after that run() has returned its arena.
 */
export function currentArena(): Arena | undefined {
  if (storage === null) {
    if (!warnedNoContext) {
      warnedNoContext = true;
      warn('currentArena() finds only the arenas of pools made with { context: true }; no such pool exists', 'ENGRAM_ARENA_NO_CONTEXT');
    }
    return undefined;
  }
  return storage.getStore()?.arena ?? undefined;
}

/**
 * A bounded pool of arenas for async code: each unit of work (a request, a job)
 * gets an arena of its own for as long as it runs, across any number of
 * `await`s, and the arena is reset and recycled when the work ends.
 *
 * Arenas are created lazily up to `maxArenas`; further callers queue (at most
 * `maxWaiting`, each for at most `acquireTimeoutMs`) and are served first come,
 * first served. Use one pool per thread: arenas belong to the thread that made them.
 */
export class ArenaPool {
  readonly #options: Required<ArenaPoolOptions>;
  readonly #idle: Arena[] = [];
  // In use, with the run() lease that holds it (null for acquire()).
  readonly #inUse = new Map<Arena, Lease | null>();
  // Given back with holds out: neither idle nor lent, but they count toward maxArenas.
  readonly #held = new Set<Arena>();
  // Every arena this pool ever made, so that a second release is told apart from a foreign arena.
  readonly #made = new WeakSet<Arena>();
  // A Set keeps insertion order (FIFO) and deletes a timed-out waiter in O(1).
  readonly #waiters = new Set<Waiter>();
  #destroyed = false;
  #counts = {
    created: 0, acquired: 0, waited: 0, released: 0, timedOut: 0, rejected: 0,
    peakInUse: 0, peakWaiting: 0, highWaterMark: 0, overflows: 0, fallbacks: 0,
  };

  /**
   * @throws TypeError (`ERR_INVALID_ARG_TYPE`) for an option of the wrong type;
   * RangeError (`ERR_ARENA_INVALID_SIZE` for `arenaSize`, else `ERR_INVALID_ARG_VALUE`) for a bad value.
   */
  constructor(options?: ArenaPoolOptions) {
    this.#options = poolSettings(optionsObject<ArenaPoolOptions>(options, 'options'), getConfig());
    if (this.#options.context && storage === null) storage = new AsyncLocalStorage<Lease>();
  }

  /** The pool's label. */
  get name(): string {
    return this.#options.name;
  }

  /** True once destroy() ran. */
  get destroyed(): boolean {
    return this.#destroyed;
  }

  /**
   * Runs `fn(arena)` with an arena of its own and resets and returns the arena
   * when the promise `fn` returns settles, or when `fn` throws. Inside, the
   * arena is also {@link currentArena}(). Buffers from it must not be used after
   * `fn` settles: they are detached then.
   * @returns what `fn` resolves to; rejects with what `fn` throws or rejects with,
   * or with an acquire() error, or a TypeError if `fn` is not a function.
   */
  run<T>(fn: (arena: Arena) => T | PromiseLike<T>): Promise<Awaited<T>> {
    if (typeof fn !== 'function') return Promise.reject(typeError('run() needs a function'));
    // An idle arena is handed over at once: no promise, no turn of the event loop.
    const arena = this.#takeNow();
    if (arena instanceof Arena) return this.#runWith(arena, fn);
    if (arena !== undefined) return Promise.reject(arena);
    return this.#enqueue().then((queued) => this.#runWith(queued, fn));
  }

  async #runWith<T>(arena: Arena, fn: (arena: Arena) => T | PromiseLike<T>): Promise<Awaited<T>> {
    const lease: Lease = this.#options.context ? { arena } : UNTRACKED;
    this.#inUse.set(arena, lease);
    try {
      return await (lease === UNTRACKED ? fn(arena) : storage!.run(lease, fn, arena));
    } finally {
      lease.arena = null;
      this.#giveBack(arena);
    }
  }

  /**
   * An arena for manual use; hand it back with {@link ArenaPool.release}.
   * Prefer run(), which cannot forget to.
   * @throws (rejects) ArenaPoolTimeoutError, ArenaPoolFullError, ArenaPoolDestroyedError,
   * or ArenaInitError when a new arena's memory cannot be reserved.
   */
  acquire(): Promise<Arena> {
    const arena = this.#takeNow();
    if (arena instanceof Arena) return Promise.resolve(arena);
    if (arena !== undefined) return Promise.reject(arena);
    return this.#enqueue();
  }

  /**
   * An arena lent at once (idle or new), the error that refuses the caller
   * at once, or undefined when the caller must queue.
   */
  #takeNow(): Arena | Error | undefined {
    if (this.#destroyed) return new ArenaPoolDestroyedError(this.name);
    if (this.#waiters.size === 0) {
      let arena: Arena | undefined;
      try {
        arena = this.#idle.pop() ?? this.#create();
      } catch (err) {
        return err as Error;
      }
      if (arena !== undefined) {
        this.#lend(arena);
        return arena;
      }
    }
    if (this.#waiters.size >= this.#options.maxWaiting) {
      this.#counts.rejected++;
      return new ArenaPoolFullError(this.#options.maxWaiting, this.name);
    }
    return undefined;
  }

  /**
   * Resets `arena` (detaching its Buffers) and returns it to the pool, or to the
   * first caller waiting. After destroy() it just forgets the arena.
   * @throws TypeError if `arena` is not an Arena; ArenaPoolReleaseError when it was
   * already released, is not from this pool, or is held by run(). The pool is unchanged then.
   */
  release(arena: Arena): void {
    if (!(arena instanceof Arena)) throw typeError('release() needs an Arena from this pool');
    const lease = this.#inUse.get(arena);
    if (lease === undefined) {
      if (this.#made.has(arena)) {
        throw new ArenaPoolReleaseError(`this arena was already released to pool '${this.name}'`, 'ERR_ARENA_POOL_DOUBLE_RELEASE');
      }
      throw new ArenaPoolReleaseError(`this arena does not belong to pool '${this.name}'`, 'ERR_ARENA_POOL_FOREIGN_ARENA');
    }
    if (lease !== null) {
      throw new ArenaPoolReleaseError('this arena is held by run(), which releases it when its callback settles', 'ERR_ARENA_POOL_RUN_OWNED');
    }
    this.#giveBack(arena);
  }

  /** A snapshot of the pool's gauges and counters. */
  stats(): ArenaPoolStats {
    const { name, arenaSize, maxArenas, maxWaiting } = this.#options;
    let highWaterMark = this.#counts.highWaterMark;
    // Arenas in use have not folded in yet; their high-water mark spans their life.
    if (!this.#destroyed) {
      for (const arena of this.#inUse.keys()) {
        if (!arena.destroyed) highWaterMark = Math.max(highWaterMark, arena.stats().highWaterMark);
      }
    }
    return {
      name, arenaSize, maxArenas, maxWaiting,
      arenas: this.#destroyed ? 0 : this.#idle.length + this.#inUse.size + this.#held.size,
      idle: this.#idle.length,
      inUse: this.#inUse.size,
      held: this.#held.size,
      waiting: this.#waiters.size,
      ...this.#counts,
      highWaterMark,
      destroyed: this.#destroyed,
    };
  }

  /**
   * Destroys every arena now, idle or in use (Buffers from them are detached,
   * so work still running gets ArenaDestroyedError on its next alloc, never
   * freed memory), and rejects every waiting caller with ArenaPoolDestroyedError.
   * Later acquire() and run() calls reject with it too. Idempotent.
   */
  destroy(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const waiter of waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(new ArenaPoolDestroyedError(this.name));
    }
    for (const arena of this.#idle) arena.destroy();
    this.#idle.length = 0;
    // A held arena goes once its holds are released (see #recycle for those given back).
    for (const arena of this.#inUse.keys()) arena.whenUnheld(() => arena.destroy());
  }

  /** `using pool = new ArenaPool()` destroys it at the end of the block. */
  [DISPOSE](): void {
    this.destroy();
  }

  #create(): Arena | undefined {
    if (this.#idle.length + this.#inUse.size + this.#held.size >= this.#options.maxArenas) return undefined;
    const { arenaSize, overflowStrategy, zeroOnReset } = this.#options;
    const arena = new Arena({ size: arenaSize, overflowStrategy, zeroOnReset });
    this.#made.add(arena);
    this.#counts.created++;
    return arena;
  }

  #lend(arena: Arena): void {
    this.#inUse.set(arena, null);
    this.#counts.acquired++;
    if (this.#inUse.size > this.#counts.peakInUse) this.#counts.peakInUse = this.#inUse.size;
  }

  #enqueue(): Promise<Arena> {
    return new Promise<Arena>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, timer: undefined };
      const timeout = this.#options.acquireTimeoutMs;
      if (timeout !== Infinity) {
        waiter.timer = setTimeout(() => {
          this.#waiters.delete(waiter);
          this.#counts.timedOut++;
          reject(new ArenaPoolTimeoutError(timeout, this.name));
        }, timeout);
      }
      this.#waiters.add(waiter);
      if (this.#waiters.size > this.#counts.peakWaiting) this.#counts.peakWaiting = this.#waiters.size;
    });
  }

  #nextWaiter(): Waiter | undefined {
    const first: Waiter | undefined = this.#waiters.values().next().value;
    if (first !== undefined) {
      this.#waiters.delete(first);
      clearTimeout(first.timer);
      this.#counts.waited++;
    }
    return first;
  }

  #giveBack(arena: Arena): void {
    this.#inUse.delete(arena);
    this.#counts.released++;
    if (this.#destroyed) return;
    if (arena.held) {
      // I/O may still use its memory: recycle it only when that is done.
      this.#held.add(arena);
      arena.whenUnheld(() => {
        this.#held.delete(arena);
        this.#recycle(this.#reclaim(arena));
      });
      return;
    }
    this.#recycle(this.#reclaim(arena));
  }

  /**
   * The pool's own handle on an arena that came back: the one its user held
   * reads as destroyed from now on, so a second release of it, or any use,
   * cannot reach the arena once it is lent to someone else.
   */
  #reclaim(arena: Arena): Arena {
    if (arena.destroyed) return arena;
    const handle = arena.handOver();
    this.#made.add(handle);
    return handle;
  }

  #recycle(arena: Arena): void {
    if (this.#destroyed) {
      arena.destroy();
      return;
    }
    if (arena.destroyed) {
      // Its user destroyed it: forget it, and let a waiter have a new one in its place.
      this.#replaceForWaiters();
      return;
    }
    arena.foldInto(this.#counts);
    arena.reset();
    const waiter = this.#nextWaiter();
    if (waiter === undefined) {
      this.#idle.push(arena);
      return;
    }
    this.#lend(arena);
    waiter.resolve(arena);
  }

  #replaceForWaiters(): void {
    while (this.#waiters.size > 0 && this.#idle.length + this.#inUse.size + this.#held.size < this.#options.maxArenas) {
      const waiter = this.#nextWaiter()!;
      let arena: Arena;
      try {
        arena = this.#create()!;
      } catch (err) {
        waiter.reject(err as Error);
        continue;
      }
      this.#lend(arena);
      waiter.resolve(arena);
    }
  }
}
