'use strict';
// The rules a prebuild must pass, judged on what the format readers in this
// folder report, without running the binary. A binary passes when:
//   - its format, machine and word size are the target's (ELF/Mach-O/PE,
//     x86_64/aarch64/armv7; armv7 with the EABI5 hard-float ABI);
//   - it exports napi_register_module_v1 (and nothing but Node-API entry points);
//   - everything it imports is libc (glibc's, musl's, libSystem, the UCRT and
//     kernel32), the C++ runtime, or napi_*/node_api_* functions that exist in
//     Node-API 8 (the level the shim is compiled for);
//   - the libraries it needs are only those (no libstdc++, libc++ or
//     libgcc_s: the C++ runtime is linked in statically);
//   - Windows builds import nothing from NODE.EXE (a DLL that does loads only
//     in a host with that file name) and instead look Node-API up in the host
//     executable: they import GetModuleHandleW and GetProcAddress and carry
//     the name of every Node-API function they call;
//   - glibc builds need no symbol version newer than the target's (2.17);
//   - it carries no debug info, and ELF builds neither ask for an executable
//     stack (newer glibc refuses to dlopen those) nor for static TLS.
const fs = require('node:fs');
const path = require('node:path');
const { parseBinary } = require('./binary.js');
const { targetId } = require('../targets.js');

const root = path.join(__dirname, '..', '..');

const FORMAT_OF_PLATFORM = { linux: 'elf', darwin: 'macho', win32: 'pe' };

/** Libraries an addon may need, per libc flavour. */
const ALLOWED_LIBRARIES = {
  glibc: [
    /^libc\.so\.6$/,
    /^libm\.so\.6$/,
    /^libpthread\.so\.0$/,
    /^libdl\.so\.2$/,
    /^librt\.so\.1$/,
    /^ld-linux-(x86-64|aarch64|armhf)\.so\.[123]$/,
  ],
  musl: [/^libc\.so$/, /^libc\.musl-(x86_64|aarch64|armhf)\.so\.1$/, /^ld-musl-(x86_64|aarch64|armhf)\.so\.1$/],
  darwin: [/^\/usr\/lib\/libSystem\.B\.dylib$/, /^\/usr\/lib\/libc\+\+\.1\.dylib$/, /^\/usr\/lib\/libc\+\+abi\.dylib$/],
  // The UCRT (api-ms-win-crt-*, ucrtbase or the older msvcrt) and the kernel.
  win32: [
    /^kernel32\.dll$/i,
    /^ntdll\.dll$/i,
    /^api-ms-win-crt-[a-z0-9-]+\.dll$/i,
    /^api-ms-win-core-[a-z0-9-]+\.dll$/i,
    /^ucrtbase\.dll$/i,
    /^msvcrt\.dll$/i,
  ],
};

/** Word size per Node arch; anything not listed is 64-bit. */
const BITS_OF_ARCH = { arm: 32, ia32: 32 };
const EF_ARM_EABIMASK = 0xff000000;
const EF_ARM_EABI_VER5 = 0x05000000;
const EF_ARM_ABI_FLOAT_HARD = 0x400;

const NODE_API_PREFIX = /^(napi_|node_api_)/;
const NODE_API_EXPORTS = ['napi_register_module_v1', 'node_api_module_get_api_version_v1'];

function compareVersions(a, b) {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] || 0) - (pb[i] || 0);
    if (d) return d;
  }
  return 0;
}

// -------------------------------------------------------- libc symbol lists

const symbolLists = new Map();

function zigLibDir(zig) {
  const exe = zig || require('../zig.js').locateZig();
  return path.join(path.dirname(exe), 'lib');
}

/** Names musl's libc.so exports, from the stub Zig links musl targets against. */
function muslSymbols(zig) {
  const key = `musl:${zig}`;
  if (!symbolLists.has(key)) {
    const text = fs.readFileSync(path.join(zigLibDir(zig), 'libc', 'musl', 'libc.S'), 'utf8');
    symbolLists.set(key, new Set([...text.matchAll(/^\.(?:globl|weak)\s+([A-Za-z0-9_$.]+)/gm)].map((m) => m[1])));
  }
  return symbolLists.get(key);
}

/** Names libSystem exports, from the .tbd Zig links macOS targets against. */
function darwinSymbols(zig) {
  const key = `darwin:${zig}`;
  if (!symbolLists.has(key)) {
    const text = fs.readFileSync(path.join(zigLibDir(zig), 'libc', 'darwin', 'libSystem.tbd'), 'utf8');
    // Every identifier in the file (a superset of the symbol lists), as the
    // importer names it: without the leading underscore of C symbols.
    const names = [...text.matchAll(/(?<=[\s[,'])([A-Za-z_$][A-Za-z0-9_$.]*)/g)].map((m) => m[1]);
    symbolLists.set(key, new Set(names.map((name) => (name.startsWith('_') ? name.slice(1) : name))));
  }
  return symbolLists.get(key);
}

/** Every napi_* / node_api_* function available at Node-API 8. */
function nodeApiSymbols() {
  const { symbols } = require(require.resolve('node-api-headers', { paths: [root] }));
  const level = symbols.v8;
  return new Set([...level.js_native_api_symbols, ...level.node_api_symbols]);
}

// ------------------------------------------------------------ verification

/**
 * Verifies one prebuild against its target ({platform, arch, libc, glibc}).
 * Returns the parsed facts and `problems`, an empty list when it passes.
 */
function verifyPrebuild(file, target, options = {}) {
  const report = { file, target: target.id || targetId(target), problems: [] };
  report.notes = [];
  const problem = (text) => report.problems.push(text);
  const note = (text) => report.notes.push(text);
  let info;
  let buffer;
  try {
    buffer = fs.readFileSync(file);
    report.size = buffer.length;
    info = parseBinary(buffer);
  } catch (err) {
    problem(`cannot read ${file}: ${err.message}`);
    return report;
  }
  Object.assign(report, info);

  const wantFormat = FORMAT_OF_PLATFORM[target.platform];
  if (info.format !== wantFormat) problem(`format is ${info.format}, expected ${wantFormat}`);
  if (info.arch !== target.arch) problem(`machine is ${info.arch}, expected ${target.arch}`);
  const bits = BITS_OF_ARCH[target.arch] || 64;
  if (info.bits !== bits) problem(`${info.bits}-bit image, expected ${bits}-bit`);
  if (info.format === 'elf' && info.arch === 'arm') {
    // Debian's armhf and Node's linux-armv7l: the EABI version 5 calling
    // convention with floats in VFP registers. A soft-float binary links
    // against the same libc names but passes doubles wrongly.
    if ((info.flags & EF_ARM_EABIMASK) !== EF_ARM_EABI_VER5)
      problem(`ARM EABI version ${(info.flags & EF_ARM_EABIMASK) >>> 24}, expected 5`);
    if (!(info.flags & EF_ARM_ABI_FLOAT_HARD)) problem('ARM soft-float ABI, expected hard-float (armhf)');
  }
  if (!info.shared) problem('not a shared library');

  if (!info.exports.includes('napi_register_module_v1')) problem('napi_register_module_v1 is not exported');
  // ELF: the version script keeps everything else local, which matters there
  // (one flat symbol namespace). Zig's Mach-O linker has no
  // -exported_symbols_list and MinGW's libunwind marks its API dllexport;
  // under Mach-O's two-level namespace and PE's per-DLL imports those
  // exports bind nothing else in the process, so they are only noted.
  const extra = info.exports.filter((name) => !NODE_API_EXPORTS.includes(name));
  const extraText = `exports more than the Node-API entry points: ${extra.slice(0, 8).join(', ')}${extra.length > 8 ? ` and ${extra.length - 8} more` : ''}`;
  if (extra.length) (info.format === 'elf' ? problem : note)(extraText);

  const flavour = target.platform === 'linux' ? target.libc : target.platform;
  const allowedLibs = ALLOWED_LIBRARIES[flavour] || [];
  for (const lib of info.libraries) {
    if (!allowedLibs.some((re) => re.test(lib)))
      problem(`needs library ${lib}, which is not the system C library or runtime`);
  }

  const napi = nodeApiSymbols();
  const zig = options.zig;
  const libcNames = flavour === 'musl' ? muslSymbols(zig) : flavour === 'darwin' ? darwinSymbols(zig) : null;
  const bad = [];
  for (const imp of info.imports) {
    const { name } = imp;
    if (NODE_API_PREFIX.test(name)) {
      if (!napi.has(name)) bad.push(`${name} (not in Node-API 8)`);
      else if (info.format === 'pe')
        bad.push(`${name} (imported from ${imp.from}: binds the DLL to a host of that file name)`);
      else if (info.format === 'elf' && imp.version) bad.push(`${name} (versioned ${imp.version})`);
      else if (info.format === 'macho' && imp.from !== 'dynamic lookup') bad.push(`${name} (bound to ${imp.from})`);
      continue;
    }
    if (flavour === 'glibc') {
      if (imp.version?.startsWith('GLIBC_')) continue;
      if (!imp.version && imp.weak) continue; // e.g. __gmon_start__: may stay unresolved
      bad.push(`${name}${imp.version ? `@${imp.version}` : ' (unversioned)'}`);
    } else if (flavour === 'musl') {
      if (libcNames.has(name) || imp.weak) continue;
      bad.push(`${name} (not in musl's libc)`);
    } else if (flavour === 'darwin') {
      if (imp.from === 'dynamic lookup' || imp.from === 'main executable') bad.push(`${name} (left to dynamic lookup)`);
      else if (!libcNames.has(name) && !/libc\+\+/.test(imp.from)) bad.push(`${name} (not in libSystem)`);
    } else if (flavour === 'win32') {
      if (/\.exe$/i.test(imp.from)) bad.push(`${name} (from ${imp.from})`);
    }
  }
  if (bad.length) problem(`imports outside libc, the C++ runtime and Node-API: ${bad.join(', ')}`);
  if (info.format === 'pe') {
    for (const needed of ['GetModuleHandleW', 'GetProcAddress']) {
      if (!info.imports.some((imp) => imp.name === needed && /^kernel32\.dll$/i.test(imp.from))) {
        problem(`does not import ${needed} from kernel32.dll, so it cannot look Node-API up in its host`);
      }
    }
    report.hostLookups = [...napi].filter((name) => buffer.includes(`${name}\0`)).sort();
    if (!report.hostLookups.includes('napi_get_arraybuffer_info')) {
      problem('carries no Node-API function names to look up in its host');
    }
  }

  if (flavour === 'glibc') {
    const newest = info.glibcVersions
      .map((v) => v.slice('GLIBC_'.length))
      .filter((v) => /^[0-9.]+$/.test(v))
      .sort(compareVersions)
      .pop();
    report.glibcMax = newest || null;
    const limit = target.glibc || '2.17';
    if (newest && compareVersions(newest, limit) > 0)
      problem(`needs GLIBC_${newest}, newer than the target's ${limit}`);
    const odd = info.glibcVersions.filter((v) => !/^GLIBC_[0-9.]+$/.test(v));
    if (odd.length) problem(`needs private glibc versions: ${odd.join(', ')}`);
  }
  if (info.debugSections.length) problem(`carries debug info: ${info.debugSections.join(', ')}`);
  if (info.format === 'pe' && info.debugDirectory.some((type) => type !== 16))
    note(`debug directory entries of types ${info.debugDirectory.join(', ')} (the debug info itself is checked above)`);
  if (info.format === 'elf') {
    if (info.execStack) problem('asks for an executable stack (glibc 2.41+ refuses to dlopen it)');
    if (info.staticTls) problem('uses static TLS (DF_STATIC_TLS), which dlopen may refuse');
    if (info.textrel) problem('has text relocations');
  }
  return report;
}

/** One paragraph per binary, for logs. */
function formatReport(report, base = root) {
  const rel = path.relative(base, report.file) || report.file;
  const lines = [`${report.problems.length ? 'FAIL' : 'ok  '} ${report.target}: ${rel}`];
  if (report.format) {
    const shown = report.exports.filter((name) => NODE_API_EXPORTS.includes(name));
    const others = report.exports.length - shown.length;
    const facts = [
      `${report.format} ${report.arch}`,
      `${report.size} bytes`,
      `exports ${shown.join(', ') || 'no Node-API entry point'}${others ? ` (+${others} others)` : ''}`,
    ];
    if (report.glibcMax) facts.push(`glibc >= ${report.glibcMax}`);
    if (report.minOs) facts.push(`macOS >= ${report.minOs}`);
    lines.push(`     ${facts.join('; ')}`);
    lines.push(
      `     needs ${report.libraries.join(', ') || 'no libraries'}; ${report.imports.length} imports (${report.imports.filter((i) => NODE_API_PREFIX.test(i.name)).length} Node-API)`,
    );
    if (report.hostLookups)
      lines.push(`     looks up ${report.hostLookups.length} Node-API functions in the host executable`);
  }
  for (const n of report.notes || []) lines.push(`     note: ${n}`);
  for (const p of report.problems) lines.push(`     problem: ${p}`);
  return lines.join('\n');
}

module.exports = { verifyPrebuild, formatReport, compareVersions, ALLOWED_LIBRARIES, NODE_API_EXPORTS };
