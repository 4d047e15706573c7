'use strict';
// Reads what the verifier judges from a PE DLL (Windows): machine, exports,
// imports and delay-load imports per DLL, debug sections and the debug
// directory.
const { Reader } = require('./reader.js');

const MACHINES = { 34404: 'x64', 43620: 'arm64', 332: 'ia32' };

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
  const dir = (i) =>
    i < ndirs ? { rva: r.u32(dirBase + i * 8), size: r.u32(dirBase + i * 8 + 4) } : { rva: 0, size: 0 };
  const sections = [];
  for (let i = 0; i < nsections; i++) {
    const s = opt + optSize + i * 40;
    sections.push({
      name: r.cstr(s, s + 8),
      vsize: r.u32(s + 8),
      rva: r.u32(s + 12),
      rawSize: r.u32(s + 16),
      raw: r.u32(s + 20),
    });
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
      const byOrdinal = is64 ? v >> 63n === 1n : v >> 31n === 1n;
      imports.push({
        name: byOrdinal ? `#${Number(v & 0xffffn)}` : r.cstr(off(Number(v & 0x7fffffffn)) + 2),
        weak: false,
        version: null,
        from: dll,
      });
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
    arch: MACHINES[machine] || `pe-machine-0x${machine.toString(16)}`,
    shared: (characteristics & 0x2000) !== 0,
    exports,
    imports,
    libraries,
    debugSections: sections.filter((s) => /^\.debug|^\.zdebug/.test(s.name)).map((s) => s.name),
    // IMAGE_DEBUG_TYPE_* of the debug directory (16, REPRO, only marks a deterministic build).
    debugDirectory: debugTypes(),
  };
}

module.exports = { parsePe, MACHINES };
