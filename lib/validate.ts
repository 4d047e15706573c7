// The one place that decides which option values are valid and says why not.
// Layers: this module checks every option a user passes (new Arena, configure,
// new ArenaPool, registerMetrics) and words the refusals; the shim only
// converts at its boundary (a JavaScript number to a u64, a string to an enum)
// and checks the per-call arguments of alloc(), window() and reset(), which
// must not cost a JavaScript check on the way; the Zig library checks the
// limits it owns (1 GiB, 64 KiB pools, power-of-two alignments).
import { ARENA_OPTIONS_FIELDS, LIMITS, OVERFLOW_STRATEGIES, type OverflowStrategy } from './abi';
import { type Code, rangeError, typeError } from './errors';
import type { ArenaSettings } from './options';
import { NumberIsSafeInteger, ObjectCreate, ObjectKeys } from './primordials';
import type { ArenaPoolOptions } from './types';

const MAX_TIMER_MS = 2 ** 31 - 1;
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
/** Options earlier versions took, by their name now: given, they would otherwise be ignored. */
const RENAMED: Readonly<Record<string, string>> = { __proto__: null, poolSize: 'size', arenaSize: 'size' } as never;

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
  const own = ObjectCreate(null) as Record<string, unknown>;
  if (value === undefined) return own as Partial<T>;
  if (value === null || typeof value !== 'object') throw typeError(`${name} must be an object, got ${describe(value)}`);
  const keys = ObjectKeys(value);
  for (let i = 0; i < keys.length; i++) own[keys[i]] = (value as Record<string, unknown>)[keys[i]];
  return own as Partial<T>;
}

/** `=== undefined`, not `??`: null is a bad value to refuse, not "omitted". */
function given<T>(value: T | undefined, fallback: T): T {
  return value === undefined ? fallback : value;
}

function number(value: unknown, name: string): number {
  if (typeof value !== 'number') throw typeError(`${name} must be a number, got ${describe(value)}`);
  return value;
}

/** A count the shim can take as a u64: a non-negative integer up to 2^53-1. */
function count(value: unknown, name: string, code: Code): number {
  const n = number(value, name);
  if (!NumberIsSafeInteger(n) || n < 0) throw rangeError(`${name} must be a non-negative integer, got ${n}`, code);
  return n;
}

function integer(value: unknown, name: string, min: number, allowInfinity: boolean): number {
  const n = number(value, name);
  if (allowInfinity && n === Infinity) return n;
  if (!NumberIsSafeInteger(n) || n < min) {
    throw rangeError(`${name} must be an integer ≥ ${min}${allowInfinity ? ' or Infinity' : ''}, got ${n}`);
  }
  return n;
}

/** A real boolean: no truthiness guessing. */
function boolean(value: unknown, name: string): boolean {
  if (typeof value !== 'boolean') throw typeError(`${name} must be a boolean, got ${describe(value)}`);
  return value;
}

function string(value: unknown, name: string): string {
  if (typeof value !== 'string') throw typeError(`${name} must be a string, got ${describe(value)}`);
  return value;
}

/** 'a', 'b' or 'c', for messages. */
export function listed(names: readonly string[]): string {
  let text = '';
  for (let i = 0; i < names.length; i++) {
    text += `${i === 0 ? '' : i === names.length - 1 ? ' or ' : ', '}'${names[i]}'`;
  }
  return text;
}

function strategy(value: unknown, name: string): OverflowStrategy {
  const text = string(value, name);
  for (let i = 0; i < OVERFLOW_STRATEGIES.length; i++)
    if (OVERFLOW_STRATEGIES[i] === text) return text as OverflowStrategy;
  throw rangeError(`${name} must be ${listed(OVERFLOW_STRATEGIES)}, got '${text}'`);
}

/** Refuses an option under a name earlier versions used, saying its name now. */
function refuseRenamed(options: Record<string, unknown>): void {
  const keys = ObjectKeys(options);
  for (let i = 0; i < keys.length; i++) {
    const now = RENAMED[keys[i]];
    if (now !== undefined) throw typeError(`${keys[i]} is now called ${now}`, 'ERR_INVALID_ARG_VALUE');
  }
}

/**
 * The settings of an arena (or of the config), the omitted ones from
 * `defaults`, each option checked by what it holds, in the header's order.
 * The size's limits are the library's to enforce.
 */
export function arenaSettings(options: Record<string, unknown>, defaults: ArenaSettings): ArenaSettings {
  refuseRenamed(options);
  const settings = ObjectCreate(null) as Record<string, unknown>;
  for (let i = 0; i < ARENA_OPTIONS_FIELDS.length; i++) {
    const { name, kind } = ARENA_OPTIONS_FIELDS[i];
    const value = given(options[name], defaults[name]);
    switch (kind) {
      case 'bytes':
        settings[name] = count(value, name, 'ERR_ARENA_INVALID_SIZE');
        break;
      case 'OverflowStrategy':
        settings[name] = strategy(value, name);
        break;
      case 'boolean':
        settings[name] = boolean(value, name);
        break;
    }
  }
  return settings as ArenaSettings;
}

/** The options of `new ArenaPool()`, the omitted ones from their defaults and the config. */
export function poolSettings(options: Partial<ArenaPoolOptions>, config: ArenaSettings): Required<ArenaPoolOptions> {
  const name = string(given(options.name, 'default'), 'name');
  if (name.length === 0) throw rangeError('name must not be empty');

  // The arenas' own options, checked here rather than left to the first Arena:
  // pools create lazily, and a bad size should fail at construction, not in
  // the middle of a request.
  const arena = arenaSettings(options as Record<string, unknown>, config);
  if (arena.size < 1 || arena.size > LIMITS.maxSizeBytes) {
    throw rangeError(
      `size must be an integer from 1 to ${LIMITS.maxSizeBytes}, got ${arena.size}`,
      'ERR_ARENA_INVALID_SIZE',
    );
  }
  const maxArenas = integer(given(options.maxArenas, 16), 'maxArenas', 1, false);
  const maxWaiting = integer(given(options.maxWaiting, 1024), 'maxWaiting', 0, true);
  const acquireTimeoutMs = number(given(options.acquireTimeoutMs, 5000), 'acquireTimeoutMs');
  if (acquireTimeoutMs !== Infinity && !(acquireTimeoutMs > 0 && acquireTimeoutMs <= MAX_TIMER_MS)) {
    throw rangeError(`acquireTimeoutMs must be > 0 and ≤ ${MAX_TIMER_MS}, or Infinity, got ${acquireTimeoutMs}`);
  }
  const context = boolean(given(options.context, false), 'context');
  return { ...arena, name, maxArenas, maxWaiting, acquireTimeoutMs, context };
}

/** registerMetrics()'s name prefix: empty, or the start of a valid Prometheus name. */
export function metricPrefix(value: unknown): string {
  const prefix = string(given(value, 'engram_arena_'), 'prefix');
  if (prefix !== '' && !METRIC_NAME.test(prefix)) throw rangeError(`prefix must match ${METRIC_NAME}, got '${prefix}'`);
  return prefix;
}
