// The Arena class: JavaScript ergonomics over the native arena handle.
import { endianness } from 'node:os';
import { binding, type NativeArena } from './binding';
import { ArenaDestroyedError, arenaError, rangeError, typeError } from './errors';
import { ArenaHold, DISPOSE, heldError, holdUntilFinished, holdUntilSettled, type FinishableStream } from './hold';
import { getConfig } from './config';
import { arenaSettings, optionsObject } from './validate';
import type { ArenaStats, OverflowStrategy } from './types';
import {
  MIN_WINDOW_BYTES, TRANSFERS, append, bareList, escaped, moveAllOn, moveOn, unwatch, watch, windowBase, windowBytes,
  type ViewRecord,
} from './windows';

/** Options of `new Arena()`; omitted fields come from {@link getConfig}. */
export interface ArenaOptions {
  /** Capacity in bytes, 1 byte to 1 GiB; defaults to the configured `poolSize`. */
  size?: number;
  overflowStrategy?: OverflowStrategy;
  zeroOnReset?: boolean;
}

/** `T`, unless it is a promise: `scope()` refuses async callbacks at compile time too. */
export type NotThenable<T> = T extends PromiseLike<unknown> ? never : T;

/** Typed array constructors that {@link Arena.allocArray} accepts. */
export type TypedArrayConstructor =
  | Int8ArrayConstructor | Uint8ArrayConstructor | Uint8ClampedArrayConstructor
  | Int16ArrayConstructor | Uint16ArrayConstructor | Int32ArrayConstructor | Uint32ArrayConstructor
  | Float32ArrayConstructor | Float64ArrayConstructor | BigInt64ArrayConstructor | BigUint64ArrayConstructor;

const TYPED_ARRAYS = new Set<unknown>([
  Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
  Float32Array, Float64Array, BigInt64Array, BigUint64Array,
]);

// A Uint8Array whose prototype chain is Buffer's: a real Buffer without
// Buffer.from's cost (Node's own pool does the same internally).
class ArenaBuffer extends Uint8Array {}
// Only the instance prototype: the constructor's own prototype must stay
// Uint8Array, or `super()` would call the deprecated Buffer() constructor.
Object.setPrototypeOf(ArenaBuffer.prototype, Buffer.prototype);

/**
 * Passed instead of options by threadArena() alone: the Arena then wraps the
 * shim's wrapper of this thread's arena. Module-private, so no user can.
 */
const THREAD_ARENA: unique symbol = Symbol('thread arena');

// Uint32 indices of the low words of engram_arena_state_t's u64 fields, as
// literals for the hot path, checked once below against where the binary says
// they are (ENGRAM_STATE_FIELDS in zig/include/engram_arena.h). Offsets stay
// below 2^30 (capacity <= 1 GiB), so their high words are always zero; the
// two counters carry into theirs.
const OFFSET = 0;
const CAPACITY = 2;
const HIGH_WATER_MARK = 4;
const OVERFLOW_COUNT = 6;
const ALLOCATIONS = 8;
const BYTES_ALLOCATED = 10;
const FALLBACK_COUNT = 12;
checkStateWords(
  {
    offset: OFFSET, capacity: CAPACITY, highWaterMark: HIGH_WATER_MARK, overflowCount: OVERFLOW_COUNT,
    allocations: ALLOCATIONS, bytesAllocated: BYTES_ALLOCATED, fallbacks: FALLBACK_COUNT,
  },
  binding.stateWords,
);

/**
 * Throws if a word index the facade reads differs from the binary's layout: a
 * binary built from another header would otherwise bump the wrong counter.
 * @internal
 */
export function checkStateWords(used: Record<string, number>, binary: Readonly<Record<string, number>> | undefined): void {
  for (const name of Object.keys(used)) {
    if (binary?.[name] !== used[name]) {
      throw arenaError(
        `the native binary puts engram_arena_state_t.${name} at word ${String(binary?.[name])}, ` +
          `not ${used[name]}: it was built from another engram_arena.h than this dist/`,
        'ERR_ARENA_INTERNAL',
      );
    }
  }
}

const TWO_32 = 2 ** 32;
const MAX_ALIGNMENT = binding.limits.maxAlignment;
const LITTLE_ENDIAN = endianness() === 'LE';

function isThenable(value: unknown): boolean {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * A bump-pointer arena over native memory outside the GC heap. `alloc()` is a
 * pointer bump; `reset()` frees everything at once, zeroes the used bytes (when
 * `zeroOnReset`) and detaches every Buffer handed out before it, so old views
 * read as empty instead of exposing the next user's data.
 *
 * An arena belongs to one thread and must not be used across `await`; use an
 * `ArenaPool` for per-request arenas in async code.
 */
export class Arena {
  readonly #native: NativeArena;
  /** `#native.reset`, bound (see NativeArena::ResetFunction). */
  readonly #nativeReset: NativeArena['reset'];
  /** The arena's live counters (engram_arena_state_t), or null to always ask native code. */
  #state: Uint32Array | null = null;
  /** The buffer behind #state, detached at destroy (transfer mode). */
  #stateBuffer: ArrayBuffer | null = null;
  /** The current window over arena bytes [#windowBase, #windowEnd); see lib/windows.ts. */
  #window: ArrayBuffer | null = null;
  #windowBase = 0;
  #windowEnd = -1;
  /** Everything views were made on in this epoch (transfer mode only). */
  readonly #views: ViewRecord;
  /** Bytes the previous epoch used: the size hint for this epoch's windows. */
  #hint = 0;
  /** The heap buffer of the last fallback allocation, for alloc() to view. */
  #fallback: ArrayBuffer | null = null;
  /**
   * Set when this arena is destroyed or gives itself up (quarantine). Every
   * way that happens goes through this object, so `destroyed` needs no native
   * call (a pool asks it once per use).
   */
  #dead = false;
  /** Holds out (see hold()), and what to run when the last one is released. */
  #holds = 0;
  #whenUnheld: Array<() => void> = [];

  /**
   * @throws TypeError / RangeError for bad options; ArenaInitError when memory cannot be
   * reserved; ArenaError `ERR_ARENA_EXTERNAL_BUFFERS` where the runtime forbids external buffers.
   */
  constructor(options?: ArenaOptions) {
    const thread = (options as unknown) === THREAD_ARENA;
    if (thread) {
      this.#native = binding.threadArena();
    } else {
      const settings = arenaSettings(optionsObject<ArenaOptions>(options, 'options'), 'size', getConfig());
      this.#native = new binding.NativeArena(settings.poolSize, settings.overflowStrategy, settings.zeroOnReset);
    }
    this.#nativeReset = this.#native.resetFunction();
    this.#views = { native: this.#native, home: null, others: bareList(), fallbacks: bareList() };
    try {
      const state = LITTLE_ENDIAN ? this.#native.state() : null;
      if (state !== null) {
        this.#stateBuffer = state;
        this.#state = new Uint32Array(state);
      }
      // The first window now: a runtime that refuses external buffers fails here.
      this.#open(0, 0);
    } catch (err) {
      // The thread's wrapper stays with the shim: deinitThreadArena() frees it.
      if (!thread) this.#native.destroy();
      throw err;
    }
    if (TRANSFERS) watch(this, this.#views);
  }

  /**
   * Makes the current window one that holds arena bytes [start, end): the
   * start of their chunk, doubling from 4 KiB, or exactly the range if it
   * straddles chunks.
   */
  #open(start: number, end: number): void {
    const capacity = this.#native.capacity();
    if (capacity === 0) this.#native.window(0, 0); // destroyed: throws ArenaDestroyedError
    // An empty range at the very end belongs to the last chunk.
    const first = end > start ? start : start < capacity ? start : capacity - 1;
    const last = end > start ? end - 1 : first;
    let base = windowBase(first, last);
    let size: number;
    if (base >= 0) {
      size = windowBytes(base, last, this.#hint, capacity);
    } else {
      base = start;
      size = end - start;
    }
    this.#show(this.#native.window(base, size), base);
  }

  #show(window: ArrayBuffer, base: number): void {
    this.#window = window;
    this.#windowBase = base;
    this.#windowEnd = base + window.byteLength;
    if (TRANSFERS) {
      const views = this.#views;
      if (base !== 0) {
        append(views.others, window);
      } else {
        if (views.home !== null) append(views.others, views.home);
        views.home = window;
      }
    }
  }

  /**
   * Reserves `size` bytes and returns their offset in the arena, or -1 for a
   * fallback (then in `#fallback`). The common case bumps here, with exactly
   * the Zig rule (engram_arena_state_t); everything else asks the library,
   * which stays the one owner of overflow, errors and strategies.
   */
  #reserve(size: number, alignment: number): number {
    const state = this.#state;
    if (
      state !== null &&
      // typeof first: `>>>` would throw on a BigInt or a Symbol without a code.
      typeof size === 'number' &&
      typeof alignment === 'number' &&
      size >>> 0 === size &&
      alignment >>> 0 === alignment &&
      alignment !== 0 &&
      alignment <= MAX_ALIGNMENT &&
      (alignment & (alignment - 1)) === 0
    ) {
      // The base is page-aligned, so aligning the offset aligns the address.
      const offset = state[OFFSET];
      const start = (offset + alignment - 1) & -alignment;
      const end = start + size;
      const inWindow = start >= this.#windowBase && end <= this.#windowEnd;
      if (inWindow && this.#window!.byteLength === 0) this.#escaped();
      if (inWindow || end <= state[CAPACITY]) {
        if (!inWindow) {
          this.#open(start, end);
          // Nothing user-reachable runs in #open, but should an allocation
          // have happened meanwhile these bytes may be taken: start over.
          if (state[OFFSET] !== offset) return this.#reserve(size, alignment);
        }
        state[OFFSET] = end;
        if (end > state[HIGH_WATER_MARK]) state[HIGH_WATER_MARK] = end;
        const allocations = state[ALLOCATIONS] + 1;
        state[ALLOCATIONS] = allocations;
        if (allocations > 0xffffffff) state[ALLOCATIONS + 1] += 1;
        const bytes = state[BYTES_ALLOCATED] + size;
        state[BYTES_ALLOCATED] = bytes;
        if (bytes > 0xffffffff) state[BYTES_ALLOCATED + 1] += 1;
        return start;
      }
    }
    if (this.#window !== null && this.#window.byteLength === 0) this.#escaped();
    const where = this.#native.alloc(size, alignment);
    if (typeof where !== 'number') {
      this.#fallback = where;
      if (TRANSFERS && where.byteLength > 0) append(this.#views.fallbacks, where);
      return -1;
    }
    if (where < this.#windowBase || where + size > this.#windowEnd) this.#open(where, where + size);
    return where;
  }

  /**
   * The current window was detached behind our back: something moved arena
   * memory into a new ArrayBuffer. The native reset notices, gives the arena
   * up without reusing its memory, and throws ERR_ARENA_TRANSFERRED.
   */
  #escaped(): never {
    this.reset();
    throw new Error('unreachable: reset() did not notice the escaped window');
  }

  #takeFallback(): ArrayBuffer {
    const buffer = this.#fallback!;
    this.#fallback = null;
    return buffer;
  }

  /**
   * `size` bytes aligned to `alignment` (a power of two up to 4096), as a Buffer
   * valid until the next reset. Zeroed if the arena zeroes on reset and this
   * memory was used before; fresh memory is always zero.
   * @throws ArenaOverflowError when it does not fit (strategy `error_return`).
   */
  alloc(size: number, alignment = 8): Buffer {
    const start = this.#reserve(size, alignment);
    const view =
      start >= 0
        ? new ArenaBuffer(this.#window!, start - this.#windowBase, size)
        : new ArenaBuffer(this.#takeFallback(), 0, size);
    return view as unknown as Buffer;
  }

  /** `length` elements of a typed array, aligned to at least the element size. */
  allocArray<C extends TypedArrayConstructor>(type: C, length: number, alignment?: number): InstanceType<C> {
    if (!TYPED_ARRAYS.has(type)) throw typeError('type must be a typed array constructor such as Float64Array');
    if (typeof length !== 'number') throw typeError(`length must be a number, got ${typeof length}`);
    // A fractional length would pass as a whole byte count (1.5 Int16s = 3 bytes) and be truncated.
    if (!Number.isInteger(length)) {
      throw rangeError(`length must be a non-negative integer, got ${length}`, 'ERR_ARENA_INVALID_SIZE');
    }
    const elementSize = type.BYTES_PER_ELEMENT;
    let align: unknown = alignment === undefined ? elementSize : alignment;
    // A smaller valid alignment is raised to the element size; an invalid one goes on to be refused.
    if (typeof align === 'number' && Number.isInteger(align) && align > 0 && align < elementSize && (align & (align - 1)) === 0) align = elementSize;
    const start = this.#reserve(length * elementSize, align as number);
    if (start < 0) return new type(this.#takeFallback(), 0, length) as InstanceType<C>;
    return new type(this.#window!, start - this.#windowBase, length) as InstanceType<C>;
  }

  /**
   * Keeps this epoch alive: until the returned hold is released, reset() and
   * destroy() throw `ArenaError` `ERR_ARENA_HELD` and change nothing. Take one
   * before handing arena memory to I/O that may outlive the current call
   * (a socket write, `fs.read` into a view, `crypto.randomFill`), and release
   * it when that I/O is done.
   * @throws ArenaDestroyedError on a destroyed arena.
   */
  hold(): ArenaHold {
    if (this.destroyed) throw new ArenaDestroyedError();
    this.#holds += 1;
    return new ArenaHold(() => this.#unhold());
  }

  /**
   * A hold released when `work` settles (fulfils or rejects).
   * @throws TypeError (and takes no hold) unless `work` is a promise or thenable.
   */
  holdUntil(work: PromiseLike<unknown>): ArenaHold {
    return holdUntilSettled(() => this.hold(), work);
  }

  /**
   * A hold released when `stream` finishes, fails or is destroyed (`stream.finished`).
   * @throws TypeError (and takes no hold) for something that is not a stream.
   */
  holdUntilFinished(stream: FinishableStream): ArenaHold {
    return holdUntilFinished(() => this.hold(), stream);
  }

  /** True while a hold is out. */
  get held(): boolean {
    return this.#holds !== 0;
  }

  #unhold(): void {
    this.#holds -= 1;
    if (this.#holds !== 0) return;
    const waiting = this.#whenUnheld;
    this.#whenUnheld = [];
    for (const fn of waiting) fn();
  }

  /** @internal Runs `fn` once no hold is out (now, if none is). */
  whenUnheld(fn: () => void): void {
    if (this.#holds === 0) fn();
    else this.#whenUnheld.push(fn);
  }

  /** Frees every allocation at once. Earlier Buffers become empty (detached). */
  reset(): void {
    if (this.#holds !== 0) throw heldError('reset', this.#holds);
    const used = this.#used();
    try {
      if (TRANSFERS) this.#resetByTransfer(used);
      else this.#resetNatively(used);
    } catch (err) {
      // A quarantined thread arena is dead: the next threadArena() makes a new one.
      if (this.#native.destroyed()) {
        this.#dead = true;
        if (this === current) current = null;
      }
      throw err;
    }
  }

  /** Bytes in use now (0 once destroyed). */
  #used(): number {
    if (this.#state !== null) return this.#state[OFFSET];
    return this.#native.destroyed() ? 0 : this.#native.stats().currentUsage;
  }

  /**
   * Transfers every window, so that all views of this epoch read as empty,
   * and carries the window at the arena's start over to the next epoch when
   * it is not much larger than this epoch's use; then resets (zeroing also
   * what the carried window reaches). The common epoch touches no array.
   */
  #resetByTransfer(used: number): void {
    const views = this.#views;
    if (escaped(views)) this.#quarantine();
    let next: ArrayBuffer | null = null;
    const home = views.home;
    if (home !== null) {
      const moved = moveOn(home);
      const limit = 4 * used > MIN_WINDOW_BYTES ? 4 * used : MIN_WINDOW_BYTES;
      if (moved.byteLength <= limit) next = moved;
      views.home = null;
    }
    if (views.others.length !== 0) moveAllOn(views.others);
    if (views.fallbacks.length !== 0) moveAllOn(views.fallbacks);
    this.#forgetWindow();
    this.#hint = used;
    this.#nativeReset(next === null ? 0 : next.byteLength);
    if (next !== null) this.#show(next, 0);
  }

  /** The shim detaches its windows, resets, and opens the next epoch's first window. */
  #resetNatively(used: number): void {
    this.#forgetWindow();
    this.#hint = used;
    const capacity = this.#native.capacity();
    // A destroyed arena (capacity 0) asks for no window; its reset throws.
    const first = this.#nativeReset(0, capacity === 0 ? 0 : windowBytes(0, 0, used, capacity));
    if (first !== undefined) this.#show(first, 0);
  }

  /** Gives the arena up (see NativeArena::Quarantine); always throws ERR_ARENA_TRANSFERRED. */
  #quarantine(): never {
    this.#dropViews();
    this.#dead = true;
    this.#native.quarantine();
    throw new Error('unreachable: quarantine() returned');
  }

  /** Detaches every view of this epoch (transfer mode), keeping none. */
  #dropViews(): void {
    const views = this.#views;
    if (views.home !== null && views.home.byteLength !== 0) moveOn(views.home);
    views.home = null;
    moveAllOn(views.others);
    moveAllOn(views.fallbacks);
    this.#forgetWindow();
  }

  #forgetWindow(): void {
    this.#window = null;
    this.#windowBase = 0;
    this.#windowEnd = -1; // below any end: even an empty request opens a window
  }

  /**
   * Runs `fn(arena)` and resets the arena afterwards, also when `fn` throws.
   * @throws TypeError (`ERR_ARENA_ASYNC_SCOPE`) when `fn` returns a promise: the
   * arena is reset before the promise settles, so async work must use a pool.
   */
  scope<T>(fn: (arena: this) => NotThenable<T>): T {
    if (typeof fn !== 'function') throw typeError('scope() needs a function');
    let result: T;
    try {
      result = fn(this);
    } finally {
      if (!this.destroyed) this.reset();
    }
    if (isThenable(result)) {
      if (result instanceof Promise) result.catch(() => {});
      throw typeError(
        'scope() callback returned a promise: an arena is not safe across await; use ArenaPool.run() instead',
        'ERR_ARENA_ASYNC_SCOPE',
      );
    }
    return result;
  }

  /** Bytes left before the arena overflows (alignment padding not yet counted). */
  remaining(): number {
    return this.#native.remaining();
  }

  /** Used fraction of the capacity, from 0 to 1. */
  utilization(): number {
    return this.#native.utilization();
  }

  /**
   * @internal For ArenaPool, once per use: adds this epoch's overflows and
   * fallbacks to `counts` and raises its high-water mark, straight from the
   * shared counters (a stats() call costs a native call and an object).
   */
  foldInto(counts: { overflows: number; fallbacks: number; highWaterMark: number }): void {
    const state = this.#state;
    if (state === null) {
      const stats = this.stats();
      counts.overflows += stats.overflowCount;
      counts.fallbacks += stats.fallbacks;
      if (stats.highWaterMark > counts.highWaterMark) counts.highWaterMark = stats.highWaterMark;
      return;
    }
    counts.overflows += state[OVERFLOW_COUNT] + state[OVERFLOW_COUNT + 1] * TWO_32;
    counts.fallbacks += state[FALLBACK_COUNT] + state[FALLBACK_COUNT + 1] * TWO_32;
    if (state[HIGH_WATER_MARK] > counts.highWaterMark) counts.highWaterMark = state[HIGH_WATER_MARK];
  }

  /** Counters of this arena. */
  stats(): ArenaStats {
    return this.#native.stats();
  }

  /** Capacity in bytes. */
  get capacity(): number {
    return this.#native.capacity();
  }

  /** The options this arena was made with. */
  get options(): Required<ArenaOptions> {
    return this.#native.options();
  }

  /** True once destroy() ran (or, for the thread arena, deinitThreadArena()). */
  get destroyed(): boolean {
    return this.#dead;
  }

  /**
   * Detaches every Buffer now and gives the memory back at the end of the
   * current JavaScript turn (see freeSoon). Idempotent.
   * @throws ArenaError `ERR_ARENA_HELD` (nothing changed) while a hold is out.
   */
  destroy(): void {
    if (this.#holds !== 0) throw heldError('destroy', this.#holds);
    if (TRANSFERS) {
      // Memory moved out behind our back is kept, never freed (see windows.ts).
      if (escaped(this.#views)) this.#native.markEscaped();
      this.#dropViews();
      if (this.#stateBuffer !== null && this.#stateBuffer.byteLength !== 0) moveOn(this.#stateBuffer);
      unwatch(this, this.#views);
    }
    this.#native.destroy();
    this.#dead = true;
    freeSoon();
    this.#forgetWindow();
    this.#state = null;
    this.#stateBuffer = null;
    if (this === current) current = null;
  }

  /** `using arena = new Arena()` destroys it at the end of the block. */
  [DISPOSE](): void {
    this.destroy();
  }
}

let current: Arena | null = null;
let freeScheduled = false;

/**
 * Destroyed arenas give their memory back at the end of the current
 * JavaScript turn, not at once: native code that took a pointer before the
 * call that destroyed the arena (Buffer#fill, whose valueOf destroys it) may
 * still write to it until that call returns (see BlockRetireArena).
 */
function freeSoon(): void {
  if (freeScheduled) return;
  freeScheduled = true;
  queueMicrotask(() => {
    freeScheduled = false;
    binding.freeRetired();
  });
}

/**
 * The calling thread's arena (the main thread and each worker have their own),
 * made on first use from the global config and kept until deinitThreadArena().
 */
export function threadArena(): Arena {
  // `current` is cleared by destroy(): no native call on this hot path.
  if (current === null) {
    getConfig(); // the first use loads the environment: warn about bad ENGRAM_ARENA_* here too
    current = new Arena(THREAD_ARENA as never);
  }
  return current;
}

/** Resets the calling thread's arena, detaching its Buffers. */
export function resetThreadArena(): void {
  if (current !== null) current.reset();
  else binding.resetThreadArena();
}

/** Frees the calling thread's arena; the next threadArena() makes a fresh one. */
export function deinitThreadArena(): void {
  // One call, by whoever owns it: the facade's Arena when there is one (its
  // destroy() drops the windows and state too, retires the shim's wrapper and
  // clears `current`), else the shim, which may still hold a thread arena
  // whose Arena failed to construct.
  if (current !== null) {
    current.destroy();
  } else {
    binding.deinitThreadArena();
    freeSoon();
  }
}
