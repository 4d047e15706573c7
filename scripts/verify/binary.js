'use strict';
// Picks the reader for a binary by its magic number.
const { parseElf } = require('./elf.js');
const { parseMachO } = require('./macho.js');
const { parsePe } = require('./pe.js');

/** Parses any of the three formats by its magic number. */
function parseBinary(buffer) {
  if (buffer.length < 64) throw new Error('file too small to be a shared library');
  if (buffer.readUInt32BE(0) === 0x7f454c46) return parseElf(buffer);
  const m = buffer.readUInt32LE(0);
  if (m === 0xfeedfacf || m === 0xfeedface || m === 0xcafebabe || m === 0xbebafeca) return parseMachO(buffer);
  if (buffer.readUInt16LE(0) === 0x5a4d) return parsePe(buffer);
  throw new Error(`unknown file format (magic ${buffer.subarray(0, 4).toString('hex')})`);
}

module.exports = { parseBinary, parseElf, parseMachO, parsePe };
