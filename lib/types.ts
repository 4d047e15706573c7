// The records the library shares with the facade are generated from
// zig/src/abi.zig into lib/abi.ts; these are the facade's own.
import type { ArenaOptions } from './abi';

export type { ArenaMetrics, ArenaOptions, ArenaStats, OverflowStrategy } from './abi';

/** The global config: defaults for the thread arena and for new arenas. */
export type ConfigSnapshot = Required<ArenaOptions>;

/**
 * Options of `new ArenaPool()`: those of each arena it makes (omitted ones
 * from the config, as for `new Arena()`), and the pool's own.
 */
export interface ArenaPoolOptions extends ArenaOptions {
  /** Label of the pool in stats and Prometheus metrics. Default `'default'`. */
  name?: string;
  /** Most arenas the pool creates; more callers wait. Integer ≥ 1, default 16. */
  maxArenas?: number;
  /** Most callers waiting at once; the next one gets `ERR_ARENA_POOL_FULL`. Integer ≥ 0 or Infinity, default 1024. */
  maxWaiting?: number;
  /** How long a caller waits before `ERR_ARENA_POOL_TIMEOUT`, in ms: > 0 and ≤ 2147483647, or Infinity. Default 5000. */
  acquireTimeoutMs?: number;
  /**
   * Track each run() in `AsyncLocalStorage` so that {@link currentArena} finds
   * its arena after `await`. Default false: on Node 20 and 22 any
   * AsyncLocalStorage in use slows every `await` of the whole process.
   */
  context?: boolean;
}

/** A snapshot of an {@link ArenaPool}; counters span the pool's life. */
export interface ArenaPoolStats {
  name: string;
  /** Bytes of each arena of the pool. */
  size: number;
  maxArenas: number;
  maxWaiting: number;
  /** Arenas holding memory now (idle + in use); 0 once destroyed. */
  arenas: number;
  idle: number;
  /** Arenas handed out and not yet released. */
  inUse: number;
  /** Most arenas in use at once: compare with `maxArenas` when sizing. */
  peakInUse: number;
  /** Callers queued now. */
  waiting: number;
  peakWaiting: number;
  /** Arenas created so far (more than `maxArenas` if some were destroyed by their user). */
  created: number;
  /** Successful acquisitions, run() included. */
  acquired: number;
  /** Acquisitions that had to queue first. */
  waited: number;
  released: number;
  /** Callers rejected with `ERR_ARENA_POOL_TIMEOUT`. */
  timedOut: number;
  /** Callers rejected with `ERR_ARENA_POOL_FULL`. */
  rejected: number;
  /** Most bytes one arena of the pool held in one use: compare with `size` when sizing. */
  highWaterMark: number;
  /** Arenas given back while holds on them were out; recycled when the last hold is released. */
  held: number;
  /** Allocations that did not fit, counted when their arena comes back. */
  overflows: number;
  /** Allocations served from the heap, counted when their arena comes back. */
  fallbacks: number;
  destroyed: boolean;
}
