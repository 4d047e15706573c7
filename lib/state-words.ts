// The counters an arena shares with the library through one engine-owned
// buffer (engram_arena_state_t), which the JavaScript bump updates in place
// (see Arena#reserve). Their word indices are generated (lib/abi.ts); this
// checks, once, that the binary was built from the same header.
import { endianness } from 'node:os';
import { ABI_HASH } from './abi';
import { binding } from './binding';
import { arenaError } from './errors';

checkAbi(ABI_HASH, binding.abiHash);

/**
 * Throws unless the binary's ENGRAM_ABI_HASH is the facade's: a binary built
 * from another header would otherwise bump the wrong counters.
 * @internal
 */
export function checkAbi(facade: number, binary: unknown): void {
  if (binary !== facade) {
    throw arenaError(
      `the native binary was built from another zig/src/abi.zig than this dist/ ` +
        `(ENGRAM_ABI_HASH ${String(binary)}, expected ${facade}): rebuild it or reinstall the package`,
      'ERR_ARENA_INTERNAL',
    );
  }
}

// The facade bumps the shared counters itself only where its Uint32 words are
// the low and high halves of the header's u64 fields. Offsets stay below 2^30
// (sizes are at most 1 GiB), so their high words are always zero; the two
// counters carry into theirs.
export const BUMPS_IN_JS = endianness() === 'LE';

/** A u64 counter from its two Uint32 words. */
export const TWO_32 = 2 ** 32;
