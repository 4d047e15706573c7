// The compiled addon's surface as the facade sees it, loaded once.
import { loadBinding } from './loader';
import type { ArenaMetrics, ArenaStats, ConfigSnapshot, OverflowStrategy } from './types';

/**
 * The native class behind {@link Arena}; see native/arena_wrap.h. Every call
 * that needs the arena's memory is handed it: `memory` is the engine-owned
 * block, attached, at least capacity + hostedSlack bytes.
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

/** The addon's exports; see native/api.h for where each group lives. */
export interface Binding {
  NativeArena: new (size: number, overflowStrategy: OverflowStrategy, zeroOnReset: boolean) => NativeArena;
  setErrorClasses(classes: Record<string, abstract new (...args: never[]) => unknown>): void;
  setConfig(poolSize: number, overflowStrategy: OverflowStrategy, zeroOnReset: boolean): void;
  getConfig(): ConfigSnapshot;
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
  /** Word (uint32) index of each engram_arena_state_t field, from ENGRAM_STATE_FIELDS. */
  stateWords: Readonly<Record<string, number>>;
  limits: {
    minPoolSize: number;
    maxCapacity: number;
    maxAlloc: number;
    maxAlignment: number;
    /** ENGRAM_HOSTED_SLACK_BYTES: how much larger than its capacity an arena's memory block is. */
    hostedSlack: number;
    envSizeInvalid: number;
    envOverflowInvalid: number;
    envZeroInvalid: number;
  };
}

/** The loaded addon, shared by the whole facade. */
export const binding = loadBinding() as Binding;
