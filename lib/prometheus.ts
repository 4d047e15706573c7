// Prometheus metrics through prom-client, an optional peer dependency: it is
// loaded on the first registerMetrics() call, never when the package loads.
// The prom-client types are described structurally here so that the published
// .d.ts files do not reference a package the user may not have installed.

import { metrics } from './config';
import { arenaError, rangeError, typeError } from './errors';
import type { ArenaPoolStats } from './pool';
import { ArenaPool } from './pool';
import type { ArenaMetrics } from './types';
import { metricPrefix, optionsObject } from './validate';

/** The part of a prom-client `Registry` that {@link registerMetrics} uses. */
export interface PromRegistryLike {
  registerMetric(metric: unknown): void;
  removeSingleMetric(name: string): void;
}

/** The configuration prom-client's `Counter` and `Gauge` constructors take. */
export interface PromMetricConfig {
  name: string;
  help: string;
  labelNames: string[];
  registers: PromRegistryLike[];
  collect(this: PromCollectable): void;
}

/** The methods of a prom-client `Counter` or `Gauge` that the collectors call. */
export interface PromCollectable {
  reset(): void;
  inc?(labels: Record<string, string>, value: number): void;
  set?(labels: Record<string, string>, value: number): void;
}

/**
 * The part of the prom-client module that {@link registerMetrics} uses: its
 * `Counter` and `Gauge` classes, which are called with a {@link PromMetricConfig}.
 */
export interface PromClientLike {
  // `never`: constructor parameters are checked contravariantly, so this accepts
  // prom-client's own classes, whose config types name its concrete Registry.
  Counter: new (
    config: never,
  ) => unknown;
  Gauge: new (config: never) => unknown;
}

type MetricClass = new (config: PromMetricConfig) => unknown;

/** Options of {@link registerMetrics}. */
export interface RegisterMetricsOptions {
  /** Pools whose stats to export, labelled `pool="<name>"`; names must be distinct. */
  pools?: Iterable<ArenaPool>;
  /** Prepended to every metric name. Default `'engram_arena_'`. */
  prefix?: string;
  /** The prom-client module, when `require('prom-client')` from this package would find another copy or none. */
  client?: PromClientLike;
}

/** What {@link registerMetrics} registered. */
export interface RegisteredMetrics {
  /** The metric names, prefix included. */
  readonly names: readonly string[];
  /** Removes them from the registry again. */
  unregister(): void;
}

type Kind = 'counter' | 'gauge';
interface GlobalSpec {
  suffix: string;
  kind: Kind;
  help: string;
  value(m: ArenaMetrics): number;
}
interface PoolSpec {
  suffix: string;
  kind: Kind;
  help: string;
  value(s: ArenaPoolStats): number;
}

// Counters fold in when an arena resets or is destroyed, so they trail the
// allocations of arenas in use; resetMetrics() shows up as a counter reset.
const GLOBAL: readonly GlobalSpec[] = [
  { suffix: 'resets_total', kind: 'counter', help: 'Arena resets.', value: (m) => m.totalResets },
  {
    suffix: 'overflows_total',
    kind: 'counter',
    help: 'Allocations that did not fit in their arena.',
    value: (m) => m.totalOverflows,
  },
  {
    suffix: 'fallbacks_total',
    kind: 'counter',
    help: 'Allocations served from the heap because their arena was full.',
    value: (m) => m.totalFallbacks,
  },
  {
    suffix: 'moved_out_total',
    kind: 'counter',
    help: 'Blocks of arena memory that user code moved out; each arena went on with fresh memory.',
    value: (m) => m.totalMovedOut,
  },
  {
    suffix: 'allocations_total',
    kind: 'counter',
    help: 'Successful arena allocations.',
    value: (m) => m.totalAllocations,
  },
  {
    suffix: 'allocated_bytes_total',
    kind: 'counter',
    help: 'Bytes requested by successful arena allocations.',
    value: (m) => m.totalBytesAllocated,
  },
  {
    suffix: 'high_water_mark_bytes',
    kind: 'gauge',
    help: 'Most bytes any arena has held at once.',
    value: (m) => m.maxHighWaterMark,
  },
  {
    suffix: 'live_arenas',
    kind: 'gauge',
    help: 'Arenas holding memory now, thread arenas included.',
    value: (m) => m.liveArenas,
  },
  {
    suffix: 'reserved_bytes',
    kind: 'gauge',
    help: 'Bytes reserved by the live arenas.',
    value: (m) => m.reservedBytes,
  },
];

const POOL: readonly PoolSpec[] = [
  { suffix: 'pool_arenas', kind: 'gauge', help: 'Arenas the pool holds now, idle or in use.', value: (s) => s.arenas },
  { suffix: 'pool_arenas_in_use', kind: 'gauge', help: 'Arenas of the pool handed out now.', value: (s) => s.inUse },
  { suffix: 'pool_max_arenas', kind: 'gauge', help: 'Most arenas the pool creates.', value: (s) => s.maxArenas },
  {
    suffix: 'pool_arena_size_bytes',
    kind: 'gauge',
    help: 'Bytes of each arena of the pool.',
    value: (s) => s.size,
  },
  { suffix: 'pool_waiting', kind: 'gauge', help: 'Callers queued for an arena now.', value: (s) => s.waiting },
  {
    suffix: 'pool_high_water_mark_bytes',
    kind: 'gauge',
    help: 'Most bytes one arena of the pool held in one use.',
    value: (s) => s.highWaterMark,
  },
  {
    suffix: 'pool_acquisitions_total',
    kind: 'counter',
    help: 'Arenas handed out by the pool.',
    value: (s) => s.acquired,
  },
  {
    suffix: 'pool_waits_total',
    kind: 'counter',
    help: 'Acquisitions that queued before being served.',
    value: (s) => s.waited,
  },
  {
    suffix: 'pool_timeouts_total',
    kind: 'counter',
    help: 'Callers rejected because no arena came free in time.',
    value: (s) => s.timedOut,
  },
  {
    suffix: 'pool_rejections_total',
    kind: 'counter',
    help: 'Callers rejected because the wait queue was full.',
    value: (s) => s.rejected,
  },
  {
    suffix: 'pool_overflows_total',
    kind: 'counter',
    help: 'Allocations that did not fit in an arena of the pool.',
    value: (s) => s.overflows,
  },
  {
    suffix: 'pool_fallbacks_total',
    kind: 'counter',
    help: 'Allocations in the pool served from the heap.',
    value: (s) => s.fallbacks,
  },
];

function loadClient(): PromClientLike {
  try {
    return require('prom-client') as PromClientLike;
  } catch (err) {
    const error = arenaError(
      "registerMetrics() needs the optional peer dependency 'prom-client' (npm install prom-client), or pass it as options.client",
      'ERR_ARENA_PROM_CLIENT_MISSING',
    );
    throw Object.assign(error, { cause: err });
  }
}

function poolList(pools: unknown): ArenaPool[] {
  if (pools === undefined) return [];
  if (pools === null || typeof (pools as Iterable<unknown>)[Symbol.iterator] !== 'function') {
    throw typeError('pools must be an iterable of ArenaPool');
  }
  const list = [...(pools as Iterable<unknown>)];
  const names = new Set<string>();
  for (const pool of list) {
    if (!(pool instanceof ArenaPool)) throw typeError('pools must contain only ArenaPool instances');
    if (names.has(pool.name)) throw rangeError(`two pools are named '${pool.name}'; give each a distinct name option`);
    names.add(pool.name);
  }
  return list as ArenaPool[];
}

function publish(metric: PromCollectable, kind: Kind, labels: Record<string, string>, value: number): void {
  if (kind === 'counter') metric.inc!(labels, value);
  else metric.set!(labels, value);
}

/**
 * Registers the global arena metrics (`engram_arena_resets_total`,
 * `engram_arena_overflows_total`, `engram_arena_high_water_mark_bytes`, ...)
 * and, for each pool, its stats labelled by pool name
 * (`engram_arena_pool_arenas_in_use{pool="web"}`, ...) with a prom-client
 * Registry. Values are read at each scrape through `collect()` callbacks.
 * All or nothing: when one name is taken, none stays registered.
 *
 * @param registry - A prom-client `Registry`, such as its default `register`.
 * @param options - Pools to export, a name prefix, or the prom-client module itself.
 * @returns The names registered, and a way to unregister them.
 * @throws TypeError / RangeError for bad arguments; ArenaError
 * `ERR_ARENA_PROM_CLIENT_MISSING` when prom-client cannot be loaded; prom-client's
 * error when a name is already registered.
 * @example
 * ```ts
 * import { register } from 'prom-client';
 * const pool = new ArenaPool({ name: 'web' });
 * const registered = registerMetrics(register, { pools: [pool] });
 * // later, e.g. on shutdown:
 * registered.unregister();
 * ```
 */
export function registerMetrics(registry: PromRegistryLike, options?: RegisterMetricsOptions): RegisteredMetrics {
  if (registry === null || typeof registry !== 'object' || typeof registry.registerMetric !== 'function') {
    throw typeError('registry must be a prom-client Registry');
  }
  const opts = optionsObject<RegisterMetricsOptions>(options, 'options');
  const prefix = metricPrefix(opts.prefix);
  const pools = poolList(opts.pools);
  const client = opts.client === undefined ? loadClient() : opts.client;
  if (
    client === null ||
    typeof client !== 'object' ||
    typeof client.Counter !== 'function' ||
    typeof client.Gauge !== 'function'
  ) {
    throw typeError('client must be the prom-client module (with Counter and Gauge)');
  }

  const names: string[] = [];
  const unregister = (): void => {
    for (const name of names.splice(0)) registry.removeSingleMetric(name);
  };
  const add = (
    name: string,
    kind: Kind,
    help: string,
    labelNames: string[],
    collect: (this: PromCollectable) => void,
  ): void => {
    const Metric = (kind === 'counter' ? client.Counter : client.Gauge) as MetricClass;
    new Metric({ name, help, labelNames, registers: [registry], collect });
    names.push(name);
  };

  // Each collect() starts from reset(): prom-client counters cannot be set, only
  // incremented, and a pool's labels must not linger after the value is gone.
  try {
    for (const spec of GLOBAL) {
      add(prefix + spec.suffix, spec.kind, spec.help, [], function collect() {
        this.reset();
        publish(this, spec.kind, {}, spec.value(metrics()));
      });
    }
    if (pools.length > 0) {
      for (const spec of POOL) {
        add(prefix + spec.suffix, spec.kind, spec.help, ['pool'], function collect() {
          this.reset();
          for (const pool of pools) publish(this, spec.kind, { pool: pool.name }, spec.value(pool.stats()));
        });
      }
    }
  } catch (err) {
    unregister();
    throw err;
  }
  return { names: [...names], unregister };
}
