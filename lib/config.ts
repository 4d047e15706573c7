// The global config (the defaults of new arenas and thread arenas), the
// process-wide metrics, and the warnings for bad environment variables.
import { type ArenaMetrics, type ArenaOptions, ENV_ERRORS, LIMITS, OVERFLOW_STRATEGIES } from './abi';
import { binding } from './binding';
import { typeError, warn } from './errors';
import { fromNative, toNative } from './options';
import type { ConfigSnapshot } from './types';
import { arenaSettings, listed, optionsObject } from './validate';

/**
 * Options of {@link configure}; omitted fields keep their current value. The
 * config's size is also the thread arena's: 64 KiB to 1 GiB.
 */
export type ConfigOptions = ArenaOptions;

const ENV_RULES = [
  {
    bit: ENV_ERRORS.size,
    name: 'ENGRAM_ARENA_SIZE',
    accepts: `a whole number of bytes from ${LIMITS.minConfigSizeBytes} (64 KiB) to ${LIMITS.maxSizeBytes} (1 GiB)`,
  },
  { bit: ENV_ERRORS.overflow, name: 'ENGRAM_ARENA_OVERFLOW', accepts: listed(OVERFLOW_STRATEGIES) },
  { bit: ENV_ERRORS.zero, name: 'ENGRAM_ARENA_ZERO', accepts: listed(['true', 'false', '1', '0']) },
];

let envChecked = false;

/** Loads the config (from the environment on first use) and warns once per bad variable. */
function checkEnvironment(): void {
  if (envChecked) return;
  envChecked = true;
  const bits = binding.envErrors();
  for (let i = 0; i < ENV_RULES.length; i++) {
    const rule = ENV_RULES[i];
    if ((bits & rule.bit) === 0) continue;
    warn(
      `${rule.name}=${JSON.stringify(process.env[rule.name])} is invalid; it accepts ${rule.accepts}. The default stays in force.`,
      'ENGRAM_ARENA_ENV',
    );
  }
  // Read by earlier versions: say so, rather than let a setting silently stop mattering.
  const views = readOptionalEnv('ENGRAM_ARENA_VIEWS');
  if (views !== undefined) {
    warn(
      `ENGRAM_ARENA_VIEWS=${JSON.stringify(views)} is no longer read: every runtime now ends ` +
        "an epoch by moving the arena's engine-owned memory (see the CHANGELOG).",
      'ENGRAM_ARENA_ENV',
    );
  }
}

/** A variable only worth a warning: undefined where the runtime does not let us read it (Deno without --allow-env). */
function readOptionalEnv(name: string): string | undefined {
  try {
    return process.env[name];
  } catch {
    return undefined;
  }
}

/**
 * The config in force, read from the environment on first use.
 *
 * @returns A snapshot: later {@link configure} calls do not change it.
 * @example
 * ```ts
 * const { size, overflowStrategy } = getConfig();
 * ```
 */
export function getConfig(): ConfigSnapshot {
  checkEnvironment();
  return fromNative(binding.getConfig());
}

/**
 * Changes the global config. Arenas made afterwards (and a thread arena made
 * afterwards) use it; existing arenas keep the options they were made with.
 *
 * @param options - The fields to change; omitted ones keep their value.
 * @returns The config now in force.
 * @throws TypeError / RangeError for bad values; nothing changes then.
 * @example
 * ```ts
 * configure({ overflowStrategy: 'error_return', zeroOnReset: true });
 * ```
 */
export function configure(options: ConfigOptions): ConfigSnapshot {
  if (options === undefined) throw typeError('configure() needs an options object');
  const settings = arenaSettings(optionsObject<ConfigOptions>(options, 'options'), getConfig());
  binding.setConfig(toNative(settings));
  return fromNative(binding.getConfig());
}

/**
 * Forgets any configure() call: the next use reads the environment (or
 * defaults) again, and warns again about any invalid variable it finds then.
 *
 * @example
 * ```ts
 * afterEach(() => resetConfig()); // each test starts from the environment's config
 * ```
 */
export function resetConfig(): void {
  binding.resetConfig();
  envChecked = false;
}

/**
 * Process-wide counters and gauges across all arenas and threads.
 *
 * @returns A snapshot, taken now.
 * @example
 * ```ts
 * const { liveArenas, reservedBytes, totalOverflows } = metrics();
 * ```
 */
export function metrics(): ArenaMetrics {
  return binding.metrics();
}

/**
 * Zeroes the counters of {@link metrics}; the gauges keep counting.
 *
 * @example
 * ```ts
 * resetMetrics();
 * runBatch();
 * console.log(metrics().totalAllocations); // this batch's allocations only
 * ```
 */
export function resetMetrics(): void {
  binding.resetMetrics();
}
