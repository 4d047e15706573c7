'use strict';
// Reads what the verifier judges from an ELF shared object (Linux): machine,
// ABI flags, dynamic symbols with their glibc versions, needed libraries,
// stack and TLS flags, debug sections. 32- and 64-bit, either byte order.
const { Reader } = require('./reader.js');

const MACHINES = { 62: 'x64', 183: 'arm64', 3: 'ia32', 40: 'arm' };

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
    flags: r.u32(is64 ? 48 : 36),
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
        ? {
            nameOff: r.u32(o),
            type: r.u32(o + 4),
            offset: r.u64(o + 24),
            size: r.u64(o + 32),
            link: r.u32(o + 40),
            info: r.u32(o + 44),
            entsize: r.u64(o + 56),
          }
        : {
            nameOff: r.u32(o),
            type: r.u32(o + 4),
            offset: r.u32(o + 16),
            size: r.u32(o + 20),
            link: r.u32(o + 24),
            info: r.u32(o + 28),
            entsize: r.u32(o + 36),
          },
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
    flags: header.flags,
    arch: MACHINES[header.machine] || `elf-machine-${header.machine}`,
    shared: header.type === 3,
    exports: symbols.filter((s) => s.defined && s.bind !== 'LOCAL' && s.visibility === 0).map((s) => s.name),
    imports: symbols
      .filter((s) => !s.defined && s.name)
      .map((s) => ({
        name: s.name,
        weak: s.bind === 'WEAK',
        version: s.version ? s.version.name : null,
        from: s.version ? s.version.file : null,
      })),
    libraries: needed,
    debugSections: sections.filter((s) => /^\.(z?debug_|gdb_index|stab)/.test(s.name)).map((s) => s.name),
    execStack: execStack === null ? true : execStack, // no PT_GNU_STACK: the loader assumes an executable stack
    staticTls: (flags & DF_STATIC_TLS) !== 0,
    textrel: textrel || (flags & DF_TEXTREL) !== 0,
    glibcVersions: [...new Set([...versionNames.values()].map((v) => v.name).filter((n) => n.startsWith('GLIBC_')))],
  };
}

module.exports = { parseElf, MACHINES };
