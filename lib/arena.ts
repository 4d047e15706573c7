// The Arena class: JavaScript ergonomics over the native arena handle.
import { markAsUntransferable } from 'node:worker_threads';
import { binding, type NativeArena } from './binding';
import { typeError } from './errors';
import { getConfig, optionsObject } from './config';
import type { ArenaStats, OverflowStrategy } from './types';

/** Options of `new Arena()`; omitted fields come from {@link getConfig}. */
export interface ArenaOptions {
  /** Capacity in bytes, 1 byte to 1 GiB; defaults to the configured `poolSize`. */
  size?: number;
  overflowStrategy?: OverflowStrategy;
  zeroOnReset?: boolean;
}

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

const DISPOSE: typeof Symbol.dispose = Symbol.dispose ?? (Symbol.for('nodejs.dispose') as typeof Symbol.dispose);

let adopting: NativeArena | null = null;

function isThenable(value: unknown): boolean {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

function untransferable(buffer: ArrayBuffer): ArrayBuffer {
  markAsUntransferable(buffer);
  return buffer;
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
  #buffer: ArrayBuffer | null = null;

  /**
   * @throws TypeError / RangeError for bad options; ArenaInitError when memory cannot be
   * reserved; ArenaError `ERR_ARENA_EXTERNAL_BUFFERS` where the runtime forbids external buffers.
   */
  constructor(options?: ArenaOptions) {
    if (adopting !== null) {
      this.#native = adopting;
      return;
    }
    const opts = optionsObject<ArenaOptions>(options, 'options');
    const config = getConfig();
    this.#native = new binding.NativeArena(
      opts.size ?? config.poolSize,
      opts.overflowStrategy ?? config.overflowStrategy,
      opts.zeroOnReset ?? config.zeroOnReset,
    );
    this.#buffer = untransferable(this.#native.epoch());
  }

  /** @internal Wraps an existing native handle (the thread arena). */
  static adopt(native: NativeArena): Arena {
    adopting = native;
    try {
      return new Arena();
    } finally {
      adopting = null;
    }
  }

  /** The view's backing memory for this epoch (one ArrayBuffer per reset). */
  #epoch(): ArrayBuffer {
    let buffer = this.#buffer;
    if (buffer === null || buffer.byteLength === 0) {
      buffer = untransferable(this.#native.epoch());
      this.#buffer = buffer;
    }
    return buffer;
  }

  #place(size: number, alignment: number): [ArrayBuffer, number] {
    const where = this.#native.alloc(size, alignment);
    if (typeof where === 'number') return [this.#epoch(), where];
    return [untransferable(where), 0];
  }

  /**
   * `size` bytes aligned to `alignment` (a power of two up to 4096), as a Buffer
   * valid until the next reset. Zeroed if the arena zeroes on reset and this
   * memory was used before; fresh memory is always zero.
   * @throws ArenaOverflowError when it does not fit (strategy `error_return`).
   */
  alloc(size: number, alignment = 8): Buffer {
    const [buffer, offset] = this.#place(size, alignment);
    return new ArenaBuffer(buffer, offset, size) as unknown as Buffer;
  }

  /** `length` elements of a typed array, aligned to at least the element size. */
  allocArray<C extends TypedArrayConstructor>(type: C, length: number, alignment?: number): InstanceType<C> {
    if (!TYPED_ARRAYS.has(type)) throw typeError('type must be a typed array constructor such as Float64Array');
    if (typeof length !== 'number') throw typeError(`length must be a number, got ${typeof length}`);
    const elementSize = type.BYTES_PER_ELEMENT;
    let align: unknown = alignment === undefined ? elementSize : alignment;
    // A smaller valid alignment is raised to the element size; an invalid one goes on to be refused.
    if (typeof align === 'number' && align > 0 && align < elementSize && (align & (align - 1)) === 0) align = elementSize;
    const [buffer, offset] = this.#place(length * elementSize, align as number);
    return new type(buffer, offset, length) as InstanceType<C>;
  }

  /** Frees every allocation at once. Earlier Buffers become empty (detached). */
  reset(): void {
    this.#native.reset();
    this.#buffer = null;
  }

  /**
   * Runs `fn(arena)` and resets the arena afterwards, also when `fn` throws.
   * @throws TypeError (`ERR_ARENA_ASYNC_SCOPE`) when `fn` returns a promise: the
   * arena is reset before the promise settles, so async work must use a pool.
   */
  scope<T>(fn: (arena: this) => T): T {
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
    return this.#native.destroyed();
  }

  /** Detaches every Buffer and frees the memory now. Idempotent. */
  destroy(): void {
    this.#native.destroy();
    this.#buffer = null;
  }

  /** `using arena = new Arena()` destroys it at the end of the block. */
  [DISPOSE](): void {
    this.destroy();
  }
}

let current: Arena | null = null;

/**
 * The calling thread's arena (the main thread and each worker have their own),
 * made on first use from the global config and kept until deinitThreadArena().
 */
export function threadArena(): Arena {
  if (current === null || current.destroyed) current = Arena.adopt(binding.threadArena());
  return current;
}

/** Resets the calling thread's arena, detaching its Buffers. */
export function resetThreadArena(): void {
  if (current !== null && !current.destroyed) current.reset();
  else binding.resetThreadArena();
}

/** Frees the calling thread's arena; the next threadArena() makes a fresh one. */
export function deinitThreadArena(): void {
  binding.deinitThreadArena();
  current = null;
}
