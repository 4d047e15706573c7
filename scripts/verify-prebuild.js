#!/usr/bin/env node
'use strict';
// Checks a prebuilt addon without running it: small parsers for ELF, Mach-O
// and PE (no binutils needed, so it runs on any machine) read the file format,
// the CPU, the exported Node-API entry point, the libraries and symbols the
// binary needs from outside, the glibc symbol versions and leftover debug info.
//
//   node scripts/verify-prebuild.js                   every prebuild present
//   node scripts/verify-prebuild.js FILE TARGET-ID     one file, e.g. linux-arm64-glibc
//
// A binary passes when:
//   - its format and machine are the target's (ELF/Mach-O/PE, x86_64/aarch64);
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

const root = path.join(__dirname, '..');

const MACHINES = {
  elf: { 62: 'x64', 183: 'arm64', 3: 'ia32', 40: 'arm' },
  macho: { 0x01000007: 'x64', 0x0100000c: 'arm64', 7: 'ia32', 12: 'arm' },
  pe: { 0x8664: 'x64', 0xaa64: 'arm64', 0x14c: 'ia32' },
};

const FORMAT_OF_PLATFORM = { linux: 'elf', darwin: 'macho', win32: 'pe' };

/** Libraries an addon may need, per libc flavour. */
const ALLOWED_LIBRARIES = {
  glibc: [/^libc\.so\.6$/, /^libm\.so\.6$/, /^libpthread\.so\.0$/, /^libdl\.so\.2$/, /^librt\.so\.1$/, /^ld-linux-(x86-64|aarch64)\.so\.[12]$/],
  musl: [/^libc\.so$/, /^libc\.musl-(x86_64|aarch64)\.so\.1$/, /^ld-musl-(x86_64|aarch64)\.so\.1$/],
  darwin: [/^\/usr\/lib\/libSystem\.B\.dylib$/, /^\/usr\/lib\/libc\+\+\.1\.dylib$/, /^\/usr\/lib\/libc\+\+abi\.dylib$/],
  // The UCRT (api-ms-win-crt-*, ucrtbase or the older msvcrt) and the kernel.
  win32: [/^kernel32\.dll$/i, /^ntdll\.dll$/i, /^api-ms-win-crt-[a-z0-9-]+\.dll$/i, /^api-ms-win-core-[a-z0-9-]+\.dll$/i, /^ucrtbase\.dll$/i, /^msvcrt\.dll$/i],
};

const NODE_API_PREFIX = /^(napi_|node_api_)/;
const NODE_API_EXPORTS = ['napi_register_module_v1', 'node_api_module_get_api_version_v1'];

// ---------------------------------------------------------------- utilities

class Reader {
  constructor(buffer, little = true) {
    this.b = buffer;
    this.little = little;
  }
  u8(o) { return this.b.readUInt8(o); }
  u16(o) { return this.little ? this.b.readUInt16LE(o) : this.b.readUInt16BE(o); }
  u32(o) { return this.little ? this.b.readUInt32LE(o) : this.b.readUInt32BE(o); }
  u64(o) {
    const v = this.little ? this.b.readBigUInt64LE(o) : this.b.readBigUInt64BE(o);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`64-bit value at ${o} too large`);
    return Number(v);
  }
  cstr(o, end = this.b.length) {
    let e = o;
    while (e < end && this.b[e] !== 0) e++;
    return this.b.toString('latin1', o, e);
  }
}

function compareVersions(a, b) {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] || 0) - (pb[i] || 0);
    if (d) return d;
  }
  return 0;
}

// --------------------------------------------------------------------- ELF

const SHT_DYNSYM = 11;
const SHT_DYNAMIC = 6;
const SHT_GNU_VERSYM = 0x6fffffff;
const SHT_GNU_VERNEED = 0x6ffffffe;
const PT_GNU_STACK = 0x6474e551;
const DT_NEEDED = 1;
const DT_FLAGS = 30;
const DF_STATIC_TLS = 0x10;
const DF_TEXTREL = 0x4;
const DT_TEXTREL = 22;

function parseElf(buffer) {
  const elfClass = buffer[4];
  const r = new Reader(buffer, buffer[5] === 1);
  const is64 = elfClass === 2;
  if (!is64 && elfClass !== 1) throw new Error(`unknown ELF class ${elfClass}`);
  const word = (o) => (is64 ? r.u64(o) : r.u32(o));
  const header = {
    type: r.u16(16),
    machine: r.u16(18),
    phoff: word(is64 ? 32 : 28),
    shoff: word(is64 ? 40 : 32),
    phentsize: r.u16(is64 ? 54 : 42),
    phnum: r.u16(is64 ? 56 : 44),
    shentsize: r.u16(is64 ? 58 : 46),
    shnum: r.u16(is64 ? 60 : 48),
    shstrndx: r.u16(is64 ? 62 : 50),
  };
  const sections = [];
  for (let i = 0; i < header.shnum; i++) {
    const o = header.shoff + i * header.shentsize;
    sections.push(
      is64
        ? { nameOff: r.u32(o), type: r.u32(o + 4), offset: r.u64(o + 24), size: r.u64(o + 32), link: r.u32(o + 40), info: r.u32(o + 44), entsize: r.u64(o + 56) }
        : { nameOff: r.u32(o), type: r.u32(o + 4), offset: r.u32(o + 16), size: r.u32(o + 20), link: r.u32(o + 24), info: r.u32(o + 28), entsize: r.u32(o + 36) },
    );
  }
  const shstr = sections[header.shstrndx];
  for (const s of sections) s.name = shstr ? r.cstr(shstr.offset + s.nameOff) : '';
  const str = (section, off) => r.cstr(sections[section.link].offset + off);

  // Versions needed: index -> { name, file }.
  const versionNames = new Map();
  const verneed = sections.find((s) => s.type === SHT_GNU_VERNEED);
  if (verneed) {
    let o = verneed.offset;
    for (let n = 0; n < verneed.info; n++) {
      const cnt = r.u16(o + 2);
      const file = str(verneed, r.u32(o + 4));
      let a = o + r.u32(o + 8);
      for (let k = 0; k < cnt; k++) {
        versionNames.set(r.u16(a + 6) & 0x7fff, { name: str(verneed, r.u32(a + 8)), file });
        const next = r.u32(a + 12);
        if (!next) break;
        a += next;
      }
      const next = r.u32(o + 12);
      if (!next) break;
      o += next;
    }
  }

  const dynsym = sections.find((s) => s.type === SHT_DYNSYM);
  const versym = sections.find((s) => s.type === SHT_GNU_VERSYM);
  const symbols = [];
  if (dynsym) {
    const size = dynsym.entsize || (is64 ? 24 : 16);
    for (let i = 1; i < dynsym.size / size; i++) {
      const o = dynsym.offset + i * size;
      const info = is64 ? r.u8(o + 4) : r.u8(o + 12);
      const other = is64 ? r.u8(o + 5) : r.u8(o + 13);
      const shndx = is64 ? r.u16(o + 6) : r.u16(o + 14);
      const versionIndex = versym ? r.u16(versym.offset + i * 2) & 0x7fff : 1;
      symbols.push({
        name: str(dynsym, r.u32(o)),
        bind: ['LOCAL', 'GLOBAL', 'WEAK'][info >> 4] || `BIND${info >> 4}`,
        type: info & 0xf,
        visibility: other & 3,
        defined: shndx !== 0,
        version: versionNames.get(versionIndex) || null,
      });
    }
  }

  const needed = [];
  let flags = 0;
  let textrel = false;
  const dynamic = sections.find((s) => s.type === SHT_DYNAMIC);
  if (dynamic) {
    const size = is64 ? 16 : 8;
    for (let o = dynamic.offset; o < dynamic.offset + dynamic.size; o += size) {
      const tag = word(o);
      const val = word(o + (is64 ? 8 : 4));
      if (tag === 0) break;
      if (tag === DT_NEEDED) needed.push(str(dynamic, val));
      if (tag === DT_FLAGS) flags = val;
      if (tag === DT_TEXTREL) textrel = true;
    }
  }

  let execStack = null;
  for (let i = 0; i < header.phnum; i++) {
    const o = header.phoff + i * header.phentsize;
    if (r.u32(o) === PT_GNU_STACK) execStack = ((is64 ? r.u32(o + 4) : r.u32(o + 24)) & 1) === 1;
  }

  return {
    format: 'elf',
    bits: is64 ? 64 : 32,
    machineCode: header.machine,
    arch: MACHINES.elf[header.machine] || `elf-machine-${header.machine}`,
    shared: header.type === 3,
    exports: symbols.filter((s) => s.defined && s.bind !== 'LOCAL' && s.visibility === 0).map((s) => s.name),
    imports: symbols
      .filter((s) => !s.defined && s.name)
      .map((s) => ({ name: s.name, weak: s.bind === 'WEAK', version: s.version ? s.version.name : null, from: s.version ? s.version.file : null })),
    libraries: needed,
    debugSections: sections.filter((s) => /^\.(z?debug_|gdb_index|stab)/.test(s.name)).map((s) => s.name),
    execStack: execStack === null ? true : execStack, // no PT_GNU_STACK: the loader assumes an executable stack
    staticTls: (flags & DF_STATIC_TLS) !== 0,
    textrel: textrel || (flags & DF_TEXTREL) !== 0,
    glibcVersions: [...new Set([...versionNames.values()].map((v) => v.name).filter((n) => n.startsWith('GLIBC_')))],
  };
}

// ------------------------------------------------------------------ Mach-O

const LC_SYMTAB = 0x2;
const LC_SEGMENT_64 = 0x19;
const LC_BUILD_VERSION = 0x32;
const LC_VERSION_MIN_MACOSX = 0x24;
const LC_DYLD_INFO = 0x22;
const LC_DYLD_INFO_ONLY = 0x80000022;
const LC_DYLD_EXPORTS_TRIE = 0x80000033;
const LC_DYLD_CHAINED_FIXUPS = 0x80000034;
const DYLIB_COMMANDS = new Set([0xc, 0x80000018, 0x8000001f, 0x20, 0x80000023]);

function machoVersion(v) {
  return `${v >>> 16}.${(v >> 8) & 0xff}.${v & 0xff}`;
}

function uleb(b, state) {
  let result = 0;
  let shift = 0;
  for (;;) {
    const byte = b[state.o++];
    result += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if (!(byte & 0x80)) return result;
  }
}

/** Symbol -> library ordinal from dyld bind opcodes (bind, weak and lazy). */
function machoBindings(b, start, size, into) {
  const state = { o: start };
  const end = start + size;
  let ordinal = 0;
  let symbol = null;
  const bind = () => {
    if (symbol !== null && !into.has(symbol)) into.set(symbol, ordinal);
  };
  while (state.o < end) {
    const byte = b[state.o++];
    const op = byte & 0xf0;
    const imm = byte & 0x0f;
    switch (op) {
      case 0x00: break; // DONE (lazy binding info separates entries with it)
      case 0x10: ordinal = imm; break;
      case 0x20: ordinal = uleb(b, state); break;
      case 0x30: ordinal = imm === 0 ? 0 : (imm | 0xf0) - 0x100; break; // -1 main, -2 flat lookup, -3 weak lookup
      case 0x40: {
        let e = state.o;
        while (b[e] !== 0) e++;
        symbol = b.toString('latin1', state.o, e);
        state.o = e + 1;
        break;
      }
      case 0x50: break; // type
      case 0x60: uleb(b, state); break; // addend (sign ignored)
      case 0x70: uleb(b, state); break; // segment and offset
      case 0x80: uleb(b, state); break; // add address
      case 0x90: bind(); break;
      case 0xa0: bind(); uleb(b, state); break;
      case 0xb0: bind(); break;
      case 0xc0: bind(); uleb(b, state); uleb(b, state); break;
      case 0xd0: if (imm === 0) uleb(b, state); break; // threaded
      default: throw new Error(`unknown bind opcode 0x${byte.toString(16)}`);
    }
  }
}

/** Symbol -> library ordinal from the imports of LC_DYLD_CHAINED_FIXUPS. */
function machoChainedImports(r, start, into) {
  const importsOffset = r.u32(start + 8);
  const symbolsOffset = r.u32(start + 12);
  const count = r.u32(start + 16);
  const format = r.u32(start + 20);
  const width = { 1: 4, 2: 8, 3: 16 }[format];
  if (!width) throw new Error(`unknown chained import format ${format}`);
  for (let i = 0; i < count; i++) {
    const e = start + importsOffset + i * width;
    let ordinal;
    let nameOffset;
    if (format === 3) {
      ordinal = r.u16(e);
      ordinal = ordinal > 0xfff0 ? ordinal - 0x10000 : ordinal;
      nameOffset = r.u32(e + 4);
    } else {
      const v = r.u32(e);
      ordinal = v & 0xff;
      ordinal = ordinal > 0xf0 ? ordinal - 0x100 : ordinal;
      nameOffset = v >>> 9;
    }
    into.set(r.cstr(start + symbolsOffset + nameOffset), ordinal);
  }
}

/** Names in an export trie. */
function machoExportTrie(b, start, size) {
  const names = [];
  const visit = (offset, prefix, depth) => {
    if (depth > 256 || offset >= size) return;
    const state = { o: start + offset };
    const terminal = uleb(b, state);
    const children = state.o + terminal;
    if (terminal) names.push(prefix);
    state.o = children;
    const count = b[state.o++];
    for (let i = 0; i < count; i++) {
      let e = state.o;
      while (b[e] !== 0) e++;
      const edge = b.toString('latin1', state.o, e);
      state.o = e + 1;
      visit(uleb(b, state), prefix + edge, depth + 1);
    }
  };
  visit(0, '', 0);
  return names;
}

function parseMachO(buffer) {
  const r = new Reader(buffer, true);
  const magic = r.u32(0);
  if (magic !== 0xfeedfacf) throw new Error(`Mach-O magic 0x${magic.toString(16)} is not a little-endian 64-bit image`);
  const cputype = r.u32(4);
  const filetype = r.u32(12);
  const ncmds = r.u32(16);
  const libraries = [];
  const segments = [];
  const ordinals = new Map();
  let symtab = null;
  let minOs = null;
  let trie = null;
  let o = 32;
  for (let i = 0; i < ncmds; i++) {
    const cmd = r.u32(o);
    const size = r.u32(o + 4);
    if (cmd === LC_SYMTAB) symtab = { symoff: r.u32(o + 8), nsyms: r.u32(o + 12), stroff: r.u32(o + 16), strsize: r.u32(o + 20) };
    if (DYLIB_COMMANDS.has(cmd)) libraries.push(r.cstr(o + r.u32(o + 8), o + size));
    if (cmd === LC_BUILD_VERSION) minOs = machoVersion(r.u32(o + 12));
    if (cmd === LC_VERSION_MIN_MACOSX) minOs = machoVersion(r.u32(o + 8));
    if (cmd === LC_DYLD_INFO || cmd === LC_DYLD_INFO_ONLY) {
      // Binds and lazy binds; weak binds coalesce this image's own weak definitions.
      for (const at of [16, 32]) machoBindings(buffer, r.u32(o + at), r.u32(o + at + 4), ordinals);
      if (r.u32(o + 44)) trie = { off: r.u32(o + 40), size: r.u32(o + 44) };
    }
    if (cmd === LC_DYLD_CHAINED_FIXUPS && r.u32(o + 12)) machoChainedImports(r, r.u32(o + 8), ordinals);
    if (cmd === LC_DYLD_EXPORTS_TRIE && r.u32(o + 12)) trie = { off: r.u32(o + 8), size: r.u32(o + 12) };
    if (cmd === LC_SEGMENT_64) {
      const segname = r.cstr(o + 8, o + 24);
      const nsects = r.u32(o + 64);
      const sects = [];
      for (let k = 0; k < nsects; k++) sects.push(r.cstr(o + 72 + k * 80, o + 72 + k * 80 + 16));
      segments.push({ name: segname, sections: sects });
    }
    o += size;
  }
  const unprefix = (name) => (name.startsWith('_') ? name.slice(1) : name);
  // What dyld binds each import to: a library, the main executable, or
  // whatever image defines it (flat lookup, as -undefined dynamic_lookup asks).
  const describe = (ordinal) =>
    ordinal === -2 ? 'dynamic lookup' : ordinal === -1 ? 'main executable' : ordinal === -3 ? 'weak lookup' : ordinal === 0 ? 'self' : libraries[ordinal - 1] || `ordinal ${ordinal}`;
  const imports = [];
  let exports = trie ? machoExportTrie(buffer, trie.off, trie.size).map(unprefix) : null;
  const symtabExports = [];
  if (symtab) {
    for (let i = 0; i < symtab.nsyms; i++) {
      const e = symtab.symoff + i * 16;
      const type = r.u8(e + 4);
      const desc = r.u16(e + 6);
      if (type & 0xe0) continue; // debugger (stab) entry
      if (!(type & 0x01)) continue; // not external
      const raw = r.cstr(symtab.stroff + r.u32(e));
      const kind = type & 0x0e;
      if (kind === 0x0e && !(type & 0x10)) symtabExports.push(unprefix(raw));
      if (kind === 0x0) {
        const ordinal = ordinals.has(raw) ? ordinals.get(raw) : (desc >> 8) & 0xff;
        imports.push({ name: unprefix(raw), weak: (desc & 0x40) !== 0, version: null, from: describe(ordinal > 0xf0 ? ordinal - 0x100 : ordinal) });
      }
    }
  }
  // Bound symbols the symbol table does not list (it may be stripped).
  for (const [raw, ordinal] of ordinals) {
    if (!imports.some((imp) => imp.name === unprefix(raw))) imports.push({ name: unprefix(raw), weak: false, version: null, from: describe(ordinal) });
  }
  return {
    format: 'macho',
    bits: 64,
    machineCode: cputype,
    arch: MACHINES.macho[cputype] || `macho-cpu-0x${cputype.toString(16)}`,
    shared: filetype === 6 || filetype === 8,
    exports: exports || symtabExports,
    imports,
    libraries,
    minOs,
    debugSections: segments.filter((s) => s.name === '__DWARF').flatMap((s) => s.sections),
  };
}

// ---------------------------------------------------------------------- PE

function parsePe(buffer) {
  const r = new Reader(buffer, true);
  const pe = r.u32(0x3c);
  if (r.u32(pe) !== 0x00004550) throw new Error('no PE signature');
  const coff = pe + 4;
  const machine = r.u16(coff);
  const nsections = r.u16(coff + 2);
  const optSize = r.u16(coff + 16);
  const characteristics = r.u16(coff + 18);
  const opt = coff + 20;
  const magic = r.u16(opt);
  const is64 = magic === 0x20b;
  const dirBase = opt + (is64 ? 112 : 96);
  const ndirs = r.u32(opt + (is64 ? 108 : 92));
  const dir = (i) => (i < ndirs ? { rva: r.u32(dirBase + i * 8), size: r.u32(dirBase + i * 8 + 4) } : { rva: 0, size: 0 });
  const sections = [];
  for (let i = 0; i < nsections; i++) {
    const s = opt + optSize + i * 40;
    sections.push({ name: r.cstr(s, s + 8), vsize: r.u32(s + 8), rva: r.u32(s + 12), rawSize: r.u32(s + 16), raw: r.u32(s + 20) });
  }
  // Long section names (/4 etc.) point into the COFF string table.
  const symtabPtr = r.u32(coff + 8);
  const nsyms = r.u32(coff + 12);
  for (const s of sections) {
    if (s.name.startsWith('/') && symtabPtr) s.name = r.cstr(symtabPtr + nsyms * 18 + Number(s.name.slice(1)));
  }
  const off = (rva) => {
    const s = sections.find((x) => rva >= x.rva && rva < x.rva + Math.max(x.vsize, x.rawSize));
    if (!s) throw new Error(`RVA 0x${rva.toString(16)} is in no section`);
    return rva - s.rva + s.raw;
  };

  const debugTypes = () => {
    const debug = dir(6);
    const types = [];
    if (debug.rva) for (let e = off(debug.rva); e < off(debug.rva) + debug.size; e += 28) types.push(r.u32(e + 12));
    return types;
  };

  const exports = [];
  const exp = dir(0);
  if (exp.rva) {
    const e = off(exp.rva);
    const count = r.u32(e + 24);
    const names = off(r.u32(e + 32));
    for (let i = 0; i < count; i++) exports.push(r.cstr(off(r.u32(names + i * 4))));
  }

  const imports = [];
  const libraries = [];
  const thunkSize = is64 ? 8 : 4;
  const readThunks = (table, dll) => {
    for (let t = off(table); ; t += thunkSize) {
      const v = is64 ? r.b.readBigUInt64LE(t) : BigInt(r.u32(t));
      if (v === 0n) break;
      const byOrdinal = is64 ? v >> 63n === 1n : (v >> 31n) === 1n;
      imports.push({ name: byOrdinal ? `#${Number(v & 0xffffn)}` : r.cstr(off(Number(v & 0x7fffffffn)) + 2), weak: false, version: null, from: dll });
    }
  };
  const imp = dir(1);
  if (imp.rva) {
    for (let d = off(imp.rva); r.u32(d + 12) !== 0; d += 20) {
      const dll = r.cstr(off(r.u32(d + 12)));
      libraries.push(dll);
      readThunks(r.u32(d) || r.u32(d + 16), dll);
    }
  }
  const delay = dir(13);
  if (delay.rva) {
    for (let d = off(delay.rva); r.u32(d + 4) !== 0; d += 32) {
      const dll = r.cstr(off(r.u32(d + 4)));
      libraries.push(dll);
      readThunks(r.u32(d + 16), dll);
    }
  }
  return {
    format: 'pe',
    bits: is64 ? 64 : 32,
    machineCode: machine,
    arch: MACHINES.pe[machine] || `pe-machine-0x${machine.toString(16)}`,
    shared: (characteristics & 0x2000) !== 0,
    exports,
    imports,
    libraries,
    debugSections: sections.filter((s) => /^\.debug|^\.zdebug/.test(s.name)).map((s) => s.name),
    // IMAGE_DEBUG_TYPE_* of the debug directory (16, REPRO, only marks a deterministic build).
    debugDirectory: debugTypes(),
  };
}

/** Parses any of the three formats by its magic number. */
function parseBinary(buffer) {
  if (buffer.length < 64) throw new Error('file too small to be a shared library');
  if (buffer.readUInt32BE(0) === 0x7f454c46) return parseElf(buffer);
  const m = buffer.readUInt32LE(0);
  if (m === 0xfeedfacf || m === 0xfeedface || m === 0xcafebabe || m === 0xbebafeca) return parseMachO(buffer);
  if (buffer.readUInt16LE(0) === 0x5a4d) return parsePe(buffer);
  throw new Error(`unknown file format (magic ${buffer.subarray(0, 4).toString('hex')})`);
}

// -------------------------------------------------------- libc symbol lists

const symbolLists = new Map();

function zigLibDir(zig) {
  const exe = zig || require('./zig.js').locateZig();
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
    const names = [...text.matchAll(/(?<=[\s\[,'])([A-Za-z_$][A-Za-z0-9_$.]*)/g)].map((m) => m[1]);
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
  const report = { file, target: target.id || `${target.platform}-${target.arch}${target.libc ? `-${target.libc}` : ''}`, problems: [] };
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
  if (info.bits !== 64) problem(`${info.bits}-bit image, expected 64-bit`);
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
    if (!allowedLibs.some((re) => re.test(lib))) problem(`needs library ${lib}, which is not the system C library or runtime`);
  }

  const napi = nodeApiSymbols();
  const zig = options.zig;
  const libcNames = flavour === 'musl' ? muslSymbols(zig) : flavour === 'darwin' ? darwinSymbols(zig) : null;
  const bad = [];
  for (const imp of info.imports) {
    const { name } = imp;
    if (NODE_API_PREFIX.test(name)) {
      if (!napi.has(name)) bad.push(`${name} (not in Node-API 8)`);
      else if (info.format === 'pe') bad.push(`${name} (imported from ${imp.from}: binds the DLL to a host of that file name)`);
      else if (info.format === 'elf' && imp.version) bad.push(`${name} (versioned ${imp.version})`);
      else if (info.format === 'macho' && imp.from !== 'dynamic lookup') bad.push(`${name} (bound to ${imp.from})`);
      continue;
    }
    if (flavour === 'glibc') {
      if (imp.version && imp.version.startsWith('GLIBC_')) continue;
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
    if (!report.hostLookups.includes('napi_create_external_arraybuffer')) {
      problem('carries no Node-API function names to look up in its host');
    }
  }

  if (flavour === 'glibc') {
    const newest = info.glibcVersions.map((v) => v.slice('GLIBC_'.length)).filter((v) => /^[0-9.]+$/.test(v)).sort(compareVersions).pop();
    report.glibcMax = newest || null;
    const limit = target.glibc || '2.17';
    if (newest && compareVersions(newest, limit) > 0) problem(`needs GLIBC_${newest}, newer than the target's ${limit}`);
    const odd = info.glibcVersions.filter((v) => !/^GLIBC_[0-9.]+$/.test(v));
    if (odd.length) problem(`needs private glibc versions: ${odd.join(', ')}`);
  }
  if (info.debugSections.length) problem(`carries debug info: ${info.debugSections.join(', ')}`);
  if (info.format === 'pe' && info.debugDirectory.some((type) => type !== 16)) note(`debug directory entries of types ${info.debugDirectory.join(', ')} (the debug info itself is checked above)`);
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
    const facts = [`${report.format} ${report.arch}`, `${report.size} bytes`, `exports ${shown.join(', ') || 'no Node-API entry point'}${others ? ` (+${others} others)` : ''}`];
    if (report.glibcMax) facts.push(`glibc >= ${report.glibcMax}`);
    if (report.minOs) facts.push(`macOS >= ${report.minOs}`);
    lines.push(`     ${facts.join('; ')}`);
    lines.push(`     needs ${report.libraries.join(', ') || 'no libraries'}; ${report.imports.length} imports (${report.imports.filter((i) => NODE_API_PREFIX.test(i.name)).length} Node-API)`);
    if (report.hostLookups) lines.push(`     looks up ${report.hostLookups.length} Node-API functions in the host executable`);
  }
  for (const n of report.notes || []) lines.push(`     note: ${n}`);
  for (const p of report.problems) lines.push(`     problem: ${p}`);
  return lines.join('\n');
}

module.exports = { parseBinary, parseElf, parseMachO, parsePe, verifyPrebuild, formatReport, compareVersions, ALLOWED_LIBRARIES };

if (require.main === module) {
  const args = process.argv.slice(2);
  const { TARGETS, outputPath } = require('./prebuild-all.js');
  let checks;
  if (args.length === 2) {
    const target = TARGETS.find((t) => t.id === args[1]);
    if (!target) {
      console.error(`unknown target ${args[1]}; known: ${TARGETS.map((t) => t.id).join(', ')}`);
      process.exit(2);
    }
    checks = [{ file: path.resolve(args[0]), target }];
  } else {
    checks = TARGETS.map((target) => ({ file: outputPath(target), target })).filter((c) => fs.existsSync(c.file));
  }
  let failed = 0;
  for (const { file, target } of checks) {
    const report = verifyPrebuild(file, target);
    console.log(formatReport(report));
    if (report.problems.length) failed++;
  }
  if (!checks.length) console.error('no prebuilds found: run `npm run prebuild:all`');
  process.exit(failed || !checks.length ? 1 : 0);
}
