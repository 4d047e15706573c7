#!/usr/bin/env node
// Runs the addon's smoke script (test/memcheck/smoke.cjs) under valgrind
// memcheck and judges the result:
//   - any invalid read, write or free, anywhere: failure;
//   - uninitialised-value errors and definite leaks with a frame in the addon
//     (the .node file, engram_* C ABI functions, the node-addon-api shim):
//     failure;
//   - the rest (Node's and V8's own reports, mostly silenced by
//     test/memcheck/node.supp) is counted and listed, not judged.
// Usage: node scripts/memcheck.js [--keep] [--verbose]
//   ENGRAM_ARENA_BINARY picks the .node file; by default build/Release's (it
//   keeps its symbols) when it exists, else whatever the loader finds.
//   VALGRIND=/path/to/valgrind picks valgrind.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const ROOT = path.join(__dirname, '..');
const SMOKE = path.join(ROOT, 'test', 'memcheck', 'smoke.cjs');
const SUPP = path.join(ROOT, 'test', 'memcheck', 'node.supp');
const keep = process.argv.includes('--keep');
const verbose = process.argv.includes('--verbose');

const valgrind = process.env.VALGRIND || 'valgrind';
const probe = spawnSync(valgrind, ['--version'], { encoding: 'utf8' });
if (probe.error || probe.status !== 0) {
  console.error(
    `memcheck: ${valgrind} not found; install valgrind (Debian: apt-get install valgrind) or set VALGRIND.`,
  );
  process.exit(2);
}
if (!fs.existsSync(path.join(ROOT, 'dist', 'index.js'))) {
  console.error(
    'memcheck: dist/ is missing; run `npm run build:ts` (and `npm run build:native` for build/Release) first.',
  );
  process.exit(2);
}

const env = { ...process.env };
const built = path.join(ROOT, 'build', 'Release', 'engram_arena.node');
if (!env.ENGRAM_ARENA_BINARY && fs.existsSync(built)) env.ENGRAM_ARENA_BINARY = built;
const which = spawnSync(
  process.execPath,
  [
    '-e',
    `
  const loader = require(${JSON.stringify(path.join(ROOT, 'dist', 'loader.js'))});
  const fs = require('fs');
  process.stdout.write(loader.candidatePaths().find((p) => fs.existsSync(p)) || '(none)');
`,
  ],
  { encoding: 'utf8', env },
);
const binary = which.stdout.trim() || '(unknown)';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'engram-memcheck-'));
const xml = path.join(dir, 'memcheck.xml');
const args = [
  '--tool=memcheck',
  '--leak-check=full',
  '--show-leak-kinds=definite',
  '--errors-for-leak-kinds=definite',
  '--num-callers=40',
  // V8 writes machine code at run time (even the interpreter's bytecode handlers are patched).
  '--smc-check=all-non-file',
  `--suppressions=${SUPP}`,
  '--xml=yes',
  `--xml-file=${xml}`,
  process.execPath,
  '--expose-gc',
  SMOKE,
];
console.log(`memcheck: ${valgrind} ${probe.stdout.trim()} on ${binary}`);
const started = Date.now();
const run = spawnSync(valgrind, args, { encoding: 'utf8', env, maxBuffer: 64 * 1024 * 1024 });
const seconds = (Date.now() - started) / 1000;
if (verbose) process.stdout.write(run.stdout + run.stderr);

const unescapeXml = (s) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');

function parse(text) {
  const errors = [];
  for (const block of text.match(/<error>[\s\S]*?<\/error>/g) ?? []) {
    const kind = /<kind>([^<]+)<\/kind>/.exec(block)?.[1] ?? '?';
    const what = /<(?:what|text)>([^<]+)<\/(?:what|text)>/.exec(block)?.[1] ?? '';
    const frames = [...block.matchAll(/<frame>([\s\S]*?)<\/frame>/g)].map((m) => ({
      fn: unescapeXml(/<fn>([^<]+)<\/fn>/.exec(m[1])?.[1] ?? ''),
      obj: unescapeXml(/<obj>([^<]+)<\/obj>/.exec(m[1])?.[1] ?? ''),
    }));
    errors.push({ kind, what: unescapeXml(what), frames });
  }
  const suppressed = [...text.matchAll(/<pair>\s*<count>(\d+)<\/count>\s*<name>([^<]+)<\/name>/g)].map(
    (m) => `${m[2]} x${m[1]}`,
  );
  return { errors, suppressed };
}

const ADDON_FN =
  /^(engram_|NativeArena|Block[A-Z]|errors::|convert::|Napi::|\(anonymous namespace\)::(ThreadArena|CleanupEnv|Init|SetConfig|Metrics|DeinitThreadArena|ResetThreadArena))/;
function inAddon(frame) {
  return (
    /engram[_-]arena.*\.node$/.test(frame.obj) || ADDON_FN.test(frame.fn) || /allocator\.zig|ffi\.zig/.test(frame.fn)
  );
}
function describe(error) {
  const top = error.frames
    .slice(0, 8)
    .map((f) => `      ${f.fn || '???'} (${path.basename(f.obj || '?')})`)
    .join('\n');
  return `  ${error.kind}: ${error.what}\n${top}`;
}

if (!fs.existsSync(xml)) {
  console.error(`memcheck: valgrind wrote no report (exit ${run.status}).\n${run.stderr.slice(-4000)}`);
  process.exit(1);
}
const { errors, suppressed } = parse(fs.readFileSync(xml, 'utf8'));
const INVALID = /^(InvalidRead|InvalidWrite|InvalidFree|MismatchedFree|InvalidMemPool|Overlap|FishyValue)$/;
const invalid = errors.filter((e) => INVALID.test(e.kind));
const addonLeaks = errors.filter((e) => /^Leak_DefinitelyLost$/.test(e.kind) && e.frames.some(inAddon));
const addonUninit = errors.filter((e) => /^Uninit/.test(e.kind) && e.frames.some(inAddon));
const other = errors.filter((e) => !invalid.includes(e) && !addonLeaks.includes(e) && !addonUninit.includes(e));
const smokeOk = /memcheck smoke ok/.test(run.stdout);

console.log(
  `memcheck: ${seconds.toFixed(1)} s under valgrind; smoke script ${smokeOk ? 'completed' : 'did NOT complete'} (node exit ${run.status})`,
);
console.log(`  invalid reads/writes/frees: ${invalid.length}`);
console.log(`  definite leaks with an addon frame: ${addonLeaks.length}`);
console.log(`  uninitialised values with an addon frame: ${addonUninit.length}`);
console.log(`  other reports (Node/V8, not judged): ${other.length}`);
if (suppressed.length) console.log(`  suppressed: ${suppressed.join(', ')}`);
for (const e of [...invalid, ...addonLeaks, ...addonUninit]) console.log(describe(e));
if (verbose) for (const e of other) console.log(describe(e));
if (keep) console.log(`  report kept: ${xml}`);
else fs.rmSync(dir, { recursive: true, force: true });
if (!smokeOk) console.log(run.stdout.slice(-2000) + run.stderr.slice(-4000));

const failed = !smokeOk || invalid.length > 0 || addonLeaks.length > 0 || addonUninit.length > 0;
console.log(failed ? 'memcheck: FAIL' : 'memcheck: PASS');
process.exit(failed ? 1 : 0);
