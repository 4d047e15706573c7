// The layout of engram_arena_state_t as the facade reads it: the counters an
// arena shares with the library through one engine-owned buffer, which the
// JavaScript bump updates in place (see Arena#reserve).
import { endianness } from 'node:os';
import { binding } from './binding';
import { arenaError } from './errors';
import { ObjectKeys } from './primordials';

// Uint32 indices of the low words of engram_arena_state_t's u64 fields, as
// literals for the hot path, checked once below against where the binary says
// they are (ENGRAM_STATE_FIELDS in zig/include/engram_arena.h). Offsets stay
// below 2^30 (capacity <= 1 GiB), so their high words are always zero; the
// two counters carry into theirs.
export const OFFSET = 0;
export const CAPACITY = 2;
export const HIGH_WATER_MARK = 4;
export const OVERFLOW_COUNT = 6;
export const ALLOCATIONS = 8;
export const BYTES_ALLOCATED = 10;
export const FALLBACK_COUNT = 12;
checkStateWords(
  {
    offset: OFFSET,
    capacity: CAPACITY,
    highWaterMark: HIGH_WATER_MARK,
    overflowCount: OVERFLOW_COUNT,
    allocations: ALLOCATIONS,
    bytesAllocated: BYTES_ALLOCATED,
    fallbacks: FALLBACK_COUNT,
  },
  binding.stateWords,
);

/**
 * Throws if a word index the facade reads differs from the binary's layout: a
 * binary built from another header would otherwise bump the wrong counter.
 * @internal
 */
export function checkStateWords(
  used: Record<string, number>,
  binary: Readonly<Record<string, number>> | undefined,
): void {
  const names = ObjectKeys(used);
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    if (binary?.[name] !== used[name]) {
      throw arenaError(
        `the native binary puts engram_arena_state_t.${name} at word ${String(binary?.[name])}, ` +
          `not ${used[name]}: it was built from another engram_arena.h than this dist/`,
        'ERR_ARENA_INTERNAL',
      );
    }
  }
}

// The facade bumps the shared counters itself only where its Uint32 words are
// the low and high halves of the header's u64 fields.
export const BUMPS_IN_JS = endianness() === 'LE';

/** A u64 counter from its two Uint32 words. */
export const TWO_32 = 2 ** 32;
