// Per-request arenas for async code: one arena per unit of work, recycled.
// The thread arena cannot serve a service: requests interleave across `await`,
// so resetting a shared arena at the end of one would clobber another's buffers.
import type { AsyncLocalStorage } from 'node:async_hooks';
import { Arena, isArena } from './arena';
import { getConfig } from './config';
import {
  ArenaPoolDestroyedError,
  ArenaPoolFullError,
  ArenaPoolReleaseError,
  ArenaPoolTimeoutError,
  typeError,
  warn,
} from './errors';
import { DISPOSE } from './hold';
import {
  AsyncLocalStorageCtor,
  AsyncLocalStoragePrototypeGetStore,
  AsyncLocalStoragePrototypeRun,
  bareList,
  MapCtor,
  MapIteratorPrototypeNext,
  MapPrototypeDelete,
  MapPrototypeGet,
  MapPrototypeGetSize,
  MapPrototypeKeys,
  MapPrototypeSet,
  ObjectDefineProperty,
  PromiseCtor,
  PromiseReject,
  PromiseResolve,
  SetCtor,
  SetPrototypeAdd,
  SetPrototypeDelete,
  SetPrototypeGetSize,
  WeakSetCtor,
  WeakSetPrototypeAdd,
  WeakSetPrototypeHas,
} from './primordials';
import type { ArenaPoolOptions, ArenaPoolStats } from './types';
import { optionsObject, poolSettings } from './validate';
import { WaiterQueue } from './waiters';

export type { ArenaPoolOptions, ArenaPoolStats };

// What run() puts in AsyncLocalStorage. A callback that outlives its run()
// (a timer it forgot) still sees this object, so the arena is unlinked on
// release instead of pointing it at an arena that now serves someone else.
interface Lease {
  arena: Arena | null;
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
      warn(
        'currentArena() finds only the arenas of pools made with { context: true }; no such pool exists',
        'ENGRAM_ARENA_NO_CONTEXT',
      );
    }
    return undefined;
  }
  return AsyncLocalStoragePrototypeGetStore(storage)?.arena ?? undefined;
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
  readonly #idle: Arena[] = bareList();
  // In use, with the run() lease that holds it (null for acquire()).
  readonly #inUse = new MapCtor<Arena, Lease | null>();
  // Given back with holds out: neither idle nor lent, but they count toward maxArenas.
  readonly #held = new SetCtor<Arena>();
  // Every arena this pool ever made, so that a second release is told apart from a foreign arena.
  readonly #made = new WeakSetCtor<Arena>();
  // Callers queued, first come first served.
  readonly #waiters = new WaiterQueue<Arena>();
  #destroyed = false;
  #counts = {
    created: 0,
    acquired: 0,
    waited: 0,
    released: 0,
    timedOut: 0,
    rejected: 0,
    peakInUse: 0,
    peakWaiting: 0,
    highWaterMark: 0,
    overflows: 0,
    fallbacks: 0,
  };

  /**
   * @throws TypeError (`ERR_INVALID_ARG_TYPE`) for an option of the wrong type;
   * RangeError (`ERR_ARENA_INVALID_SIZE` for `size`, else `ERR_INVALID_ARG_VALUE`) for a bad value.
   */
  constructor(options?: ArenaPoolOptions) {
    this.#options = poolSettings(optionsObject<ArenaPoolOptions>(options, 'options'), getConfig());
    if (this.#options.context && storage === null) storage = new AsyncLocalStorageCtor<Lease>();
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
    if (typeof fn !== 'function') return PromiseReject(typeError('run() needs a function'));
    let arena: Arena | null;
    try {
      arena = this.#takeNow();
    } catch (err) {
      return PromiseReject(err);
    }
    return this.#runWith(arena, fn);
  }

  /**
   * An idle arena is handed over at once (`arena`): no promise, no turn of the
   * event loop. Without one (null) the caller queues first. `await`, not
   * `then()`: awaiting a promise of the pool's own looks up nothing that user
   * code could have patched.
   */
  async #runWith<T>(arena: Arena | null, fn: (arena: Arena) => T | PromiseLike<T>): Promise<Awaited<T>> {
    const lent = arena ?? (await this.#enqueue());
    const lease: Lease = this.#options.context ? { arena: lent } : UNTRACKED;
    MapPrototypeSet(this.#inUse, lent, lease);
    try {
      return await (lease === UNTRACKED ? fn(lent) : AsyncLocalStoragePrototypeRun(storage!, lease, fn, lent));
    } finally {
      lease.arena = null;
      this.#giveBack(lent);
    }
  }

  /**
   * An arena for manual use; hand it back with {@link ArenaPool.release}.
   * Prefer run(), which cannot forget to.
   * @throws (rejects) ArenaPoolTimeoutError, ArenaPoolFullError, ArenaPoolDestroyedError,
   * or ArenaInitError when a new arena's memory cannot be reserved.
   */
  acquire(): Promise<Arena> {
    let arena: Arena | null;
    try {
      arena = this.#takeNow();
    } catch (err) {
      return PromiseReject(err);
    }
    return arena === null ? this.#enqueue() : PromiseResolve(arena);
  }

  /**
   * An arena lent at once (idle or new), or null when the caller must queue.
   * @throws the error that refuses the caller at once.
   */
  #takeNow(): Arena | null {
    if (this.#destroyed) throw new ArenaPoolDestroyedError(this.name);
    if (this.#waiters.length === 0) {
      const idle = this.#idle.length;
      let arena: Arena | undefined;
      if (idle > 0) {
        arena = this.#idle[idle - 1];
        this.#idle.length = idle - 1;
      } else {
        arena = this.#create();
      }
      if (arena !== undefined) {
        this.#lend(arena);
        return arena;
      }
    }
    if (this.#waiters.length >= this.#options.maxWaiting) {
      this.#counts.rejected++;
      throw new ArenaPoolFullError(this.#options.maxWaiting, this.name);
    }
    return null;
  }

  /**
   * Resets `arena` (detaching its Buffers) and returns it to the pool, or to the
   * first caller waiting. After destroy() it just forgets the arena.
   * @throws TypeError if `arena` is not an Arena; ArenaPoolReleaseError when it was
   * already released, is not from this pool, or is held by run(). The pool is unchanged then.
   */
  release(arena: Arena): void {
    if (!isArena(arena)) throw typeError('release() needs an Arena from this pool');
    const lease = MapPrototypeGet(this.#inUse, arena);
    if (lease === undefined) {
      if (WeakSetPrototypeHas(this.#made, arena)) {
        throw new ArenaPoolReleaseError(
          `this arena was already released to pool '${this.name}'`,
          'ERR_ARENA_POOL_DOUBLE_RELEASE',
        );
      }
      throw new ArenaPoolReleaseError(
        `this arena does not belong to pool '${this.name}'`,
        'ERR_ARENA_POOL_FOREIGN_ARENA',
      );
    }
    if (lease !== null) {
      throw new ArenaPoolReleaseError(
        'this arena is held by run(), which releases it when its callback settles',
        'ERR_ARENA_POOL_RUN_OWNED',
      );
    }
    this.#giveBack(arena);
  }

  /** A snapshot of the pool's gauges and counters. */
  stats(): ArenaPoolStats {
    const { name, size, maxArenas, maxWaiting } = this.#options;
    let highWaterMark = this.#counts.highWaterMark;
    // Arenas in use have not folded in yet; their high-water mark spans their life.
    if (!this.#destroyed) {
      const inUse = this.#inUseNow();
      for (let i = 0; i < inUse.length; i++) {
        if (inUse[i].destroyed) continue;
        const mark = inUse[i].stats().highWaterMark;
        if (mark > highWaterMark) highWaterMark = mark;
      }
    }
    return {
      name,
      size,
      maxArenas,
      maxWaiting,
      arenas: this.#destroyed ? 0 : this.#count(),
      idle: this.#idle.length,
      inUse: MapPrototypeGetSize(this.#inUse),
      held: SetPrototypeGetSize(this.#held),
      waiting: this.#waiters.length,
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
    for (let waiter = this.#waiters.shift(); waiter !== undefined; waiter = this.#waiters.shift()) {
      waiter.reject(new ArenaPoolDestroyedError(this.name));
    }
    const idle = this.#idle;
    for (let i = 0; i < idle.length; i++) idle[i].destroy();
    idle.length = 0;
    // A held arena goes once its holds are released (see #recycle for those given back).
    const inUse = this.#inUseNow();
    for (let i = 0; i < inUse.length; i++) {
      const arena = inUse[i];
      arena.whenUnheld(() => arena.destroy());
    }
  }

  /** The arenas lent now, listed through the iterator built-ins captured at load. */
  #inUseNow(): Arena[] {
    const list: Arena[] = bareList();
    const keys = MapPrototypeKeys(this.#inUse);
    for (let step = MapIteratorPrototypeNext(keys); !step.done; step = MapIteratorPrototypeNext(keys)) {
      list[list.length] = step.value;
    }
    return list;
  }

  /** Arenas holding memory: idle, lent, or given back with holds out. */
  #count(): number {
    return this.#idle.length + MapPrototypeGetSize(this.#inUse) + SetPrototypeGetSize(this.#held);
  }

  /** `using pool = new ArenaPool()` destroys it at the end of the block. */
  [DISPOSE](): void {
    this.destroy();
  }

  #create(): Arena | undefined {
    if (this.#count() >= this.#options.maxArenas) return undefined;
    // The pool's settings hold every arena option; Arena reads those alone.
    const arena = new Arena(this.#options);
    WeakSetPrototypeAdd(this.#made, arena);
    this.#counts.created++;
    return arena;
  }

  #lend(arena: Arena): void {
    MapPrototypeSet(this.#inUse, arena, null);
    this.#counts.acquired++;
    const inUse = MapPrototypeGetSize(this.#inUse);
    if (inUse > this.#counts.peakInUse) this.#counts.peakInUse = inUse;
  }

  /**
   * A promise of an arena for the caller, queued last. Its own `constructor`
   * is the Promise captured at load, so that `await` takes it as it is
   * instead of looking up `then` on Promise.prototype.
   */
  #enqueue(): Promise<Arena> {
    const promise = new PromiseCtor<Arena>((resolve, reject) => {
      const timeout = this.#options.acquireTimeoutMs;
      this.#waiters.push({ resolve, reject }, timeout, () => {
        this.#counts.timedOut++;
        reject(new ArenaPoolTimeoutError(timeout, this.name));
      });
      if (this.#waiters.length > this.#counts.peakWaiting) this.#counts.peakWaiting = this.#waiters.length;
    });
    ObjectDefineProperty(promise, 'constructor', { value: PromiseCtor });
    return promise;
  }

  #giveBack(arena: Arena): void {
    MapPrototypeDelete(this.#inUse, arena);
    this.#counts.released++;
    if (this.#destroyed) return;
    if (arena.held) {
      // I/O may still use its memory: recycle it only when that is done.
      SetPrototypeAdd(this.#held, arena);
      arena.whenUnheld(() => {
        SetPrototypeDelete(this.#held, arena);
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
    WeakSetPrototypeAdd(this.#made, handle);
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
    const waiter = this.#waiters.shift();
    if (waiter === undefined) {
      this.#idle[this.#idle.length] = arena;
      return;
    }
    this.#counts.waited++;
    this.#lend(arena);
    waiter.resolve(arena);
  }

  #replaceForWaiters(): void {
    while (this.#waiters.length > 0 && this.#count() < this.#options.maxArenas) {
      const waiter = this.#waiters.shift()!;
      this.#counts.waited++;
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
