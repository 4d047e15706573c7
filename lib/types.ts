/** What an arena does with a request that does not fit. */
export type OverflowStrategy = 'panic' | 'error_return' | 'fallback';

/** The global config: defaults for the thread arena and for new arenas. */
export interface ConfigSnapshot {
  /** Bytes of each thread arena and the default size of new arenas. */
  poolSize: number;
  overflowStrategy: OverflowStrategy;
  /** Whether reset() zeroes the bytes that were used. */
  zeroOnReset: boolean;
}

// The shim builds these two from the field lists in zig/include/engram_arena.h
// (ENGRAM_STATS_FIELDS, ENGRAM_METRICS_FIELDS); test/unit/types.test.ts fails when
// the names here and there differ.

/** One arena's counters; `highWaterMark` spans its life, the others the current epoch. */
export interface ArenaStats {
  capacity: number;
  /** Bytes used, alignment padding included. */
  currentUsage: number;
  highWaterMark: number;
  overflowCount: number;
  /** currentUsage / capacity, from 0 to 1. */
  utilization: number;
  /** Successful allocations since the last reset, fallbacks included. */
  allocations: number;
  /** Allocations served from the heap because the arena was full. */
  fallbacks: number;
  /** Bytes requested by the successful allocations since the last reset. */
  bytesAllocated: number;
  /** Heap bytes held by fallbacks until the next reset. */
  fallbackBytes: number;
}

/** Process-wide metrics. Counters fold in when an arena resets or is destroyed. */
export interface ArenaMetrics {
  totalResets: number;
  totalOverflows: number;
  maxHighWaterMark: number;
  totalAllocations: number;
  totalBytesAllocated: number;
  totalFallbacks: number;
  /** Blocks of arena memory that user code moved out (transfer, postMessage, a BYOB read, a pinned buffer); each arena went on with fresh memory. */
  totalMovedOut: number;
  /** Gauge: arenas holding memory now (instance arenas and thread arenas). */
  liveArenas: number;
  /** Gauge: bytes reserved by those arenas. */
  reservedBytes: number;
}

/** Options of `new ArenaPool()`. */
export interface ArenaPoolOptions {
  /** Label of the pool in stats and Prometheus metrics. Default `'default'`. */
  name?: string;
  /** Capacity of each arena in bytes, 1 byte to 1 GiB. Default: the configured `poolSize`. */
  arenaSize?: number;
  /** Most arenas the pool creates; more callers wait. Integer ≥ 1, default 16. */
  maxArenas?: number;
  /** Most callers waiting at once; the next one gets `ERR_ARENA_POOL_FULL`. Integer ≥ 0 or Infinity, default 1024. */
  maxWaiting?: number;
  /** How long a caller waits before `ERR_ARENA_POOL_TIMEOUT`, in ms: > 0 and ≤ 2147483647, or Infinity. Default 5000. */
  acquireTimeoutMs?: number;
  /** Default: the configured `zeroOnReset`. */
  zeroOnReset?: boolean;
  /** Default: the configured `overflowStrategy`. `'panic'` ends the process: prefer the others in a service. */
  overflowStrategy?: OverflowStrategy;
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
  arenaSize: number;
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
  /** Most bytes one arena of the pool held in one use: compare with `arenaSize` when sizing. */
  highWaterMark: number;
  /** Arenas given back while holds on them were out; recycled when the last hold is released. */
  held: number;
  /** Allocations that did not fit, counted when their arena comes back. */
  overflows: number;
  /** Allocations served from the heap, counted when their arena comes back. */
  fallbacks: number;
  destroyed: boolean;
}
