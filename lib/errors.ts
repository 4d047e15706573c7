// Every error class and every error code of the package. The code table below
// is the one list: native/errors.h names it, and test/unit/errors.test.ts checks it
// against the codes the shim and the facade actually throw.
import { ObjectDefineProperty } from './primordials';

/**
 * Fields an {@link ArenaError} may carry besides its message. The native
 * addon fills them in when it throws; user code rarely builds one.
 */
export interface ArenaErrorDetails {
  code?: string;
  [key: string]: unknown;
}

/**
 * Base class of every error the package defines. `code` is stable, the
 * message is not: compare codes. Each subclass narrows `code` to its own
 * literal, so a misspelt code in a comparison fails to compile.
 *
 * @example
 * ```ts
 * try {
 *   arena.alloc(1 << 30);
 * } catch (err) {
 *   if (err instanceof ArenaError) console.error(err.code);
 *   else throw err;
 * }
 * ```
 */
export class ArenaError extends Error {
  /** A stable machine-readable code such as `ERR_ARENA_OVERFLOW`. */
  readonly code: string;

  /**
   * @param message - What went wrong, for people.
   * @param details - `code` (default `ERR_ARENA`) and any other fields.
   */
  constructor(message: string, details: ArenaErrorDetails = {}) {
    super(message);
    this.name = new.target.name;
    this.code = typeof details.code === 'string' ? details.code : 'ERR_ARENA';
  }
}

/**
 * A request did not fit in the arena and its overflow strategy is `error_return`.
 *
 * @example
 * ```ts
 * const arena = new Arena({ size: 65536, overflowStrategy: 'error_return' });
 * try {
 *   arena.alloc(1 << 20);
 * } catch (err) {
 *   if (!(err instanceof ArenaOverflowError)) throw err;
 *   console.log(`wanted ${err.requested} bytes, ${err.remaining} left`);
 * }
 * ```
 */
export class ArenaOverflowError extends ArenaError {
  // `declare`: a redeclared field would otherwise be re-initialised to
  // undefined after super() under ES2022 class-field semantics.
  declare readonly code: 'ERR_ARENA_OVERFLOW';
  /** Bytes asked for. */
  readonly requested: number;
  /** Alignment asked for. */
  readonly alignment: number;
  /** Bytes that were left in the arena (before alignment padding). */
  readonly remaining: number;

  /**
   * @param message - What went wrong, for people.
   * @param details - `requested`, `alignment` and `remaining`, in bytes.
   */
  constructor(message: string, details: ArenaErrorDetails = {}) {
    super(message, { code: 'ERR_ARENA_OVERFLOW' });
    this.requested = Number(details.requested ?? 0);
    this.alignment = Number(details.alignment ?? 0);
    this.remaining = Number(details.remaining ?? 0);
  }
}

/**
 * The arena was destroyed (or the thread arena deinitialised); its memory is gone.
 *
 * @example
 * ```ts
 * arena.destroy();
 * try {
 *   arena.alloc(16);
 * } catch (err) {
 *   if (err instanceof ArenaDestroyedError) console.log(err.code); // 'ERR_ARENA_DESTROYED'
 * }
 * ```
 */
export class ArenaDestroyedError extends ArenaError {
  declare readonly code: 'ERR_ARENA_DESTROYED';

  /**
   * @param message - What went wrong, for people.
   * @param _details - Accepted for the native side's uniform call; unused.
   */
  constructor(message = 'the arena was destroyed; its memory is gone', _details: ArenaErrorDetails = {}) {
    super(message, { code: 'ERR_ARENA_DESTROYED' });
  }
}

/**
 * Memory for the arena could not be reserved.
 *
 * @example
 * ```ts
 * try {
 *   new Arena({ size: 1 << 30 });
 * } catch (err) {
 *   if (err instanceof ArenaInitError) console.log('no address space left for the arena');
 * }
 * ```
 */
export class ArenaInitError extends ArenaError {
  declare readonly code: 'ERR_ARENA_INIT';

  /**
   * @param message - What went wrong, for people.
   * @param _details - Accepted for the native side's uniform call; unused.
   */
  constructor(message = 'could not reserve memory for the arena', _details: ArenaErrorDetails = {}) {
    super(message, { code: 'ERR_ARENA_INIT' });
  }
}

/**
 * Base class of the pool's errors; `code` says which one.
 *
 * @example
 * ```ts
 * try {
 *   await pool.run(handle);
 * } catch (err) {
 *   if (err instanceof ArenaPoolError && err.code === 'ERR_ARENA_POOL_TIMEOUT') retryLater();
 *   else throw err;
 * }
 * ```
 */
export class ArenaPoolError extends ArenaError {
  declare readonly code:
    | 'ERR_ARENA_POOL_TIMEOUT'
    | 'ERR_ARENA_POOL_FULL'
    | 'ERR_ARENA_POOL_DESTROYED'
    | 'ERR_ARENA_POOL_DOUBLE_RELEASE'
    | 'ERR_ARENA_POOL_FOREIGN_ARENA'
    | 'ERR_ARENA_POOL_RUN_OWNED';

  // Written out: an implicit constructor passes its arguments on by spreading
  // them, which runs Array.prototype[Symbol.iterator], whatever user code put there.
  constructor(message: string, details: ArenaErrorDetails = {}) {
    super(message, details);
  }
}

/**
 * No arena came free within `acquireTimeoutMs` (code `ERR_ARENA_POOL_TIMEOUT`).
 *
 * @example
 * ```ts
 * const arena = await pool.acquire().catch((err) => {
 *   if (err instanceof ArenaPoolTimeoutError) return null; // shed load after err.timeoutMs
 *   throw err;
 * });
 * ```
 */
export class ArenaPoolTimeoutError extends ArenaPoolError {
  declare readonly code: 'ERR_ARENA_POOL_TIMEOUT';
  /** The timeout that expired, in ms. */
  readonly timeoutMs: number;

  constructor(timeoutMs: number, poolName: string) {
    super(`no arena of pool '${poolName}' came free within ${timeoutMs} ms`, { code: 'ERR_ARENA_POOL_TIMEOUT' });
    this.timeoutMs = timeoutMs;
  }
}

/**
 * Every arena was busy and `maxWaiting` callers were already queued (code `ERR_ARENA_POOL_FULL`).
 *
 * @example
 * ```ts
 * try {
 *   await pool.run(handle);
 * } catch (err) {
 *   if (err instanceof ArenaPoolFullError) reply(503);
 *   else throw err;
 * }
 * ```
 */
export class ArenaPoolFullError extends ArenaPoolError {
  declare readonly code: 'ERR_ARENA_POOL_FULL';
  /** The queue limit that was hit. */
  readonly maxWaiting: number;

  constructor(maxWaiting: number, poolName: string) {
    super(`pool '${poolName}' is exhausted and ${maxWaiting} callers are already waiting`, {
      code: 'ERR_ARENA_POOL_FULL',
    });
    this.maxWaiting = maxWaiting;
  }
}

/**
 * The pool was destroyed (code `ERR_ARENA_POOL_DESTROYED`).
 *
 * @example
 * ```ts
 * pool.destroy();
 * await pool.acquire().catch((err) => console.log(err instanceof ArenaPoolDestroyedError)); // true
 * ```
 */
export class ArenaPoolDestroyedError extends ArenaPoolError {
  declare readonly code: 'ERR_ARENA_POOL_DESTROYED';
  constructor(poolName: string) {
    super(`pool '${poolName}' was destroyed`, { code: 'ERR_ARENA_POOL_DESTROYED' });
  }
}

/**
 * `release()` refused an arena, leaving the pool unchanged. Codes:
 * `ERR_ARENA_POOL_DOUBLE_RELEASE` (already released), `ERR_ARENA_POOL_FOREIGN_ARENA`
 * (not from this pool), `ERR_ARENA_POOL_RUN_OWNED` (run() releases it itself).
 *
 * @example
 * ```ts
 * pool.release(arena);
 * try {
 *   pool.release(arena);
 * } catch (err) {
 *   if (err instanceof ArenaPoolReleaseError) console.log(err.code); // 'ERR_ARENA_POOL_DOUBLE_RELEASE'
 * }
 * ```
 */
export class ArenaPoolReleaseError extends ArenaPoolError {
  declare readonly code: 'ERR_ARENA_POOL_DOUBLE_RELEASE' | 'ERR_ARENA_POOL_FOREIGN_ARENA' | 'ERR_ARENA_POOL_RUN_OWNED';
  constructor(
    message: string,
    code: 'ERR_ARENA_POOL_DOUBLE_RELEASE' | 'ERR_ARENA_POOL_FOREIGN_ARENA' | 'ERR_ARENA_POOL_RUN_OWNED',
  ) {
    super(message, { code });
  }
}

/** Which class (or built-in error, or warning) carries a code. */
type CodeKind =
  | 'ArenaError'
  | 'ArenaOverflowError'
  | 'ArenaDestroyedError'
  | 'ArenaInitError'
  | 'ArenaPoolTimeoutError'
  | 'ArenaPoolFullError'
  | 'ArenaPoolDestroyedError'
  | 'ArenaPoolReleaseError'
  | 'TypeError'
  | 'RangeError'
  | 'Error'
  | 'EngramArenaWarning';

/** One row of {@link CODES}. `native`: the shim (native/) throws it too. */
interface CodeRow {
  kind: CodeKind;
  native: boolean;
  meaning: string;
}

/**
 * Every code the package throws or warns with. Codes are the stable part of
 * an error (messages are not), so this is where a new one is added first.
 * @internal
 */
export const CODES = {
  ERR_ARENA: { kind: 'ArenaError', native: false, meaning: 'an ArenaError made without a code' },
  ERR_ARENA_OVERFLOW: {
    kind: 'ArenaOverflowError',
    native: true,
    meaning: 'a request did not fit and the strategy is error_return',
  },
  ERR_ARENA_DESTROYED: {
    kind: 'ArenaDestroyedError',
    native: true,
    meaning: 'the arena was destroyed (or the thread arena deinitialised)',
  },
  ERR_ARENA_INIT: {
    kind: 'ArenaInitError',
    native: true,
    meaning: 'memory for an arena or a fallback could not be reserved',
  },
  ERR_ARENA_INTERNAL: {
    kind: 'ArenaError',
    native: true,
    meaning: 'a bug: the library returned a status the shim does not know, or the binary and dist/ disagree',
  },
  ERR_ARENA_HELD: { kind: 'ArenaError', native: false, meaning: 'reset() or destroy() while a hold is out' },
  ERR_ARENA_PROM_CLIENT_MISSING: {
    kind: 'ArenaError',
    native: false,
    meaning: 'registerMetrics() could not load prom-client',
  },
  ERR_ARENA_POOL_TIMEOUT: {
    kind: 'ArenaPoolTimeoutError',
    native: false,
    meaning: 'no arena came free within acquireTimeoutMs',
  },
  ERR_ARENA_POOL_FULL: { kind: 'ArenaPoolFullError', native: false, meaning: 'maxWaiting callers were already queued' },
  ERR_ARENA_POOL_DESTROYED: { kind: 'ArenaPoolDestroyedError', native: false, meaning: 'the pool was destroyed' },
  ERR_ARENA_POOL_DOUBLE_RELEASE: {
    kind: 'ArenaPoolReleaseError',
    native: false,
    meaning: 'release() of an arena already released',
  },
  ERR_ARENA_POOL_FOREIGN_ARENA: {
    kind: 'ArenaPoolReleaseError',
    native: false,
    meaning: 'release() of an arena from elsewhere',
  },
  ERR_ARENA_POOL_RUN_OWNED: {
    kind: 'ArenaPoolReleaseError',
    native: false,
    meaning: 'release() of an arena that run() releases itself',
  },
  ERR_ARENA_INVALID_SIZE: { kind: 'RangeError', native: true, meaning: 'a size, length or count outside its limits' },
  ERR_ARENA_INVALID_ALIGNMENT: {
    kind: 'RangeError',
    native: true,
    meaning: 'an alignment that is not a power of two from 1 to 4096',
  },
  ERR_INVALID_ARG_TYPE: {
    kind: 'TypeError',
    native: true,
    meaning: 'an argument or option of the wrong type (as Node names it)',
  },
  ERR_INVALID_ARG_VALUE: {
    kind: 'RangeError',
    native: true,
    meaning: 'an argument or option of the right type but a bad value',
  },
  ERR_ARENA_ASYNC_SCOPE: { kind: 'TypeError', native: false, meaning: 'a scope() callback returned a promise' },
  ERR_ARENA_BINARY_NOT_FOUND: { kind: 'Error', native: false, meaning: 'no native binary loads on this platform' },
  ENGRAM_ARENA_ENV: {
    kind: 'EngramArenaWarning',
    native: false,
    meaning: 'an ENGRAM_ARENA_* variable is invalid; its default stays',
  },
  ENGRAM_ARENA_NO_CONTEXT: {
    kind: 'EngramArenaWarning',
    native: false,
    meaning: 'currentArena() called while no pool has context: true',
  },
} as const satisfies Record<string, CodeRow>;

/** A code of {@link CODES}: a throw site naming another fails to compile. @internal */
export type Code = keyof typeof CODES;

/**
 * A TypeError with a `code`, as Node's own argument errors have.
 * @internal
 */
export function typeError(message: string, code: Code = 'ERR_INVALID_ARG_TYPE'): TypeError {
  return withCode(new TypeError(message), code);
}

/** A RangeError with a `code`, like Node's own. @internal */
export function rangeError(message: string, code: Code = 'ERR_INVALID_ARG_VALUE'): RangeError {
  return withCode(new RangeError(message), code);
}

/** `error` with an own `code`, as Object.assign would add it but through no setter user code defined. */
function withCode<E extends Error>(error: E, code: Code): E & { code: Code } {
  ObjectDefineProperty(error, 'code', { value: code, writable: true, enumerable: true, configurable: true });
  return error as E & { code: Code };
}

/** Emits the package's warning (type `EngramArenaWarning`) with a code of the table. @internal */
export function warn(message: string, code: Code): void {
  process.emitWarning(message, { type: 'EngramArenaWarning', code });
}

/** An ArenaError with a code of the table. @internal */
export function arenaError(message: string, code: Code): ArenaError {
  return new ArenaError(message, { code });
}
