// Finds and loads the compiled addon. The one loader, used by the facade and
// by the build and prebuild scripts: $ENGRAM_ARENA_BINARY, then prebuilds/,
// then build/Release. Naming follows prebuildify: prebuilds/<platform>-<arch>/
// <name>.napi[.<libc>].node.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Code } from './errors';

const ADDON_NAME = 'engram-arena';
const ROOT = path.join(__dirname, '..');

/** The C library a Linux binary is linked against, as prebuild file names spell it. */
export type Libc = 'glibc' | 'musl';

/**
 * Where the prebuilt binary for a platform lives inside the package.
 *
 * @param platform - A `process.platform` value, such as `linux` or `win32`.
 * @param arch - A `process.arch` value, such as `x64`, `arm64` or `arm`.
 * @param libc - The C library on Linux; `undefined` elsewhere.
 * @param root - The package directory; defaults to the installed package.
 * @returns The absolute path of the `.node` file the loader looks for.
 * @example
 * ```ts
 * prebuildPath('linux', 'arm64', 'musl');
 * // → …/engram-arena/prebuilds/linux-arm64/engram-arena.napi.musl.node
 * ```
 */
export function prebuildPath(platform: string, arch: string, libc: Libc | undefined, root = ROOT): string {
  const file = libc ? `${ADDON_NAME}.napi.${libc}.node` : `${ADDON_NAME}.napi.node`;
  return path.join(root, 'prebuilds', `${platform}-${arch}`, file);
}

/**
 * The command that builds the addon from source inside the package at `root`;
 * the loader's error prints it so that it can be pasted as is.
 *
 * @param root - The package directory; defaults to the installed package.
 * @returns A shell command line.
 */
export function buildCommand(root = ROOT): string {
  // Double quotes are understood by both sh and cmd.exe; backslashes stay
  // unquoted so that a Windows path reads as one.
  const quoted = /[^\w@%+=:,./\\-]/.test(root) ? `"${root}"` : root;
  return `npm run build:native --prefix ${quoted}`;
}

/**
 * The ELF interpreter (dynamic loader) that the running executable asks for,
 * such as `/lib64/ld-linux-x86-64.so.2` or `/lib/ld-musl-aarch64.so.1`, or
 * undefined when it cannot be read (a static executable, an odd file).
 */
function elfInterpreter(file: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const head = Buffer.alloc(64);
    if (fs.readSync(fd, head, 0, 64, 0) < 52 || head.readUInt32BE(0) !== 0x7f454c46) return undefined;
    const is64 = head[4] === 2;
    const le = head[5] === 1;
    const u16 = (b: Buffer, o: number) => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
    const u32 = (b: Buffer, o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
    const word = (b: Buffer, o: number) =>
      is64 ? Number(le ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o)) : u32(b, o);
    const phoff = word(head, is64 ? 32 : 28);
    const phentsize = u16(head, is64 ? 54 : 42);
    const phnum = u16(head, is64 ? 56 : 44);
    if (phnum === 0 || phentsize === 0 || phnum > 256) return undefined;
    const table = Buffer.alloc(phentsize * phnum);
    fs.readSync(fd, table, 0, table.length, phoff);
    for (let i = 0; i < phnum; i++) {
      const entry = i * phentsize;
      const PT_INTERP = 3;
      if (u32(table, entry) !== PT_INTERP) continue;
      const offset = word(table, entry + (is64 ? 8 : 4));
      const size = word(table, entry + (is64 ? 32 : 16));
      if (size <= 1 || size > 4096) return undefined;
      const name = Buffer.alloc(size);
      fs.readSync(fd, name, 0, size, offset);
      return name.toString('latin1', 0, size - 1);
    }
    return undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

let cachedLibc: { value: Libc | undefined } | undefined;

/**
 * The C library of this process on Linux, or `undefined` on other systems.
 *
 * Reading the running executable's ELF interpreter costs a few file reads;
 * `process.report.getReport()`, the fallback for a static or unreadable
 * executable, costs 5–20 ms, which would dominate `require`. The answer is
 * cached for the life of the process.
 *
 * @returns `glibc` or `musl` on Linux, else `undefined`.
 * @example
 * ```ts
 * if (detectLibc() === 'musl') console.log('Alpine or another musl system');
 * ```
 */
export function detectLibc(): Libc | undefined {
  if (cachedLibc) return cachedLibc.value;
  let value: Libc | undefined;
  if (process.platform === 'linux') {
    const interpreter = elfInterpreter(process.execPath);
    if (interpreter && /ld-musl-/.test(interpreter)) value = 'musl';
    else if (interpreter && /ld-linux[-.]/.test(interpreter)) value = 'glibc';
    else value = libcFromReport();
  }
  cachedLibc = { value };
  return value;
}

function libcFromReport(): Libc {
  try {
    const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
    // musl's report carries no glibc version.
    return report?.header?.glibcVersionRuntime ? 'glibc' : 'musl';
  } catch {
    return 'glibc'; // no report available: assume the common case
  }
}

/**
 * The paths the loader tries, in order, for this process.
 *
 * @param root - The package directory; defaults to the installed package.
 * @returns `$ENGRAM_ARENA_BINARY` alone when it is set; otherwise the C-library
 *   specific prebuild, the generic prebuild, then a local build.
 */
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

/**
 * Loads the first candidate binary that exists and loads.
 *
 * @param root - The package directory; defaults to the installed package.
 * @returns The addon's exports.
 * @throws An `Error` with code `ERR_ARENA_BINARY_NOT_FOUND` naming the
 *   platform, architecture, C library, Node-API version, every path tried
 *   (and why each failed) and the command that builds the addon from source.
 */
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
    'The package ships prebuilt binaries for the platforms listed under "Supported platforms" in its README.',
    'To build one for this machine from source (needs Zig 0.14, CMake, a C++17 compiler, make or ninja, and the',
    'npm packages cmake-js, node-addon-api and node-api-headers; the command names any that are missing), run:',
    `  ${buildCommand(root)}`,
    'ENGRAM_ARENA_BINARY=/path/to/engram_arena.node loads a specific binary instead.',
  ].join('\n');
  const cause = errors.length === 1 ? errors[0] : errors.length ? new AggregateError(errors) : undefined;
  const error = new Error(message, { cause });
  const code: Code = 'ERR_ARENA_BINARY_NOT_FOUND';
  (error as Error & { code: string }).code = code;
  throw error;
}
