// The compiled addon's surface as the facade sees it, loaded once.
import { loadBinding } from './loader';
import type { ArenaStats, ArenaMetrics, ConfigSnapshot, OverflowStrategy } from './types';

/** The native class behind {@link Arena}; see native/arena_wrap.h. */
export interface NativeArena {
  alloc(size: number, alignment: number): number | ArrayBuffer;
  window(baseBytes: number, sizeBytes: number): ArrayBuffer;
  state(): ArrayBuffer | null;
  reset(keptBytes?: number, windowBytes?: number): ArrayBuffer | undefined;
  /** reset() bound to this arena; cheaper to call (no unwrap). */
  resetFunction(): (keptBytes?: number, windowBytes?: number) => ArrayBuffer | undefined;
  quarantine(): never;
  markEscaped(): void;
  stats(): ArenaStats;
  remaining(): number;
  utilization(): number;
  capacity(): number;
  options(): { size: number; overflowStrategy: OverflowStrategy; zeroOnReset: boolean };
  destroyed(): boolean;
  destroy(): void;
}

/** The addon's exports; see native/api.h for where each group lives. */
export interface Binding {
  NativeArena: new (size: number, overflowStrategy: OverflowStrategy, zeroOnReset: boolean) => NativeArena;
  setErrorClasses(classes: Record<string, Function>): void;
  setConfig(poolSize: number, overflowStrategy: OverflowStrategy, zeroOnReset: boolean): void;
  getConfig(): ConfigSnapshot;
  resetConfig(): void;
  envErrors(): number;
  metrics(): ArenaMetrics;
  resetMetrics(): void;
  threadArena(): NativeArena;
  resetThreadArena(): void;
  deinitThreadArena(): void;
  scanEscapes(): void;
  freeRetired(): void;
  setViewMode(jsOwnsViews: boolean, correctPressure: boolean): void;
  probeBuffer(): ArrayBuffer | null;
  probeIs(buffer: ArrayBuffer): boolean;
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
    envSizeInvalid: number;
    envOverflowInvalid: number;
    envZeroInvalid: number;
  };
}

/** The loaded addon, shared by the whole facade. */
export const binding = loadBinding() as Binding;
