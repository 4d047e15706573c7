'use strict';
// Bounds-checked reads of a binary in either byte order, shared by the three
// format readers.

class Reader {
  constructor(buffer, little = true) {
    this.b = buffer;
    this.little = little;
  }
  u8(o) {
    return this.b.readUInt8(o);
  }
  u16(o) {
    return this.little ? this.b.readUInt16LE(o) : this.b.readUInt16BE(o);
  }
  u32(o) {
    return this.little ? this.b.readUInt32LE(o) : this.b.readUInt32BE(o);
  }
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

module.exports = { Reader };
