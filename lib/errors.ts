/** Fields an {@link ArenaError} may carry besides its message. */
export interface ArenaErrorDetails {
  code?: string;
  [key: string]: unknown;
}

/** Base class of every error the package defines; `code` is stable, the message is not. */
export class ArenaError extends Error {
  /** A stable machine-readable code such as `ERR_ARENA_OVERFLOW`. */
  readonly code: string;

  constructor(message: string, details: ArenaErrorDetails = {}) {
    super(message);
    this.name = new.target.name;
    this.code = typeof details.code === 'string' ? details.code : 'ERR_ARENA';
  }
}

/** A request did not fit in the arena and its overflow strategy is `error_return`. */
export class ArenaOverflowError extends ArenaError {
  /** Bytes asked for. */
  readonly requested: number;
  /** Alignment asked for. */
  readonly alignment: number;
  /** Bytes that were left in the arena (before alignment padding). */
  readonly remaining: number;

  constructor(message: string, details: ArenaErrorDetails = {}) {
    super(message, { code: 'ERR_ARENA_OVERFLOW' });
    this.requested = Number(details.requested ?? 0);
    this.alignment = Number(details.alignment ?? 0);
    this.remaining = Number(details.remaining ?? 0);
  }
}

/** The arena was destroyed (or the thread arena deinitialised); its memory is gone. */
export class ArenaDestroyedError extends ArenaError {
  constructor(message = 'the arena was destroyed; its memory is gone', _details: ArenaErrorDetails = {}) {
    super(message, { code: 'ERR_ARENA_DESTROYED' });
  }
}

/** Memory for the arena could not be reserved. */
export class ArenaInitError extends ArenaError {
  constructor(message = 'could not reserve memory for the arena', _details: ArenaErrorDetails = {}) {
    super(message, { code: 'ERR_ARENA_INIT' });
  }
}

/** A TypeError with a `code`, as Node's own argument errors have. */
export function typeError(message: string, code = 'ERR_INVALID_ARG_TYPE'): TypeError {
  return Object.assign(new TypeError(message), { code });
}
