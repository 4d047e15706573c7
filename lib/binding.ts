// The compiled addon's surface as the facade sees it, loaded once.

import type { ArenaMetrics, ArenaOptions, ArenaStats } from './abi';
import { loadBinding } from './loader';

/**
 * The native class behind {@link Arena}; see native/arena_wrap.h. Every call
 * that needs the arena's memory is handed it: `memory` is the engine-owned
 * block, attached, at least size + LIMITS.hostedSlackBytes bytes.
 */
export interface NativeArena {
  /** The engine-owned engram_arena_state_t the facade bumps, the same buffer for the arena's life. */
  state(): ArrayBuffer;
  /** Points the arena at `memory` (`fresh`: all zero); returns where byte 0 sits in it. */
  bind(memory: ArrayBuffer, fresh: boolean): number;
  /** The offset of the new allocation, or -1 when the facade serves a counted fallback. */
  alloc(size: number, alignment: number, memory: ArrayBuffer): number;
  /** Binds `memory` (this epoch's, moved from the last), then zeroes and rewinds; returns the base. */
  reset(memory: ArrayBuffer, fresh: boolean): number;
  /** reset() bound to this arena; cheaper to call (no unwrap). */
  resetFunction(): (memory: ArrayBuffer, fresh: boolean) => number;
  stats(): ArenaStats;
  /** Folds the counters into the metrics and frees the handle; idempotent. Never frees memory. */
  destroy(): void;
}

/**
 * engram_arena_options_t as the shim takes and gives it: each field a number,
 * the C field's value (lib/options.ts converts).
 */
export type NativeOptions = { [K in keyof Required<ArenaOptions>]: number };

/** The addon's exports; see native/api.h for where each group lives. */
export interface Binding {
  NativeArena: new (options: NativeOptions) => NativeArena;
  setErrorClasses(classes: Record<string, abstract new (...args: never[]) => unknown>): void;
  setConfig(options: NativeOptions): void;
  getConfig(): NativeOptions;
  resetConfig(): void;
  envErrors(): number;
  metrics(): ArenaMetrics;
  resetMetrics(): void;
  /** Counts one block of arena memory that user code moved out (the arena went on with fresh memory). */
  countMovedOut(): void;
  /** Bytes from the start of `buffer` to the first address aligned to `alignment`. */
  paddingFor(buffer: ArrayBuffer, alignment: number): number;
  /** Gives the whole pages inside `buffer` back to the system; the buffer stays usable (reads zero). */
  discardMemory(buffer: ArrayBuffer): void;
  /** Detaches `buffer`, which frees its memory now (engine-owned buffers only). */
  freeMemory(buffer: ArrayBuffer): void;
  /**
   * Test-only (native/testing_api.cc): the next `count` reservations fail.
   * Nothing in lib/ calls it; kept out of the published typings.
   * @internal
   */
  testingFailReservations(count: number): void;
  /** ENGRAM_ABI_HASH of the header the binary was built from (lib/abi.ts has the dist's). */
  abiHash: number;
}

/** The loaded addon, shared by the whole facade. */
export const binding = loadBinding() as Binding;
