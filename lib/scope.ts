// Arena.scope(): run a callback, then end the epoch whatever it did; an async
// callback is refused, since the epoch would end before its promise settles.
import { typeError } from './errors';
import { PromiseCtor, PromisePrototypeThen } from './primordials';

/** `T`, unless it is a promise: `scope()` refuses async callbacks at compile time too. */
export type NotThenable<T> = T extends PromiseLike<unknown> ? never : T;

function isThenable(value: unknown): boolean {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/** `fn(arena)`, then `reset()`, also when `fn` throws; TypeError when `fn` returned a promise. */
export function runScoped<A, T>(arena: A, fn: (arena: A) => NotThenable<T>, reset: () => void): T {
  if (typeof fn !== 'function') throw typeError('scope() needs a function');
  let result: T;
  try {
    result = fn(arena);
  } finally {
    reset();
  }
  if (isThenable(result)) {
    if (result instanceof PromiseCtor) {
      try {
        PromisePrototypeThen(result, undefined, () => {});
      } catch {
        // A promise whose species constructor throws: its rejection is its owner's to handle.
      }
    }
    throw typeError(
      'scope() callback returned a promise: an arena is not safe across await; use ArenaPool.run() instead',
      'ERR_ARENA_ASYNC_SCOPE',
    );
  }
  return result;
}
