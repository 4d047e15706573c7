// The one place that decides which option values are valid and says why not.
// Layers: this module checks every option a user passes (new Arena, configure,
// new ArenaPool, registerMetrics) and builds the messages; the shim only
// converts at its boundary (a JavaScript number to a u64, a string to an enum)
// and checks the per-call arguments of alloc(); the Zig library checks the
// limits it owns (1 GiB, 64 KiB pools, power-of-two alignments).
import { rangeError, typeError, type Code } from './errors';
import type { ConfigSnapshot, OverflowStrategy } from './types';

const STRATEGIES: readonly unknown[] = ['panic', 'error_return', 'fallback'] satisfies OverflowStrategy[];

/** A value as messages name it, the same words the shim uses ("a string", "null"). */
function describe(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'undefined':
      return 'undefined';
    case 'object':
      return 'an object';
    case 'function':
      return 'a function';
    default:
      return `a ${typeof value}`;
  }
}

/**
 * `value`'s own properties as an options object (inheriting nothing), or a
 * TypeError. Only own properties count: `Object.prototype.zeroOnReset = false`
 * must not turn zeroing off for every arena made afterwards.
 */
export function optionsObject<T extends object>(value: unknown, name: string): Partial<T> {
  const own = Object.create(null) as Record<string, unknown>;
  if (value === undefined) return own as Partial<T>;
  if (value === null || typeof value !== 'object') throw typeError(`${name} must be an object, got ${describe(value)}`);
  for (const key of Object.keys(value)) own[key] = (value as Record<string, unknown>)[key];
  return own as Partial<T>;
}

/** `=== undefined`, not `??`: null is a bad value to refuse, not "omitted". */
export function given<T>(value: T | undefined, fallback: T): T {
  return value === undefined ? fallback : value;
}

export function number(value: unknown, name: string): number {
  if (typeof value !== 'number') throw typeError(`${name} must be a number, got ${describe(value)}`);
  return value;
}

/** A count the shim can take as a u64: a non-negative integer up to 2^53-1. */
export function count(value: unknown, name: string, code: Code): number {
  const n = number(value, name);
  if (!Number.isSafeInteger(n) || n < 0) throw rangeError(`${name} must be a non-negative integer, got ${n}`, code);
  return n;
}

export function integer(value: unknown, name: string, min: number, allowInfinity: boolean): number {
  const n = number(value, name);
  if (allowInfinity && n === Infinity) return n;
  if (!Number.isSafeInteger(n) || n < min) {
    throw rangeError(`${name} must be an integer ≥ ${min}${allowInfinity ? ' or Infinity' : ''}, got ${n}`);
  }
  return n;
}

/** A real boolean: no truthiness guessing. */
export function boolean(value: unknown, name: string): boolean {
  if (typeof value !== 'boolean') throw typeError(`${name} must be a boolean, got ${describe(value)}`);
  return value;
}

export function string(value: unknown, name: string): string {
  if (typeof value !== 'string') throw typeError(`${name} must be a string, got ${describe(value)}`);
  return value;
}

export function strategy(value: unknown): OverflowStrategy {
  const name = string(value, 'overflowStrategy');
  if (!STRATEGIES.includes(name)) {
    throw rangeError(`overflowStrategy must be 'panic', 'error_return' or 'fallback', got '${name}'`);
  }
  return name as OverflowStrategy;
}

/**
 * The settings of an arena (or of the config, whose size is `poolSize`), the
 * omitted ones from `defaults`. Checked in the order the fields are listed;
 * the size's limits are the library's to enforce.
 */
export function arenaSettings(
  options: { overflowStrategy?: unknown; zeroOnReset?: unknown },
  sizeName: 'size' | 'poolSize',
  defaults: ConfigSnapshot,
): ConfigSnapshot {
  const size = (options as Record<string, unknown>)[sizeName];
  return {
    poolSize: count(given(size, defaults.poolSize), sizeName, 'ERR_ARENA_INVALID_SIZE'),
    overflowStrategy: strategy(given(options.overflowStrategy, defaults.overflowStrategy)),
    zeroOnReset: boolean(given(options.zeroOnReset, defaults.zeroOnReset), 'zeroOnReset'),
  };
}
