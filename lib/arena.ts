// The Arena class: JavaScript ergonomics over the native arena handle. The
// arena's memory is an ArrayBuffer the engine owns (lib/memory.ts); the Zig
// arena keeps the counters and zeroes, and never owns that memory.
import { endianness } from 'node:os';
import { binding, type NativeArena } from './binding';
import { ArenaDestroyedError, ArenaInitError, arenaError, rangeError, typeError } from './errors';
import { ArenaHold, DISPOSE, heldError, holdUntilFinished, holdUntilSettled, type FinishableStream } from './hold';
import { getConfig } from './config';
import { arenaSettings, optionsObject } from './validate';
import { BufferView, bareList, bury, byteLengthOf, moveOut, newMemory, wordsOver } from './memory';
import type { ArenaStats, OverflowStrategy } from './types';

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

// Compared by identity, captured at load: no Set method a user could patch.
const TYPED_ARRAYS: readonly unknown[] = Object.freeze([
  Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
  Float32Array, Float64Array, BigInt64Array, BigUint64Array,
]);

function isTypedArrayConstructor(value: unknown): boolean {
  for (let i = 0; i < TYPED_ARRAYS.length; i++) if (TYPED_ARRAYS[i] === value) return true;
  return false;
}

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
/** Bytes an arena's memory block has beyond its capacity, so that byte 0 can sit on a page. */
const SLACK_BYTES = binding.limits.hostedSlack;
// The facade bumps the shared counters itself only where its Uint32 words are
// the low and high halves of the header's u64 fields.
const BUMPS_IN_JS = endianness() === 'LE';

function isThenable(value: unknown): boolean {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/** Memory for an arena or a fallback, or ArenaInitError when the engine refuses it. */
function reserve(bytes: number): ArrayBuffer {
  try {
    return newMemory(bytes);
  } catch {
    throw new ArenaInitError(`could not reserve ${bytes} bytes of arena memory`);
  }
}

/** Passed instead of options by handOver() alone: module-private, so no user can. */
const HANDOVER: unique symbol = Symbol('hand over');
/** The handle handOver() is taking the arena from, for the constructor it calls. */
let handingOver: Arena | null = null;

/**
 * A bump-pointer arena over one block of memory outside V8's object heap.
 * `alloc()` is a pointer bump; `reset()` frees everything at once, zeroes the
 * bytes handed out (when `zeroOnReset`) and detaches every Buffer handed out
 * before it, so old views read as empty instead of exposing the next user's
 * data.
 *
 * An arena belongs to one thread and must not be used across `await`; use an
 * `ArenaPool` for per-request arenas in async code.
 */
export class Arena {
  readonly #native: NativeArena;
  /** `#native.reset`, bound (see NativeArena::ResetFunction). */
  readonly #nativeReset: (memory: ArrayBuffer, fresh: boolean) => number;
  readonly #capacity: number;
  readonly #options: Readonly<Required<ArenaOptions>>;
  /** The live counters (engram_arena_state_t), engine-owned, kept by the shim; never handed out. */
  readonly #state: Uint32Array;
  /** This epoch's memory (engine-owned), null once destroyed. */
  #memory: ArrayBuffer | null;
  /** Where arena byte 0 sits in #memory: the first page boundary. */
  #base: number;
  /**
   * Bytes below which the JavaScript bump may hand memory out: the capacity,
   * or -1 (not even an empty view, whose `buffer` would show the block) after
   * a zeroing reset until the library's next allocation, which zeroes what
   * the reset left (engram_arena_reset: a write through a pointer taken
   * before the reset must not reach a fresh allocation), and once destroyed.
   */
  #limit = -1;
  /** This epoch's fallback buffers, detached at reset. */
  #fallbacks: ArrayBuffer[] = bareList();
  /** The last fallback, for alloc() to view, and where its bytes start. */
  #fallback: ArrayBuffer | null = null;
  #fallbackStart = 0;
  #dead = false;
  /** Holds out (see hold()), and what to run when the last one is released. */
  #holds = 0;
  #whenUnheld: Array<() => void> = bareList();

  /**
   * @throws TypeError / RangeError for bad options; ArenaInitError when memory cannot be reserved.
   */
  constructor(options?: ArenaOptions) {
    if ((options as unknown) === HANDOVER && handingOver !== null) {
      const from = handingOver;
      handingOver = null;
      this.#native = from.#native;
      this.#nativeReset = from.#nativeReset;
      this.#capacity = from.#capacity;
      this.#options = from.#options;
      this.#state = from.#state;
      this.#memory = from.#memory;
      this.#base = from.#base;
      this.#limit = from.#limit;
      this.#fallbacks = from.#fallbacks;
      from.#memory = null;
      from.#limit = -1;
      from.#fallbacks = bareList();
      from.#dead = true;
      return;
    }
    const settings = arenaSettings(optionsObject<ArenaOptions>(options, 'options'), 'size', getConfig());
    this.#native = new binding.NativeArena(settings.poolSize, settings.overflowStrategy, settings.zeroOnReset);
    this.#capacity = settings.poolSize;
    this.#options = Object.freeze({
      size: settings.poolSize,
      overflowStrategy: settings.overflowStrategy,
      zeroOnReset: settings.zeroOnReset,
    });
    this.#nativeReset = this.#native.resetFunction();
    this.#state = wordsOver(this.#native.state());
    try {
      this.#memory = reserve(settings.poolSize + SLACK_BYTES);
      this.#base = this.#native.bind(this.#memory, true);
      this.#limit = settings.poolSize;
    } catch (err) {
      this.#native.destroy();
      throw err;
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
      BUMPS_IN_JS &&
      // typeof first: `>>>` would throw on a BigInt or a Symbol without a code.
      typeof size === 'number' &&
      typeof alignment === 'number' &&
      size >>> 0 === size &&
      alignment >>> 0 === alignment &&
      alignment !== 0 &&
      alignment <= MAX_ALIGNMENT &&
      (alignment & (alignment - 1)) === 0
    ) {
      // Byte 0 sits on a page, so aligning the offset aligns the address.
      const start = (state[OFFSET] + alignment - 1) & -alignment;
      const end = start + size;
      if (end <= this.#limit) {
        // The high-water mark is left to the library, which takes
        // max(highWaterMark, offset) wherever it reads it.
        state[OFFSET] = end;
        const allocations = state[ALLOCATIONS] + 1;
        state[ALLOCATIONS] = allocations;
        if (allocations > 0xffffffff) state[ALLOCATIONS + 1] += 1;
        const bytes = state[BYTES_ALLOCATED] + size;
        state[BYTES_ALLOCATED] = bytes;
        if (bytes > 0xffffffff) state[BYTES_ALLOCATED + 1] += 1;
        return start;
      }
    }
    const where = this.#native.alloc(size, alignment, this.#liveMemory());
    this.#limit = this.#capacity; // the library zeroed what a reset left
    if (where < 0) this.#serveFallback(size, alignment);
    return where;
  }

  /** This epoch's memory, replaced first if user code moved it out. */
  #liveMemory(): ArrayBuffer {
    const memory = this.#memory;
    if (memory === null) throw new ArenaDestroyedError();
    if (byteLengthOf(memory) !== 0) return memory;
    return this.#replaceMemory();
  }

  /**
   * The arena's memory was moved out (transfer, postMessage, a BYOB read):
   * whoever holds it owns it now. Go on with fresh memory at the same offset.
   */
  #replaceMemory(): ArrayBuffer {
    const fresh = this.#blockForMovedOut();
    this.#base = this.#native.bind(fresh, true);
    this.#memory = fresh;
    this.#limit = this.#capacity; // fresh memory has nothing left to zero
    return fresh;
  }

  /** A fresh block in place of one its user moved out or pinned, which is counted. */
  #blockForMovedOut(): ArrayBuffer {
    const fresh = reserve(this.#capacity + SLACK_BYTES);
    binding.countMovedOut();
    return fresh;
  }

  /** The library counted a fallback; the engine provides its memory. */
  #serveFallback(size: number, alignment: number): void {
    const padding = alignment > 1 ? alignment : 0;
    const memory = reserve(size + padding);
    this.#fallbackStart = padding === 0 ? 0 : binding.paddingFor(memory, alignment);
    this.#fallback = memory;
    if (size + padding !== 0) this.#fallbacks[this.#fallbacks.length] = memory;
  }

  #takeFallback(): ArrayBuffer {
    const buffer = this.#fallback!;
    this.#fallback = null;
    return buffer;
  }

  /**
   * A view could not be made over the block: if user code moved it out, go
   * on with fresh memory and make the view there; anything else is rethrown.
   */
  #viewAfterMove(start: number, size: number, err: unknown): Buffer {
    if (this.#memory === null || byteLengthOf(this.#memory) !== 0) throw err;
    return new BufferView(this.#replaceMemory(), this.#base + start, size);
  }

  /**
   * `size` bytes aligned to `alignment` (a power of two up to 4096), as a Buffer
   * valid until the next reset. Zeroed if the arena zeroes on reset and this
   * memory was used before; fresh memory is always zero.
   * @throws ArenaOverflowError when it does not fit (strategy `error_return`).
   */
  alloc(size: number, alignment = 8): Buffer {
    const start = this.#reserve(size, alignment);
    if (start < 0) return new BufferView(this.#takeFallback(), this.#fallbackStart, size);
    try {
      return new BufferView(this.#memory!, this.#base + start, size);
    } catch (err) {
      return this.#viewAfterMove(start, size, err);
    }
  }

  /** `length` elements of a typed array, aligned to at least the element size. */
  allocArray<C extends TypedArrayConstructor>(type: C, length: number, alignment?: number): InstanceType<C> {
    if (!isTypedArrayConstructor(type)) throw typeError('type must be a typed array constructor such as Float64Array');
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
    if (start < 0) return new type(this.#takeFallback(), this.#fallbackStart, length) as InstanceType<C>;
    try {
      return new type(this.#memory!, this.#base + start, length) as InstanceType<C>;
    } catch (err) {
      // As in alloc(): a block moved out is replaced, then the array is made on the fresh one.
      this.#viewAfterMove(start, 0, err);
      return new type(this.#memory!, this.#base + start, length) as InstanceType<C>;
    }
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
    if (this.#dead) throw new ArenaDestroyedError();
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
    this.#whenUnheld = bareList();
    for (let i = 0; i < waiting.length; i++) waiting[i]();
  }

  /**
   * @internal For ArenaPool, when an arena comes back: a new handle on the
   * same memory and counters, and this one reads as destroyed from now on
   * (its destroy() does nothing). A caller that kept the handle it released
   * can then neither use nor release again an arena lent to someone else.
   * Only for a live arena with no hold out.
   */
  handOver(): Arena {
    if (this.#holds !== 0 || this.#memory === null) {
      throw arenaError('handOver() of a held or destroyed arena', 'ERR_ARENA_INTERNAL');
    }
    handingOver = this;
    return new Arena(HANDOVER as never);
  }

  /** @internal Runs `fn` once no hold is out (now, if none is). */
  whenUnheld(fn: () => void): void {
    if (this.#holds === 0) fn();
    else this.#whenUnheld[this.#whenUnheld.length] = fn;
  }

  /**
   * Frees every allocation at once: every Buffer handed out before reads as
   * empty (detached), and the bytes handed out are zeroed (when `zeroOnReset`).
   * @throws ArenaError `ERR_ARENA_HELD` (nothing changed) while a hold is out.
   */
  reset(): void {
    this.#resetNow();
  }

  /**
   * Moves the memory into a new ArrayBuffer, which detaches every view of this
   * epoch, then lets the library zero and rewind it there. Memory that cannot
   * be moved (the user moved or pinned it) stays with its user.
   */
  #resetNow(): void {
    if (this.#holds !== 0) throw heldError('reset', this.#holds);
    const memory = this.#memory;
    if (memory === null) throw new ArenaDestroyedError();
    let next = moveOut(memory);
    const fresh = next === null;
    if (next === null) next = this.#blockForMovedOut();
    this.#dropFallbacks();
    this.#memory = next;
    this.#limit = -1;
    this.#base = this.#nativeReset(next, fresh);
    // A zeroing reset leaves the zeroing to the library's next allocation,
    // fresh memory or not: until then the JavaScript bump hands nothing out.
    if (!this.#options.zeroOnReset) this.#limit = this.#capacity;
  }

  /** Detaches this epoch's fallback buffers; their memory goes once the current task has ended. */
  #dropFallbacks(): void {
    const fallbacks = this.#fallbacks;
    if (fallbacks.length === 0) return;
    this.#fallbacks = bareList();
    for (let i = 0; i < fallbacks.length; i++) {
      const moved = moveOut(fallbacks[i]);
      if (moved !== null) bury(moved);
    }
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
      if (!this.#dead) this.#resetNow();
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
    const stats = this.stats();
    return stats.currentUsage >= stats.capacity ? 0 : stats.capacity - stats.currentUsage;
  }

  /** Used fraction of the capacity, from 0 to 1. */
  utilization(): number {
    return this.stats().utilization;
  }

  /**
   * @internal For ArenaPool, once per use: adds this epoch's overflows and
   * fallbacks to `counts` and raises its high-water mark, straight from the
   * shared counters (a stats() call costs a native call and an object).
   */
  foldInto(counts: { overflows: number; fallbacks: number; highWaterMark: number }): void {
    const state = this.#state;
    if (!BUMPS_IN_JS) {
      const stats = this.stats();
      counts.overflows += stats.overflowCount;
      counts.fallbacks += stats.fallbacks;
      if (stats.highWaterMark > counts.highWaterMark) counts.highWaterMark = stats.highWaterMark;
      return;
    }
    counts.overflows += state[OVERFLOW_COUNT] + state[OVERFLOW_COUNT + 1] * TWO_32;
    counts.fallbacks += state[FALLBACK_COUNT] + state[FALLBACK_COUNT + 1] * TWO_32;
    // The word holds the mark as of the offset's last fall; the offset may be above it.
    const highWaterMark = Math.max(state[HIGH_WATER_MARK], state[OFFSET]);
    if (highWaterMark > counts.highWaterMark) counts.highWaterMark = highWaterMark;
  }

  /** Counters of this arena. */
  stats(): ArenaStats {
    if (this.#dead) throw new ArenaDestroyedError();
    return this.#native.stats();
  }

  /** Capacity in bytes (0 once destroyed). */
  get capacity(): number {
    return this.#dead ? 0 : this.#capacity;
  }

  /** The options this arena was made with. */
  get options(): Required<ArenaOptions> {
    return { ...this.#options };
  }

  /** True once destroy() ran. */
  get destroyed(): boolean {
    return this.#dead;
  }

  /**
   * Detaches every Buffer now and gives the memory back: its pages at once,
   * the block when the current task has ended (see bury). Idempotent.
   * @throws ArenaError `ERR_ARENA_HELD` (nothing changed) while a hold is out.
   */
  destroy(): void {
    if (this.#holds !== 0) throw heldError('destroy', this.#holds);
    const memory = this.#memory;
    if (memory === null) return;
    this.#dead = true;
    this.#memory = null;
    this.#limit = -1; // below every end: even an empty request asks the library, which refuses
    const kept = moveOut(memory);
    this.#dropFallbacks();
    this.#native.destroy();
    if (kept !== null) bury(kept);
    else binding.countMovedOut(); // moved out or pinned by its user, who keeps it
  }

  /** `using arena = new Arena()` destroys it at the end of the block. */
  [DISPOSE](): void {
    this.destroy();
  }
}
