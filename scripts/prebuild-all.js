#!/usr/bin/env node
'use strict';
// `npm run prebuild:all`: cross-compiles the addon for every supported
// platform from one machine with Zig alone. Per target, `zig build` makes the
// allocator library and `zig c++` compiles the Node-API shim in native/ and
// links it with that library (libc++ linked statically, debug info stripped)
// into prebuilds/<platform>-<arch>/engram-arena.napi[.<libc>].node, where the
// loader looks. Each binary is then checked by scripts/verify-prebuild.js.
//
//   node scripts/prebuild-all.js                   every target
//   node scripts/prebuild-all.js linux-arm64-glibc win32-x64   some of them
//   node scripts/prebuild-all.js --no-verify       skip the checks
//   node scripts/prebuild-all.js --list            print the targets
//
// Work files go to build/cross/<target>/; Zig caches in .zig-cache and in its
// global cache, so a second run only relinks what changed.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');

/**
 * The eight prebuilds. `zig` is the Zig target triple: the glibc builds name
 * glibc 2.17 (CentOS 7, Amazon Linux 2) so that they load on old
 * distributions; macOS names the oldest release the Node versions in
 * `engines` run on (10.15 on Intel, 11 on Apple silicon).
 */
const TARGETS = [
  { platform: 'linux', arch: 'x64', libc: 'glibc', zig: 'x86_64-linux-gnu.2.17', glibc: '2.17' },
  { platform: 'linux', arch: 'x64', libc: 'musl', zig: 'x86_64-linux-musl' },
  { platform: 'linux', arch: 'arm64', libc: 'glibc', zig: 'aarch64-linux-gnu.2.17', glibc: '2.17' },
  { platform: 'linux', arch: 'arm64', libc: 'musl', zig: 'aarch64-linux-musl' },
  { platform: 'darwin', arch: 'x64', zig: 'x86_64-macos.10.15' },
  { platform: 'darwin', arch: 'arm64', zig: 'aarch64-macos.11.0' },
  { platform: 'win32', arch: 'x64', zig: 'x86_64-windows-gnu' },
  { platform: 'win32', arch: 'arm64', zig: 'aarch64-windows-gnu' },
].map((target) => ({ ...target, id: [target.platform, target.arch, target.libc].filter(Boolean).join('-') }));

// The definitions CMakeLists.txt gives the shim (native/defines.txt);
// BUILDING_NODE_EXTENSION makes node_api.h declare the napi_* functions
// dllimport on Windows.
const DEFINES = [
  ...fs.readFileSync(path.join(root, 'native', 'defines.txt'), 'utf8').split('\n').map((line) => line.trim()).filter(Boolean),
  'BUILDING_NODE_EXTENSION',
  'NDEBUG',
];

/** The symbols a Node-API addon exports; everything else stays local. */
const EXPORTS = ['napi_register_module_v1', 'node_api_module_get_api_version_v1'];

function loader() {
  const file = path.join(root, 'dist', 'loader.js');
  if (!fs.existsSync(file)) {
    throw new Error('dist/loader.js is missing: run `npx tsc -p .` first (`npm run prebuild:all` does).');
  }
  return require(file);
}

/** Where the prebuild of `target` goes (the loader's own naming). */
function outputPath(target, base = root) {
  return loader().prebuildPath(target.platform, target.arch, target.libc, base);
}

/** Where the linker writes the binary of `target` before it is copied into prebuilds/. */
function workPath(target) {
  return path.join(root, 'build', 'cross', target.id, path.basename(outputPath(target)));
}

function zigPath() {
  return require('./zig.js').locateZig();
}

function run(command, args, options = {}) {
  const shown = [path.relative(root, command) || command, ...args.map((a) => (a.startsWith(root) ? path.relative(root, a) : a))];
  if (!options.quiet) console.log(`$ ${shown.join(' ')}`);
  const result = spawnSync(command, args, { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
  // clang repeats a harmless "argument unused" warning for every libc++ file.
  const stderr = (result.stderr || '')
    .split('\n')
    .filter((line) => !/warning: argument unused during compilation/.test(line))
    .join('\n')
    .trim();
  if (result.status !== 0) {
    throw new Error(`${shown.join(' ')} failed (${result.error ? result.error.message : `exit ${result.status}`})\n${stderr}`);
  }
  if (stderr) console.error(stderr);
  return result.stdout;
}

/** `zig build` of the allocator library for `target`; returns the archive. */
function buildLibrary(zig, target, workDir) {
  const prefix = path.join(workDir, 'zig-out');
  run(zig, ['build', `-Dtarget=${target.zig}`, '-Dcpu=baseline', '-Doptimize=ReleaseFast', '--prefix', prefix]);
  const name = target.platform === 'win32' ? 'engram_arena.lib' : 'libengram_arena.a';
  const archive = path.join(prefix, 'lib', name);
  if (!fs.existsSync(archive)) throw new Error(`zig build produced no ${archive}`);
  return archive;
}

/** Every napi_* / node_api_* function of Node-API 8, from node-api-headers. */
function nodeApiFunctions() {
  const { symbols } = require(require.resolve('node-api-headers', { paths: [root] }));
  return [...symbols.v8.js_native_api_symbols, ...symbols.v8.node_api_symbols].sort();
}

/**
 * The Windows binaries' source of Node-API: a C++ file, written next to the
 * work files, that defines the import slots (`__imp_napi_*`) the shim's
 * dllimport calls go through and fills them from the host executable when the
 * DLL is attached. Linking against node.exe's import library instead would
 * bind the DLL to a file named NODE.EXE, so it would not load in Electron, a
 * single-executable application or a renamed node.exe; MSVC builds solve
 * that with /DELAYLOAD and a hook, which Zig's MinGW linker does not offer.
 * A function the host lacks is bound to a stub that says so and aborts,
 * rather than to a null pointer.
 */
function hostNodeApiSource(workDir) {
  const names = nodeApiFunctions();
  const file = path.join(workDir, 'node_api_from_host.cc');
  const lines = [
    '// Written by scripts/prebuild-all.js (hostNodeApiSource); see there for why.',
    '#define WIN32_LEAN_AND_MEAN',
    '#include <windows.h>',
    '#include <stdio.h>',
    '#include <stdlib.h>',
    '',
    'extern "C" {',
    'static void node_api_missing(void) {',
    '  fputs("engram-arena: the host process does not export a Node-API function that the addon called\\n", stderr);',
    '  abort();',
    '}',
    '',
    ...names.map((name) => `void *__imp_${name} = (void *)&node_api_missing;`),
    '',
    'static const struct { const char *name; void **slot; } node_api_slots[] = {',
    ...names.map((name) => `  {"${name}", &__imp_${name}},`),
    '};',
    '',
    'BOOL WINAPI DllMain(HINSTANCE instance, DWORD reason, LPVOID reserved) {',
    '  (void)instance;',
    '  (void)reserved;',
    '  if (reason != DLL_PROCESS_ATTACH) return TRUE;',
    '  // The executable that loads the addon exports Node-API, whatever its name.',
    '  HMODULE host = GetModuleHandleW(NULL);',
    '  for (size_t i = 0; i < sizeof node_api_slots / sizeof node_api_slots[0]; i++) {',
    '    FARPROC found = GetProcAddress(host, node_api_slots[i].name);',
    '    if (found) *node_api_slots[i].slot = (void *)found;',
    '  }',
    '  return TRUE;',
    '}',
    '}',
    '',
  ];
  fs.writeFileSync(file, lines.join('\n'));
  return file;
}

/**
 * What each platform adds to the link: how Node-API is found at load time,
 * and (ELF) the version script that keeps the exports to its entry points.
 */
function linkInputs(target, workDir) {
  if (target.platform === 'linux') {
    const script = path.join(workDir, 'exports.map');
    fs.writeFileSync(script, `{\n  global:\n    ${EXPORTS.join(';\n    ')};\n  local: *;\n};\n`);
    return [`-Wl,--version-script=${script}`, '-Wl,-z,noexecstack', '-Wl,-z,relro', '-Wl,-z,now'];
  }
  if (target.platform === 'darwin') {
    // napi_* resolve at load time against the node executable.
    return ['-Wl,-undefined,dynamic_lookup'];
  }
  if (target.platform === 'win32') {
    return [hostNodeApiSource(workDir)];
  }
  throw new Error(`no link recipe for ${target.platform}`);
}

/** `zig c++` of the shim, linked with the library, into the prebuild path. */
function buildAddon(zig, target, archive, workDir) {
  const include = (pkg, sub = '') =>
    path.join(path.dirname(require.resolve(`${pkg}/package.json`, { paths: [root] })), sub);
  const sources = fs
    .readdirSync(path.join(root, 'native'))
    .filter((file) => file.endsWith('.cc'))
    .sort()
    .map((file) => path.join(root, 'native', file));
  const output = outputPath(target);
  const linked = workPath(target);
  run(zig, [
    'c++',
    '-target',
    target.zig,
    '-mcpu=baseline',
    '-shared',
    '-O2',
    '-g0',
    '-std=c++17',
    '-fvisibility=hidden',
    '-fvisibility-inlines-hidden',
    '-Wno-unused-command-line-argument',
    ...DEFINES.map((define) => `-D${define}`),
    `-I${include('node-api-headers', 'include')}`,
    `-I${include('node-addon-api')}`,
    `-I${path.join(root, 'zig', 'include')}`,
    ...sources,
    archive,
    ...linkInputs(target, workDir),
    '-s',
    '-o',
    linked,
  ]);
  // Copy then rename, so that a reader (npm pack, the loader) never sees half a file.
  fs.mkdirSync(path.dirname(output), { recursive: true });
  const partial = `${output}.${process.pid}.tmp`;
  fs.copyFileSync(linked, partial);
  fs.renameSync(partial, output);
  return output;
}

function buildTarget(zig, target) {
  const started = Date.now();
  const workDir = path.join(root, 'build', 'cross', target.id);
  fs.mkdirSync(workDir, { recursive: true });
  console.log(`\n== ${target.id} (${target.zig})`);
  const archive = buildLibrary(zig, target, workDir);
  const output = buildAddon(zig, target, archive, workDir);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`engram-arena: ${path.relative(root, output)} ${fs.statSync(output).size} bytes (${seconds} s)`);
  return output;
}

function selectTargets(names) {
  if (names.length === 0) return TARGETS;
  return names.map((name) => {
    const target = TARGETS.find((t) => t.id === name || t.zig === name);
    if (!target) throw new Error(`unknown target ${name}; known: ${TARGETS.map((t) => t.id).join(', ')}`);
    return target;
  });
}

function main(argv) {
  const flags = argv.filter((arg) => arg.startsWith('--'));
  const names = argv.filter((arg) => !arg.startsWith('--'));
  if (flags.includes('--list')) {
    for (const target of TARGETS) console.log(`${target.id}\t${target.zig}\t${path.relative(root, outputPath(target))}`);
    return 0;
  }
  const zig = zigPath();
  const built = selectTargets(names).map((target) => ({ target, file: buildTarget(zig, target) }));
  if (flags.includes('--no-verify')) return 0;
  const { verifyPrebuild, formatReport } = require('./verify-prebuild.js');
  let failures = 0;
  console.log('');
  for (const { target, file } of built) {
    const report = verifyPrebuild(file, target, { zig });
    console.log(formatReport(report, root));
    if (report.problems.length) failures += 1;
  }
  if (failures) {
    console.error(`engram-arena: ${failures} prebuild(s) failed verification`);
    return 1;
  }
  return 0;
}

module.exports = { TARGETS, DEFINES, EXPORTS, outputPath, workPath, selectTargets };

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (err) {
    console.error(`engram-arena: ${err.message}`);
    process.exitCode = 1;
  }
}
