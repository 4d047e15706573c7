// Narrowing by class gives the literal code; comparing it with the right
// literal compiles, and a switch over a union covers every case.
import {
  type ArenaDestroyedError,
  ArenaError,
  type ArenaInitError,
  ArenaOverflowError,
  type ArenaPoolDestroyedError,
  ArenaPoolError,
  type ArenaPoolFullError,
  ArenaPoolReleaseError,
  type ArenaPoolTimeoutError,
} from 'engram-arena';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<T extends true>(): T | undefined {
  return undefined;
}

assertType<Equal<ArenaOverflowError['code'], 'ERR_ARENA_OVERFLOW'>>();
assertType<Equal<ArenaDestroyedError['code'], 'ERR_ARENA_DESTROYED'>>();
assertType<Equal<ArenaInitError['code'], 'ERR_ARENA_INIT'>>();
assertType<Equal<ArenaPoolTimeoutError['code'], 'ERR_ARENA_POOL_TIMEOUT'>>();
assertType<Equal<ArenaPoolFullError['code'], 'ERR_ARENA_POOL_FULL'>>();
assertType<Equal<ArenaPoolDestroyedError['code'], 'ERR_ARENA_POOL_DESTROYED'>>();
assertType<
  Equal<
    ArenaPoolReleaseError['code'],
    'ERR_ARENA_POOL_DOUBLE_RELEASE' | 'ERR_ARENA_POOL_FOREIGN_ARENA' | 'ERR_ARENA_POOL_RUN_OWNED'
  >
>();
// The base class stays open: the native side and future versions may add codes.
assertType<Equal<ArenaError['code'], string>>();

export function describe(err: unknown): string {
  if (err instanceof ArenaOverflowError && err.code === 'ERR_ARENA_OVERFLOW') return `needs ${err.requested} bytes`;
  if (err instanceof ArenaPoolReleaseError) {
    switch (err.code) {
      case 'ERR_ARENA_POOL_DOUBLE_RELEASE':
        return 'released twice';
      case 'ERR_ARENA_POOL_FOREIGN_ARENA':
        return 'not ours';
      case 'ERR_ARENA_POOL_RUN_OWNED':
        return 'run() owns it';
      default: {
        const unhandled: never = err.code;
        return unhandled;
      }
    }
  }
  if (err instanceof ArenaPoolError && err.code === 'ERR_ARENA_POOL_FULL') return 'busy';
  if (err instanceof ArenaError) return err.code;
  return String(err);
}
