/// <reference types="node" preserve="true" />
/**
 * engram-arena: fast, aligned scratch buffers outside the GC heap, reset in
 * O(1), zeroed on reset, with live metrics.
 * @packageDocumentation
 */
// The reference above: the published typings use Buffer and other Node
// globals, so a consumer without @types/node is told that requirement rather
// than shown "cannot find name 'Buffer'" errors. `preserve` keeps it in the
// emitted .d.ts, which TypeScript 5.5+ would otherwise drop.
import { binding } from './binding';
import { ArenaError, ArenaOverflowError, ArenaDestroyedError, ArenaInitError } from './errors';

binding.setErrorClasses({ ArenaError, ArenaOverflowError, ArenaDestroyedError, ArenaInitError });

export { Arena } from './arena';
export { threadArena, resetThreadArena, deinitThreadArena } from './thread-arena';
export type { ArenaOptions, TypedArrayConstructor } from './arena';
export { ArenaHold } from './hold';
export type { FinishableStream } from './hold';
export { configure, getConfig, resetConfig, metrics, resetMetrics } from './config';
export type { ConfigOptions } from './config';
export {
  ArenaError, ArenaOverflowError, ArenaDestroyedError, ArenaInitError, ArenaPoolError, ArenaPoolTimeoutError,
  ArenaPoolFullError, ArenaPoolDestroyedError, ArenaPoolReleaseError,
} from './errors';
export type { ArenaErrorDetails } from './errors';
export type { ArenaStats, ArenaMetrics, ConfigSnapshot, OverflowStrategy } from './types';
export { ArenaPool, currentArena } from './pool';
export type { ArenaPoolOptions, ArenaPoolStats } from './pool';
export { registerMetrics } from './prometheus';
export type {
  RegisterMetricsOptions, RegisteredMetrics, PromRegistryLike, PromClientLike, PromMetricConfig, PromCollectable,
} from './prometheus';
