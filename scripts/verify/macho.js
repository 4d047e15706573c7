'use strict';
// Reads what the verifier judges from a Mach-O image (macOS): CPU, minimum
// OS, the export trie, each import and what dyld binds it to (a library,
// the executable, or a flat lookup), and any __DWARF segment.
const { Reader } = require('./reader.js');

const MACHINES = { 16777223: 'x64', 16777228: 'arm64', 7: 'ia32', 12: 'arm' };

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
      case 0x00:
        break; // DONE (lazy binding info separates entries with it)
      case 0x10:
        ordinal = imm;
        break;
      case 0x20:
        ordinal = uleb(b, state);
        break;
      case 0x30:
        ordinal = imm === 0 ? 0 : (imm | 0xf0) - 0x100;
        break; // -1 main, -2 flat lookup, -3 weak lookup
      case 0x40: {
        let e = state.o;
        while (b[e] !== 0) e++;
        symbol = b.toString('latin1', state.o, e);
        state.o = e + 1;
        break;
      }
      case 0x50:
        break; // type
      case 0x60:
        uleb(b, state);
        break; // addend (sign ignored)
      case 0x70:
        uleb(b, state);
        break; // segment and offset
      case 0x80:
        uleb(b, state);
        break; // add address
      case 0x90:
        bind();
        break;
      case 0xa0:
        bind();
        uleb(b, state);
        break;
      case 0xb0:
        bind();
        break;
      case 0xc0:
        bind();
        uleb(b, state);
        uleb(b, state);
        break;
      case 0xd0:
        if (imm === 0) uleb(b, state);
        break; // threaded
      default:
        throw new Error(`unknown bind opcode 0x${byte.toString(16)}`);
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
    if (cmd === LC_SYMTAB)
      symtab = { symoff: r.u32(o + 8), nsyms: r.u32(o + 12), stroff: r.u32(o + 16), strsize: r.u32(o + 20) };
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
    ordinal === -2
      ? 'dynamic lookup'
      : ordinal === -1
        ? 'main executable'
        : ordinal === -3
          ? 'weak lookup'
          : ordinal === 0
            ? 'self'
            : libraries[ordinal - 1] || `ordinal ${ordinal}`;
  const imports = [];
  const exports = trie ? machoExportTrie(buffer, trie.off, trie.size).map(unprefix) : null;
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
        imports.push({
          name: unprefix(raw),
          weak: (desc & 0x40) !== 0,
          version: null,
          from: describe(ordinal > 0xf0 ? ordinal - 0x100 : ordinal),
        });
      }
    }
  }
  // Bound symbols the symbol table does not list (it may be stripped).
  for (const [raw, ordinal] of ordinals) {
    if (!imports.some((imp) => imp.name === unprefix(raw)))
      imports.push({ name: unprefix(raw), weak: false, version: null, from: describe(ordinal) });
  }
  return {
    format: 'macho',
    bits: 64,
    machineCode: cputype,
    arch: MACHINES[cputype] || `macho-cpu-0x${cputype.toString(16)}`,
    shared: filetype === 6 || filetype === 8,
    exports: exports || symtabExports,
    imports,
    libraries,
    minOs,
    debugSections: segments.filter((s) => s.name === '__DWARF').flatMap((s) => s.sections),
  };
}

module.exports = { parseMachO, MACHINES };
