#!/usr/bin/env node
'use strict';
// Checks a prebuilt addon without running it: small readers for ELF, Mach-O
// and PE (scripts/verify/; no binutils needed, so it runs on any machine)
// report the file format, the CPU, the exported Node-API entry point, the
// libraries and symbols the binary needs from outside, the glibc symbol
// versions and leftover debug info; scripts/verify/rules.js judges them.
//
//   node scripts/verify-prebuild.js                   every prebuild present
//   node scripts/verify-prebuild.js FILE TARGET-ID     one file, e.g. linux-arm64-glibc
const fs = require('node:fs');
const path = require('node:path');
const { parseBinary, parseElf, parseMachO, parsePe } = require('./verify/binary.js');
const { verifyPrebuild, formatReport, compareVersions, ALLOWED_LIBRARIES } = require('./verify/rules.js');
const { TARGETS, findTarget } = require('./targets.js');

module.exports = {
  parseBinary,
  parseElf,
  parseMachO,
  parsePe,
  verifyPrebuild,
  formatReport,
  compareVersions,
  ALLOWED_LIBRARIES,
};

function main(args) {
  let checks;
  if (args.length === 2) {
    let target;
    try {
      target = findTarget(args[1]);
    } catch (err) {
      console.error(err.message);
      return 2;
    }
    checks = [{ file: path.resolve(args[0]), target }];
  } else {
    const { outputPath } = require('./prebuild-all.js');
    checks = TARGETS.map((target) => ({ file: outputPath(target), target })).filter((c) => fs.existsSync(c.file));
  }
  let failed = 0;
  for (const { file, target } of checks) {
    const report = verifyPrebuild(file, target);
    console.log(formatReport(report));
    if (report.problems.length) failed++;
  }
  if (!checks.length) console.error('no prebuilds found: run `npm run prebuild:all`');
  return failed || !checks.length ? 1 : 0;
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
