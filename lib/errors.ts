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
 * A TypeError with a `code`, as Node's own argument errors have.
 * @internal
 */
export function typeError(message: string, code = 'ERR_INVALID_ARG_TYPE'): TypeError {
  return Object.assign(new TypeError(message), { code });
}
