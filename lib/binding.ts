// Finds and loads the compiled addon, and describes its surface for the facade.
// The one loader: $ENGRAM_ARENA_BINARY, then prebuilds/, then build/Release.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ArenaStats, ArenaMetrics, ConfigSnapshot, OverflowStrategy } from './types';

/** The native class behind {@link Arena}; see native/arena_wrap.h. */
export interface NativeArena {
  alloc(size: number, alignment: number): number | ArrayBuffer;
  epoch(): ArrayBuffer;
  reset(): void;
  stats(): ArenaStats;
  remaining(): number;
  utilization(): number;
  capacity(): number;
  options(): { size: number; overflowStrategy: OverflowStrategy; zeroOnReset: boolean };
  destroyed(): boolean;
  isThreadArena(): boolean;
  destroy(): void;
}

/** The addon's exports; see native/addon.cc. */
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
  testingFailReservations(count: number): void;
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

const ADDON_NAME = 'engram-arena';
const ROOT = path.join(__dirname, '..');

/** `glibc` or `musl` on Linux (musl's report has no glibc version), else undefined. */
export function detectLibc(): 'glibc' | 'musl' | undefined {
  if (process.platform !== 'linux') return undefined;
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return report?.header?.glibcVersionRuntime ? 'glibc' : 'musl';
}

/** The paths the loader tries, in order, for this platform. */
export function candidatePaths(root = ROOT): string[] {
  const paths: string[] = [];
  const override = process.env.ENGRAM_ARENA_BINARY;
  if (override) paths.push(path.resolve(override));
  const dir = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
  const libc = detectLibc();
  if (libc) paths.push(path.join(dir, `${ADDON_NAME}.napi.${libc}.node`));
  paths.push(path.join(dir, `${ADDON_NAME}.napi.node`));
  paths.push(path.join(root, 'build', 'Release', 'engram_arena.node'));
  return paths;
}

/** Loads the first candidate that exists and loads; the error says what was tried. */
export function loadBinding(root = ROOT): Binding {
  const tried: string[] = [];
  const errors: Error[] = [];
  for (const file of candidatePaths(root)) {
    if (!fs.existsSync(file)) {
      tried.push(`${file} (absent)`);
      continue;
    }
    try {
      return require(file) as Binding;
    } catch (err) {
      tried.push(`${file} (${(err as Error).message.split('\n')[0]})`);
      errors.push(err as Error);
    }
  }
  const libc = detectLibc();
  const message = [
    `engram-arena: no native binary loads on ${process.platform}-${process.arch}` +
      `${libc ? ` (${libc})` : ''}, Node ${process.version}, Node-API ${process.versions.napi}.`,
    'Tried:',
    ...tried.map((t) => `  - ${t}`),
    'To fix: reinstall without --ignore-scripts and with optional dependencies so a prebuilt',
    'binary for this platform is used, or build from source: install CMake and a C++ compiler,',
    'then run `npm rebuild engram-arena` with ZIG=/path/to/zig (Zig 0.14) in the environment.',
    'ENGRAM_ARENA_BINARY=/path/to/engram_arena.node loads a specific binary.',
  ].join('\n');
  const error = new Error(message, { cause: errors.length === 1 ? errors[0] : errors.length ? new AggregateError(errors) : undefined });
  (error as Error & { code: string }).code = 'ERR_ARENA_BINARY_NOT_FOUND';
  throw error;
}

/** The loaded addon, shared by the whole facade. */
export const binding: Binding = loadBinding();
