// Holds: keeping an arena's current epoch alive while native code (I/O, a
// worker pool thread) may still read or write its memory.
import { finished } from 'node:stream';
import { type ArenaError, arenaError, typeError } from './errors';

import { bareList, PromiseResolve } from './primordials';

// Captured at load, with the built-ins in primordials.ts: a hold must be
// released whatever user code later does to them.
const streamFinished = finished;

/**
 * The key `using` calls: `Symbol.dispose`, or on runtimes that lack it the
 * symbol Node registers for it, so that Arena, ArenaHold and ArenaPool all
 * dispose under the same key.
 */
export const DISPOSE: typeof Symbol.dispose = Symbol.dispose ?? (Symbol.for('nodejs.dispose') as typeof Symbol.dispose);

/**
 * A hold on an arena: while any hold is out, the arena's `reset()` and
 * `destroy()` throw `ArenaError` with code `ERR_ARENA_HELD` and change
 * nothing, and an `ArenaPool` recycles the arena only once every hold on it
 * is released. Release it when the I/O that uses the arena's memory is done.
 * `using hold = arena.hold()` releases it at the end of the block.
 */
export class ArenaHold {
  #release: (() => void) | null;

  /** @internal Made by {@link Arena.hold}. */
  constructor(release: () => void) {
    this.#release = release;
  }

  /** True once release() ran. */
  get released(): boolean {
    return this.#release === null;
  }

  /** Lets the arena go (once; later calls do nothing). */
  release(): void {
    const release = this.#release;
    if (release === null) return;
    this.#release = null;
    release();
  }

  [DISPOSE](): void {
    this.release();
  }
}

/** An arena's holds: how many are out, and what runs once the last is released. */
export class Holds {
  #count = 0;
  // Made on first use: most arenas never wait for a hold.
  #whenNone: Array<() => void> | null = null;

  /** Holds out now. */
  get count(): number {
    return this.#count;
  }

  /** One more hold, released by the ArenaHold returned. */
  take(): ArenaHold {
    this.#count += 1;
    return new ArenaHold(() => this.#release());
  }

  /** Runs `fn` once no hold is out (now, if none is). */
  whenNone(fn: () => void): void {
    if (this.#count === 0) {
      fn();
      return;
    }
    if (this.#whenNone === null) this.#whenNone = bareList();
    this.#whenNone[this.#whenNone.length] = fn;
  }

  #release(): void {
    this.#count -= 1;
    if (this.#count !== 0) return;
    const waiting = this.#whenNone;
    if (waiting === null) return;
    this.#whenNone = null;
    for (let i = 0; i < waiting.length; i++) waiting[i]();
  }
}

/** The error of a reset() or destroy() while holds are out. */
export function heldError(action: string, holds: number): ArenaError {
  return arenaError(
    `cannot ${action} the arena while ${holds} hold${holds === 1 ? ' is' : 's are'} out: ` +
      'native code may still use its memory; release the holds (arena.hold()) when that I/O is done',
    'ERR_ARENA_HELD',
  );
}

/**
 * Takes a hold released once `work` settles, whichever way; TypeError (and no
 * hold) unless `work` is a thenable. Everything that can throw (a `then` or
 * `constructor` getter, a species constructor) runs before the hold is taken,
 * so a call that throws leaves no hold behind.
 */
export function holdUntilSettled(take: () => ArenaHold, work: PromiseLike<unknown>): ArenaHold {
  const then = work !== null && (typeof work === 'object' || typeof work === 'function') ? work.then : undefined;
  if (typeof then !== 'function') throw typeError('holdUntil() needs a promise (or another thenable)');
  let hold: ArenaHold | null = null;
  let settled = false;
  const release = (): void => {
    settled = true;
    if (hold !== null) hold.release();
  };
  const promise = PromiseResolve(work);
  void settleThen(promise, release);
  hold = take();
  if (settled) hold.release();
  return hold;
}

/**
 * Runs `release` once `promise` settles. `await`, not `then()`: on a promise
 * whose constructor is Promise it consults neither Promise.prototype.then
 * nor Promise[Symbol.species], either of which user code may have replaced.
 */
async function settleThen(promise: Promise<unknown>, release: () => void): Promise<void> {
  try {
    await promise;
  } catch {
    // Settled either way: the work's failure is its owner's to handle.
  }
  release();
}

/** A stream or anything `stream.finished()` accepts. */
export type FinishableStream = NodeJS.ReadableStream | NodeJS.WritableStream | ReadableStream | WritableStream;

/**
 * Takes a hold released once `stream` has finished, failed or been destroyed.
 * `stream.finished()` checks the stream first, so a bad one takes no hold.
 */
export function holdUntilFinished(take: () => ArenaHold, stream: FinishableStream): ArenaHold {
  let hold: ArenaHold | null = null;
  let done = false;
  // Throws ERR_INVALID_ARG_TYPE for a non-stream, before any hold is taken.
  streamFinished(stream as NodeJS.ReadableStream, () => {
    done = true;
    hold?.release();
  });
  hold = take();
  if (done) hold.release();
  return hold;
}
