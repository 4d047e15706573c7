// The Arena class: JavaScript ergonomics over the native arena handle. The
// arena's memory is an ArrayBuffer the engine owns (lib/memory.ts); the Zig
// arena keeps the counters and zeroes, and never owns that memory.

import {
  STATE_WORD_ALLOCATIONS as ALLOCATIONS,
  type ArenaOptions,
  type ArenaStats,
  STATE_WORD_BYTES_ALLOCATED as BYTES_ALLOCATED,
  STATE_WORD_FALLBACKS as FALLBACKS,
  STATE_WORD_HIGH_WATER_MARK as HIGH_WATER_MARK,
  LIMITS,
  STATE_WORD_OFFSET as OFFSET,
  STATE_WORD_OVERFLOWS as OVERFLOWS,
} from './abi';
import { binding, type NativeArena } from './binding';
import { getConfig } from './config';
import { ArenaDestroyedError, arenaError, rangeError, typeError } from './errors';
import { Fallbacks } from './fallbacks';
import {
  type ArenaHold,
  DISPOSE,
  type FinishableStream,
  Holds,
  heldError,
  holdUntilFinished,
  holdUntilSettled,
} from './hold';
import { BufferView, bury, byteLengthOf, moveOut, reserveMemory, wordsOver } from './memory';
import { toNative } from './options';
import { NumberIsInteger, ObjectDefineProperty, ObjectFreeze } from './primordials';
import { type NotThenable, runScoped } from './scope';
import { BUMPS_IN_JS, TWO_32 } from './state-words';
import { isTypedArrayConstructor, type TypedArrayConstructor } from './typed-arrays';
import { arenaSettings, optionsObject } from './validate';

export type { ArenaOptions, NotThenable, TypedArrayConstructor };

const MAX_ALIGNMENT = LIMITS.maxAlignment;
/** Bytes an arena's memory block has beyond its size, so that byte 0 can sit on a page. */
const SLACK_BYTES = LIMITS.hostedSlackBytes;

/** Passed instead of options by handOver() alone: module-private, so no user can. */
const HANDOVER: unique symbol = Symbol('hand over');
/** The handle handOver() is taking the arena from, for the constructor it calls. */
let handingOver: Arena | null = null;
/** Set by Arena's static block: the one place that can see its private fields from outside. */
let isArenaBrand: (value: unknown) => boolean;

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
  readonly #size: number;
  readonly #options: Readonly<Required<ArenaOptions>>;
  /** The live counters (engram_arena_state_t), engine-owned, kept by the shim; never handed out. */
  readonly #state: Uint32Array;
  /** This epoch's memory (engine-owned), null once destroyed. */
  #memory: ArrayBuffer | null;
  /** Where arena byte 0 sits in #memory: the first page boundary. */
  #base: number;
  /**
   * Bytes below which the JavaScript bump may hand memory out: the size,
   * or -1 (not even an empty view, whose `buffer` would show the block) after
   * a zeroing reset until the library's next allocation, which zeroes what
   * the reset left (engram_arena_reset: a write through a pointer taken
   * before the reset must not reach a fresh allocation), and once destroyed.
   */
  #limit = -1;
  /** This epoch's fallback buffers, detached at reset. */
  #fallbacks = new Fallbacks();
  #dead = false;
  /** Holds out (see hold()), and what to run when the last one is released. */
  readonly #holds = new Holds();

  /**
   * @throws TypeError / RangeError for bad options; ArenaInitError when memory cannot be reserved.
   */
  constructor(options?: ArenaOptions) {
    if ((options as unknown) === HANDOVER && handingOver !== null) {
      const from = handingOver;
      handingOver = null;
      this.#native = from.#native;
      this.#nativeReset = from.#nativeReset;
      this.#size = from.#size;
      this.#options = from.#options;
      this.#state = from.#state;
      this.#memory = from.#memory;
      this.#base = from.#base;
      this.#limit = from.#limit;
      this.#fallbacks = from.#fallbacks;
      from.#memory = null;
      from.#limit = -1;
      from.#fallbacks = new Fallbacks();
      from.#dead = true;
      return;
    }
    const settings = arenaSettings(optionsObject<ArenaOptions>(options, 'options'), getConfig());
    this.#native = new binding.NativeArena(toNative(settings));
    this.#size = settings.size;
    this.#options = ObjectFreeze(settings);
    this.#nativeReset = this.#native.resetFunction();
    this.#state = wordsOver(this.#native.state());
    try {
      this.#memory = reserveMemory(settings.size + SLACK_BYTES);
      this.#base = this.#native.bind(this.#memory, true);
      this.#limit = settings.size;
    } catch (err) {
      this.#native.destroy();
      throw err;
    }
  }

  /**
   * Reserves `size` bytes and returns their offset in the arena, or -1 for a
   * fallback (then in `#fallbacks`). The common case bumps here, with exactly
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
    this.#limit = this.#size; // the library zeroed what a reset left
    if (where < 0) this.#fallbacks.serve(size, alignment);
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
    this.#limit = this.#size; // fresh memory has nothing left to zero
    return fresh;
  }

  /** A fresh block in place of one its user moved out or pinned, which is counted. */
  #blockForMovedOut(): ArrayBuffer {
    const fresh = reserveMemory(this.#size + SLACK_BYTES);
    binding.countMovedOut();
    return fresh;
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
    if (start < 0) return new BufferView(this.#fallbacks.take(), this.#fallbacks.start, size);
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
    if (!NumberIsInteger(length)) {
      throw rangeError(`length must be a non-negative integer, got ${length}`, 'ERR_ARENA_INVALID_SIZE');
    }
    const elementSize = type.BYTES_PER_ELEMENT;
    let align: unknown = alignment === undefined ? elementSize : alignment;
    // A smaller valid alignment is raised to the element size; an invalid one goes on to be refused.
    if (
      typeof align === 'number' &&
      NumberIsInteger(align) &&
      align > 0 &&
      align < elementSize &&
      (align & (align - 1)) === 0
    )
      align = elementSize;
    const start = this.#reserve(length * elementSize, align as number);
    if (start < 0) return new type(this.#fallbacks.take(), this.#fallbacks.start, length) as InstanceType<C>;
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
    return this.#holds.take();
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
    return this.#holds.count !== 0;
  }

  /**
   * @internal For ArenaPool, when an arena comes back: a new handle on the
   * same memory and counters, and this one reads as destroyed from now on
   * (its destroy() does nothing). A caller that kept the handle it released
   * can then neither use nor release again an arena lent to someone else.
   * Only for a live arena with no hold out.
   */
  handOver(): Arena {
    if (this.#holds.count !== 0 || this.#memory === null) {
      throw arenaError('handOver() of a held or destroyed arena', 'ERR_ARENA_INTERNAL');
    }
    handingOver = this;
    return new Arena(HANDOVER as never);
  }

  /** @internal Runs `fn` once no hold is out (now, if none is). */
  whenUnheld(fn: () => void): void {
    this.#holds.whenNone(fn);
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
    if (this.#holds.count !== 0) throw heldError('reset', this.#holds.count);
    const memory = this.#memory;
    if (memory === null) throw new ArenaDestroyedError();
    let next = moveOut(memory);
    const fresh = next === null;
    if (next === null) next = this.#blockForMovedOut();
    this.#fallbacks.drop();
    this.#memory = next;
    this.#limit = -1;
    this.#base = this.#nativeReset(next, fresh);
    // A zeroing reset leaves the zeroing to the library's next allocation,
    // fresh memory or not: until then the JavaScript bump hands nothing out.
    if (!this.#options.zeroOnReset) this.#limit = this.#size;
  }

  /**
   * Runs `fn(arena)` and resets the arena afterwards, also when `fn` throws.
   * @throws TypeError (`ERR_ARENA_ASYNC_SCOPE`) when `fn` returns a promise: the
   * arena is reset before the promise settles, so async work must use a pool.
   */
  scope<T>(fn: (arena: this) => NotThenable<T>): T {
    return runScoped(this, fn, () => {
      if (!this.#dead) this.#resetNow();
    });
  }

  /** Bytes left before the arena overflows (alignment padding not yet counted). */
  remaining(): number {
    const stats = this.stats();
    return stats.currentUsage >= stats.size ? 0 : stats.size - stats.currentUsage;
  }

  /** Used fraction of the size, from 0 to 1. */
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
      counts.overflows += stats.overflows;
      counts.fallbacks += stats.fallbacks;
      if (stats.highWaterMark > counts.highWaterMark) counts.highWaterMark = stats.highWaterMark;
      return;
    }
    counts.overflows += state[OVERFLOWS] + state[OVERFLOWS + 1] * TWO_32;
    counts.fallbacks += state[FALLBACKS] + state[FALLBACKS + 1] * TWO_32;
    // The word holds the mark as of the offset's last fall; the offset may be above it.
    const mark = state[HIGH_WATER_MARK];
    // biome-ignore lint/complexity/useMathMinMax: Math.max is user-patchable; a comparison is not.
    const highWaterMark = state[OFFSET] > mark ? state[OFFSET] : mark;
    if (highWaterMark > counts.highWaterMark) counts.highWaterMark = highWaterMark;
  }

  /** Counters of this arena. */
  stats(): ArenaStats {
    if (this.#dead) throw new ArenaDestroyedError();
    return this.#native.stats();
  }

  /** Bytes the arena hands out (0 once destroyed). */
  get size(): number {
    return this.#dead ? 0 : this.#size;
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
    if (this.#holds.count !== 0) throw heldError('destroy', this.#holds.count);
    const memory = this.#memory;
    if (memory === null) return;
    this.#dead = true;
    this.#memory = null;
    this.#limit = -1; // below every end: even an empty request asks the library, which refuses
    const kept = moveOut(memory);
    this.#fallbacks.drop();
    this.#native.destroy();
    if (kept !== null) bury(kept);
    else binding.countMovedOut(); // moved out or pinned by its user, who keeps it
  }

  /** `using arena = new Arena()` destroys it at the end of the block. */
  [DISPOSE](): void {
    this.destroy();
  }

  static {
    isArenaBrand = (value) => value !== null && typeof value === 'object' && #native in value;
  }
}

/**
 * @internal Whether `value` was made by this class: a private-field check,
 * which neither `Symbol.hasInstance` nor a changed prototype chain can fool.
 */
export function isArena(value: unknown): value is Arena {
  return isArenaBrand(value);
}

// An arena is never a thenable, whatever is put on Object.prototype: a pool
// resolving a promise with one must hand over the arena, not call a `then`.
ObjectDefineProperty(Arena.prototype, 'then', { value: undefined });
