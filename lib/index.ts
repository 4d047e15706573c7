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
import { ArenaDestroyedError, ArenaError, ArenaInitError, ArenaOverflowError } from './errors';

binding.setErrorClasses({ ArenaError, ArenaOverflowError, ArenaDestroyedError, ArenaInitError });

export type { ArenaOptions, TypedArrayConstructor } from './arena';
export { Arena } from './arena';
export type { ConfigOptions } from './config';
export { configure, getConfig, metrics, resetConfig, resetMetrics } from './config';
export type { ArenaErrorDetails } from './errors';
export {
  ArenaDestroyedError,
  ArenaError,
  ArenaInitError,
  ArenaOverflowError,
  ArenaPoolDestroyedError,
  ArenaPoolError,
  ArenaPoolFullError,
  ArenaPoolReleaseError,
  ArenaPoolTimeoutError,
} from './errors';
export type { FinishableStream } from './hold';
export { ArenaHold } from './hold';
export type { ArenaPoolOptions, ArenaPoolStats } from './pool';
export { ArenaPool, currentArena } from './pool';
export type {
  PromClientLike,
  PromCollectable,
  PromMetricConfig,
  PromRegistryLike,
  RegisteredMetrics,
  RegisterMetricsOptions,
} from './prometheus';
export { registerMetrics } from './prometheus';
export { deinitThreadArena, resetThreadArena, threadArena } from './thread-arena';
export type { ArenaMetrics, ArenaStats, ConfigSnapshot, OverflowStrategy } from './types';
