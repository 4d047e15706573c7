// Finds and loads the compiled addon. The one loader, used by the facade and
// by the install and prebuild scripts: $ENGRAM_ARENA_BINARY, then prebuilds/,
// then build/Release. Naming follows prebuildify: prebuilds/<platform>-<arch>/
// <name>.napi[.<libc>].node.
import * as fs from 'node:fs';
import * as path from 'node:path';

const ADDON_NAME = 'engram-arena';
const ROOT = path.join(__dirname, '..');

/** Where the prebuilt binary for a platform lives inside the package. */
export function prebuildPath(
  platform: string,
  arch: string,
  libc: 'glibc' | 'musl' | undefined,
  root = ROOT,
): string {
  const file = libc ? `${ADDON_NAME}.napi.${libc}.node` : `${ADDON_NAME}.napi.node`;
  return path.join(root, 'prebuilds', `${platform}-${arch}`, file);
}

/** `glibc` or `musl` on Linux (musl's report has no glibc version), else undefined. */
export function detectLibc(): 'glibc' | 'musl' | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
    return report?.header?.glibcVersionRuntime ? 'glibc' : 'musl';
  } catch {
    return 'glibc'; // no report available: assume the common case
  }
}

/** The paths the loader tries, in order, for this platform. */
export function candidatePaths(root = ROOT): string[] {
  // An explicit binary replaces the search rather than joining it.
  const override = process.env.ENGRAM_ARENA_BINARY;
  if (override) return [path.resolve(override)];
  const paths: string[] = [];
  const libc = detectLibc();
  if (libc) paths.push(prebuildPath(process.platform, process.arch, libc, root));
  paths.push(prebuildPath(process.platform, process.arch, undefined, root));
  paths.push(path.join(root, 'build', 'Release', 'engram_arena.node'));
  return paths;
}

/** Loads the first candidate that exists and loads; the error says what was tried. */
export function loadBinding(root = ROOT): unknown {
  const tried: string[] = [];
  const errors: Error[] = [];
  for (const file of candidatePaths(root)) {
    if (!fs.existsSync(file)) {
      tried.push(`${file} (absent)`);
      continue;
    }
    try {
      return require(file);
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

