// Each line marked `// error TSxxxx` must fail with that code, and nothing
// else in this folder may fail: a misspelt or foreign code is caught.
import { ArenaOverflowError, ArenaPoolError, ArenaPoolReleaseError, ArenaPoolTimeoutError } from 'engram-arena';

export function check(err: unknown): boolean {
  if (err instanceof ArenaOverflowError) {
    if (err.code === 'ERR_ARENA_TYPO') return true; // error TS2367
    if (err.code === 'ERR_ARENA_DESTROYED') return true; // error TS2367
  }
  if (err instanceof ArenaPoolReleaseError && err.code === 'ERR_ARENA_POOL_TIMEOUT') return true; // error TS2367
  if (err instanceof ArenaPoolTimeoutError && err.code === 'ERR_ARENA_POOL_FULL') return true; // error TS2367
  if (err instanceof ArenaPoolError && err.code === 'ERR_ARENA_OVERFLOW') return true; // error TS2367
  return false;
}

export function rename(err: ArenaOverflowError): void {
  err.code = 'ERR_ARENA_OVERFLOW'; // error TS2540
}
