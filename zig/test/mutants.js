#!/usr/bin/env node
'use strict';
// Mutation check of the Zig tests: applies each mutant below as a
// text patch to a temporary copy of build.zig and zig/, runs `zig build test`
// there, and reports which mutants the suite caught (the build failed) and
// which survived (it passed). A dev tool, not part of `zig build test`.
//
//   node zig/test/mutants.js            every mutant
//   node zig/test/mutants.js cfg- bug-  mutants whose id starts with a prefix
//   node zig/test/mutants.js --list     ids and descriptions only
//
// Exit status 0 when every mutant not marked `equivalent` was caught (a
// mutant that does not compile or no longer applies counts as a failure). Runs are
// serial: the suite itself races threads, and the machine may be shared.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { locateZig } = require('../../scripts/zig.js');

const ROOT = path.resolve(__dirname, '..', '..');
// A mutant may hang the suite (a wait that never ends); that is a catch too,
// but only past twice the unmutated suite's own time: on a loaded machine the
// baseline took 179 s, and a fixed 180 s limit counted mere slowness as a catch.
const TIMEOUT_MS = 3 * 60 * 1000;
const BASELINE_TIMEOUT_MS = 15 * 60 * 1000;

/**
 * Each mutant replaces `find` (which must occur exactly once in `file`, or
 * the mutant is stale and reported as such) with `replace`. `equivalent`
 * names why no test can catch it: such a mutant is reported, not counted.
 */
const MUTANTS = [
  // ---- fix #3: atomic config init ----
  {
    id: 'cfg-check-then-act',
    what: 'the first load claimed by a plain store after the check, not a compare-and-swap',
    file: 'zig/src/arena_config.zig',
    find: `                if (config_word.cmpxchgStrong(word.bits(), Word.loading.bits(), .acquire, .monotonic) == null) {
                    return publishLoad();
                }`,
    replace: `                config_word.store(Word.loading.bits(), .release);
                return publishLoad();`,
  },
  {
    id: 'cfg-check-then-act-delay',
    what: 'as cfg-check-then-act, with a spin delay widening the race',
    file: 'zig/src/arena_config.zig',
    find: `                if (config_word.cmpxchgStrong(word.bits(), Word.loading.bits(), .acquire, .monotonic) == null) {
                    return publishLoad();
                }`,
    replace: `                for (0..2000) |_| std.atomic.spinLoopHint();
                config_word.store(Word.loading.bits(), .release);
                return publishLoad();`,
  },
  {
    id: 'cfg-losers-do-not-wait',
    what: 'a thread that finds another loading returns the default config',
    file: 'zig/src/arena_config.zig',
    find: `            .loading => waitForLoader(&rounds),
            .unloaded => {`,
    replace: `            .loading => {
                _ = &rounds;
                return Word.ready(ArenaConfig.DEFAULT, 0);
            },
            .unloaded => {`,
  },
  {
    id: 'cfg-relaxed',
    what: 'every ordering of the config word relaxed to monotonic',
    file: 'zig/src/arena_config.zig',
    all: [
      ['const raw = config_word.load(.acquire);', 'const raw = config_word.load(.monotonic);'],
      ['loading.bits(), .acquire, .monotonic)', 'loading.bits(), .monotonic, .monotonic)'],
      ['config_word.store(ready.bits(), .release);', 'config_word.store(ready.bits(), .monotonic);'],
      ['wanted.bits(), .release, .monotonic)', 'wanted.bits(), .monotonic, .monotonic)'],
    ],
    equivalent:
      'the phase and the config share one atomic word: coherence alone orders every reader after the write it reads, so no ordering is observable',
  },
  {
    id: 'cfg-set-without-lock',
    what: 'setConfig stores at once instead of waiting for a load in progress',
    file: 'zig/src/arena_config.zig',
    find: `    try config.validate();
    writeWord(struct {`,
    replace: `    try config.validate();
    if (true) return config_word.store(Word.ready(config, 0).bits(), .release);
    writeWord(struct {`,
  },
  {
    id: 'cfg-ready-before-config',
    // Caught by the check every stored word passes (Word.bits); a store that
    // bypassed it would be a race between two back-to-back stores, which no
    // test observes reliably on x86 (a watcher thread caught it 1 run in 3).
    // A check in every build: as an assert, it let ReleaseFast compile this
    // loader into an endless loop, and the C test against the library hung.
    what: 'the loader publishes the ready phase first, its config in a second store',
    file: 'zig/src/arena_config.zig',
    find: `    config_word.store(ready.bits(), .release);
    return ready;`,
    replace: `    var early = Word.unloaded;
    early.phase = .ready;
    config_word.store(early.bits(), .release);
    config_word.store(ready.bits(), .release);
    return ready;`,
  },
  {
    id: 'cfg-corrupt-word-trusted',
    what: 'a config word no store published is read as it is (an invalid phase or strategy)',
    file: 'zig/src/arena_config.zig',
    find: '        return decode(raw) orelse corrupt(raw);',
    replace: '        return @bitCast(raw);',
  },
  // ---- lock-free metrics ----
  {
    id: 'metrics-fold-not-atomic',
    what: 'the allocation total folded by a load and a store',
    file: 'zig/src/arena_metrics.zig',
    find: '_ = total_allocations.fetchAdd(sample.allocations, .monotonic);',
    replace: 'total_allocations.store(total_allocations.load(.monotonic) + sample.allocations, .monotonic);',
  },
  {
    id: 'metrics-reset-count-not-atomic',
    what: 'the reset count bumped by a load and a store',
    file: 'zig/src/arena_metrics.zig',
    find: '    _ = total_resets.fetchAdd(1, .monotonic);',
    replace: '    total_resets.store(total_resets.load(.monotonic) + 1, .monotonic);',
  },
  {
    id: 'metrics-max-load-store',
    what: 'fetchMax replaced by a load, a compare and a store',
    file: 'zig/src/arena_metrics.zig',
    find: '    _ = max_high_water_mark.fetchMax(sample.high_water_mark, .monotonic);',
    replace:
      '    if (max_high_water_mark.load(.monotonic) < sample.high_water_mark) max_high_water_mark.store(sample.high_water_mark, .monotonic);',
  },
  // ---- allocator core ----
  {
    id: 'util-f32',
    what: 'utilisation computed in f32',
    file: 'zig/src/allocator.zig',
    find: `        const used: f64 = @floatFromInt(self.state.offset);
        const capacity: f64 = @floatFromInt(self.state.size_bytes);`,
    replace: `        const used: f32 = @floatFromInt(self.state.offset);
        const capacity: f32 = @floatFromInt(self.state.size_bytes);`,
  },
  {
    id: 'resize-no-growth',
    what: 'in-place growth of the newest allocation removed',
    file: 'zig/src/allocator.zig',
    find: '        if (growth_bytes > self.remaining()) return false;',
    replace: '        if (growth_bytes > 0) return false;',
  },
  {
    id: 'reset-forgets-high-water-mark',
    what: 'reset keeps the recorded mark without the offset it is about to drop',
    file: 'zig/src/allocator.zig',
    find: '        self.state = .{ .size_bytes = self.state.size_bytes, .high_water_mark = self.highWaterMark() };',
    replace: '        self.state = .{ .size_bytes = self.state.size_bytes, .high_water_mark = self.state.high_water_mark };',
  },
  {
    id: 'createin-no-memset',
    what: 'createIn does not zero a buffer from a backing allocator',
    file: 'zig/src/allocator.zig',
    find: '        if (options.zero_on_reset and !fresh_pages_are_zero) @memset(buffer, 0);\n',
    replace: '        _ = fresh_pages_are_zero;\n',
  },
  {
    id: 'bump-trusts-offset',
    what: "the pre-fix bump: len - offset, wrapping as it does in ReleaseFast",
    file: 'zig/src/allocator.zig',
    find: `        const end = offset +% (padding + size_bytes);
        if (end < offset or end > self.buffer.len) return null;`,
    replace: `        if (padding + size_bytes > self.buffer.len -% offset) return null;
        const end = offset +% padding +% size_bytes;`,
  },
  {
    id: 'bump-ignores-carry',
    what: 'the end of the request compared without its carry',
    file: 'zig/src/allocator.zig',
    find: '        if (end < offset or end > self.buffer.len) return null;',
    replace: '        if (end > self.buffer.len) return null;',
  },
  {
    id: 'reset-unclamped',
    what: 'reset zeroes up to a host-written offset, past the buffer',
    file: 'zig/src/allocator.zig',
    find: '        const used: usize = @min(@max(offset, self.exposed_bytes), self.buffer.len);',
    replace: '        const used: usize = @max(offset, self.exposed_bytes);',
  },
  {
    id: 'remaining-wraps',
    what: 'remaining() wraps below zero instead of saturating',
    file: 'zig/src/allocator.zig',
    find: '        return self.buffer.len -| offset;',
    replace: '        return self.buffer.len -% offset;',
  },
  // ---- std.mem.Allocator conformance (conformance_test.zig) ----
  {
    id: 'conf-padding-from-offset',
    what: 'the padding aligns the offset, not the address (right only on an aligned buffer)',
    file: 'zig/src/allocator.zig',
    find: '        const padding = if (alignment == 1) 0 else (0 -% (@intFromPtr(self.buffer.ptr) +% offset)) & (alignment - 1);',
    replace: '        const padding = if (alignment == 1) 0 else (0 -% offset) & (alignment - 1);',
  },
  {
    id: 'conf-free-gives-nothing-back',
    what: 'a free of the newest allocation leaves the offset where it was',
    file: 'zig/src/allocator.zig',
    find: '        if (self.isNewest(buf)) self.retreat(buf.len);',
    replace: '        _ = self.isNewest(buf);',
  },
  {
    id: 'conf-growth-uncounted',
    what: 'an in-place growth moves the offset but is not counted in bytes_allocated',
    file: 'zig/src/allocator.zig',
    find: '        self.state.bytes_allocated += growth_bytes;\n',
    replace: '',
  },
  {
    id: 'conf-shrink-answers-without-moving',
    what: 'a shrink of the newest allocation says yes but gives no bytes back',
    file: 'zig/src/allocator.zig',
    find: '            self.retreat(buf.len - new_len);\n',
    replace: '',
  },
  {
    id: 'conf-retreat-not-zeroed',
    what: 'bytes given back by a free or a shrink stay dirty past the offset of a zeroing arena',
    file: 'zig/src/allocator.zig',
    find: '        if (self.options.zero_on_reset) @memset(self.buffer[end - len .. end], 0);\n        self.foldHighWaterMark();',
    replace: '        self.foldHighWaterMark();',
  },
  {
    id: 'conf-retreat-forgets-high-water-mark',
    what: 'the offset goes down without the high-water mark recording it first',
    file: 'zig/src/allocator.zig',
    find: '        if (self.options.zero_on_reset) @memset(self.buffer[end - len .. end], 0);\n        self.foldHighWaterMark();',
    replace: '        if (self.options.zero_on_reset) @memset(self.buffer[end - len .. end], 0);',
  },
  {
    id: 'conf-high-water-mark-ignores-offset',
    what: 'the high-water mark reported is the recorded one, without the offset since',
    file: 'zig/src/allocator.zig',
    find: '        return @max(self.state.high_water_mark, offset);',
    replace: '        return self.state.high_water_mark;',
  },
  {
    id: 'conf-foreign-resize-grows',
    what: 'a resize of an allocation that is not the newest may grow it (into its neighbour)',
    file: 'zig/src/allocator.zig',
    find: '        if (!self.isNewest(buf)) return new_len <= buf.len;',
    replace: '        if (!self.isNewest(buf)) return true;',
  },
  {
    id: 'conf-large-alignment-refused',
    what: 'allocator() refuses alignments above a page, as alloc() does',
    file: 'zig/src/allocator.zig',
    find: '        const bytes = @call(.always_inline, allocAligned, .{ self, len, alignment }) catch return null;',
    replace: '        const bytes = @call(.always_inline, alloc, .{ self, len, alignment }) catch return null;',
  },
  {
    id: 'conf-fallback-trusts-heap-alignment',
    what: "a fallback places its bytes as if the heap had aligned the block as asked, above a page too",
    file: 'zig/src/allocator.zig',
    find: '        const start = std.mem.alignForward(usize, @intFromPtr(raw) + @sizeOf(FallbackBlock), alignment) - @intFromPtr(raw);',
    replace: '        const start = std.mem.alignForward(usize, @sizeOf(FallbackBlock), alignment);',
  },
  // ---- the four C ABI bugs, each fix reverted ----
  {
    id: 'bug1-disown-keeps-slot',
    what: 'disown leaves the slot usable (bug 1)',
    file: 'zig/src/allocator.zig',
    find: `    thread_slot.arena = .{
        .state = .{},
        .buffer = &.{},
        .options = owned.options,
        .destroyed = true,
        .thread_owned = true,
    };
    assert(!owned.destroyed and owned.buffer.len == owned.state.size_bytes);
    assert(thread_slot.arena.isDestroyed() and thread_slot.arena.buffer.len == 0);`,
    replace: '',
  },
  {
    id: 'bug2-destroy-frees-foreign-slot',
    what: "destroy hands another thread's slot to free (bug 2)",
    file: 'zig/src/ffi.zig',
    find: '    if (handle.thread_owned) return code(.invalid_argument);\n',
    replace: '',
  },
  {
    id: 'bug4-fallback-freed-unzeroed',
    what: 'a zeroing arena frees fallback blocks without zeroing them (bug 4)',
    file: 'zig/src/allocator.zig',
    find: '            if (self.options.zero_on_reset) std.crypto.secureZero(u8, raw[0..total_len]);\n',
    replace: '',
  },
  {
    id: 'bug4-fallback-served-unzeroed',
    what: 'fallback memory handed out without zeroing',
    file: 'zig/src/allocator.zig',
    find: '        @memset(bytes, 0);\n        self.state.fallbacks += 1;',
    replace: '        self.state.fallbacks += 1;',
  },
  // ---- thread arena handles that outlive their thread ----
  {
    id: 'tls-exit-unmarked',
    what: "a thread's exit leaves its slot recorded as live",
    file: 'zig/src/thread_registry.zig',
    find: '    if (exit_hook) |hook| hook(slot_address);\n    markExited(slot_address);',
    replace: '    if (exit_hook) |hook| hook(slot_address);',
  },
  {
    id: 'tls-exit-keeps-arena',
    what: "a thread's exit leaves its arena's buffer reserved",
    file: 'zig/src/allocator.zig',
    find: '    assert(slot_address == @intFromPtr(&thread_slot.arena));\n    deinitThreadArena();',
    replace: '    assert(slot_address == @intFromPtr(&thread_slot.arena));',
  },
  {
    id: 'tls-destroy-reads-exited',
    what: "engram_arena_destroy_checked reads an exited thread's slot",
    file: 'zig/src/ffi.zig',
    find: '    // Its thread freed it at exit; nothing is left to free.\n    if (gone(handle)) return code(.destroyed);\n',
    replace: '',
  },
  // ---- hosted arenas: memory the host owns, lent at each bind ----
  {
    id: 'hosted-base-unaligned',
    what: "bind puts the arena's byte 0 at the block's start, not on the next page",
    file: 'zig/src/allocator.zig',
    find: '        const base_offset = (0 -% @intFromPtr(memory.ptr)) & (hosted_base_alignment - 1);',
    replace: '        const base_offset: usize = 0;',
  },
  {
    id: 'hosted-slack-unchecked',
    what: 'bind takes a block of capacity bytes, without the slack the base needs',
    file: 'zig/src/allocator.zig',
    find: '        if (memory.len < capacity + hosted_slack_bytes) return error.InvalidSize;',
    replace: '        if (memory.len < capacity) return error.InvalidSize;',
  },
  {
    id: 'hosted-move-not-zeroed',
    what: 'a bind at another base leaves the moved bytes in place',
    file: 'zig/src/allocator.zig',
    find: '        if (moved and !memory_is_zero and self.options.zero_on_reset) @memset(memory, 0);',
    replace: '        _ = moved;\n        _ = memory_is_zero;',
  },
  {
    id: 'hosted-rebind-always-zeroes',
    what: 'every bind zeroes the block, the same base too (live bytes lost)',
    file: 'zig/src/allocator.zig',
    find: '        const moved = if (self.hosted_base_offset) |previous| previous != base_offset else true;',
    replace: '        const moved = true;',
  },
  {
    id: 'hosted-first-bind-not-zeroed',
    what: 'the first bind of a block that is not zero leaves its bytes',
    file: 'zig/src/allocator.zig',
    find: '        const moved = if (self.hosted_base_offset) |previous| previous != base_offset else true;',
    replace: '        const moved = if (self.hosted_base_offset) |previous| previous != base_offset else false;',
  },
  {
    id: 'hosted-zero-flag-ignored',
    what: 'a block the host says is zero is zeroed again',
    file: 'zig/src/allocator.zig',
    find: '        if (moved and !memory_is_zero and self.options.zero_on_reset) @memset(memory, 0);',
    replace: '        _ = memory_is_zero;\n        if (moved and self.options.zero_on_reset) @memset(memory, 0);',
  },
  {
    id: 'hosted-zeroes-without-zero-on-reset',
    what: 'an arena that does not zero zeroes the block at a move',
    file: 'zig/src/allocator.zig',
    find: '        if (moved and !memory_is_zero and self.options.zero_on_reset) @memset(memory, 0);',
    replace: '        if (moved and !memory_is_zero) @memset(memory, 0);',
  },
  {
    id: 'hosted-create-uncounted',
    what: 'createHosted does not count the arena in the gauges',
    file: 'zig/src/allocator.zig',
    find: '        if (reservationRefused()) return error.OutOfMemory;\n        arena_metrics.recordArenaReserved(options.size_bytes);\n',
    replace: '        if (reservationRefused()) return error.OutOfMemory;\n',
  },
  {
    id: 'hosted-destroy-keeps-gauges',
    what: 'destroying a hosted arena leaves it in the gauges',
    file: 'zig/src/allocator.zig',
    find: '        arena_metrics.recordArenaReleased(self.options.size_bytes);\n',
    replace: '',
  },
  {
    id: 'hosted-create-ignores-seam',
    what: 'createHosted never consults the testing seam',
    file: 'zig/src/allocator.zig',
    find: `        // simulate an arena that cannot start this way.
        if (reservationRefused()) return error.OutOfMemory;`,
    replace: '        // simulate an arena that cannot start this way.',
  },
  {
    id: 'hosted-fallback-ignores-seam',
    what: 'a hosted fallback never consults the testing seam',
    file: 'zig/src/allocator.zig',
    find: `        assert(self.hosted and self.fallbacks == null);
        if (reservationRefused()) return error.OutOfMemory;`,
    replace: '        assert(self.hosted and self.fallbacks == null);',
  },
  {
    id: 'hosted-fallback-bytes-uncounted',
    what: 'a hosted fallback is not counted in fallback_bytes',
    file: 'zig/src/allocator.zig',
    find: `        self.state.fallbacks += 1;
        self.state.fallback_bytes += size_bytes;
        self.state.allocations += 1;
        self.state.bytes_allocated += size_bytes;
        return error.HostedFallback;`,
    replace: `        self.state.fallbacks += 1;
        self.state.allocations += 1;
        self.state.bytes_allocated += size_bytes;
        return error.HostedFallback;`,
  },
  {
    id: 'hosted-fallback-from-heap',
    what: 'a hosted arena serves its fallbacks from the heap, as an owning arena does',
    file: 'zig/src/allocator.zig',
    find: '            .fallback => return if (self.hosted) self.countHostedFallback(size_bytes) else self.allocFallback(size_bytes, alignment),',
    replace: '            .fallback => return if (false) self.countHostedFallback(size_bytes) else self.allocFallback(size_bytes, alignment),',
  },
  {
    id: 'hosted-unbound-alloc',
    what: 'engram_arena_alloc serves a hosted arena before its first bind',
    file: 'zig/src/ffi.zig',
    find: `    if (gone(handle) or handle.isDestroyed()) return code(.destroyed);
    if (handle.isUnbound()) return code(.invalid_argument);
    const alignment_bytes`,
    replace: `    if (gone(handle) or handle.isDestroyed()) return code(.destroyed);
    const alignment_bytes`,
  },
  {
    id: 'hosted-bind-any-arena',
    what: 'engram_arena_bind accepts an arena that owns its memory',
    file: 'zig/src/ffi.zig',
    find: '    if (!handle.hosted) return code(.invalid_argument);\n',
    replace: '',
  },
  {
    id: 'discard-partial-pages',
    what: 'discardPages rounds its start down, dropping bytes before the range',
    file: 'zig/src/allocator.zig',
    find: '    const start = std.mem.alignForward(usize, address, std.mem.page_size);',
    replace: '    const start = std.mem.alignBackward(usize, address, std.mem.page_size);',
  },
  {
    id: 'discard-nothing',
    what: 'discardPages gives nothing back',
    file: 'zig/src/allocator.zig',
    find: '        .linux => std.posix.madvise(pages, length_bytes, std.posix.MADV.DONTNEED) catch {},',
    replace: '        .linux => {},',
  },
];

function applyMutant(dir, mutant) {
  const file = path.join(dir, mutant.file);
  let text = fs.readFileSync(file, 'utf8');
  const pairs = mutant.all || [[mutant.find, mutant.replace]];
  for (const [find, replace] of pairs) {
    const count = text.split(find).length - 1;
    if (count !== 1) return `stale: the patch text occurs ${count} times in ${mutant.file}`;
    text = text.replace(find, () => replace);
  }
  fs.writeFileSync(file, text);
  return null;
}

function copySources(dir) {
  fs.rmSync(path.join(dir, 'zig'), { recursive: true, force: true });
  fs.cpSync(path.join(ROOT, 'zig'), path.join(dir, 'zig'), { recursive: true });
  fs.copyFileSync(path.join(ROOT, 'build.zig'), path.join(dir, 'build.zig'));
}

function runSuite(zig, dir, timeoutMs) {
  const started = Date.now();
  // timeout(1) signals its whole process group, so a hung test binary that
  // `zig build` started goes too, not only `zig build` itself.
  const seconds_limit = String(Math.round(timeoutMs / 1000));
  const command = ['-k', '10', seconds_limit, zig, 'build', 'test', '--cache-dir', path.join(dir, '.zig-cache')];
  const result = spawnSync('timeout', command, { cwd: dir, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const seconds = Math.round((Date.now() - started) / 1000);
  const output = `${result.stdout || ''}${result.stderr || ''}`;
  if (result.status === 124 || result.status === 137) {
    return { passed: false, hung: true, seconds, why: `hung: killed after ${seconds_limit} s` };
  }
  // A mutant that does not compile proves nothing about the tests.
  const compileError = output.match(/\.zig:\d+:\d+: error: .*/);
  if (compileError) return { passed: false, broken: true, seconds, why: compileError[0].slice(0, 160) };
  const failed = output.match(/error: '([^']+)' failed|c_abi_test \w+: .*|panic: .*/);
  // Otherwise the last line said something, whatever it was: a run that
  // fails without a test's name may be the build, not the mutant.
  const last = output.trim().split('\n').pop() || '';
  const why = failed ? failed[0] : `exit ${result.status}: ${last}`;
  return { passed: result.status === 0, seconds, why: why.slice(0, 160) };
}

function main() {
  const args = process.argv.slice(2);
  if (args.includes('--list')) {
    for (const m of MUTANTS) console.log(`${m.id.padEnd(40)} ${m.what}${m.equivalent ? ' [equivalent]' : ''}`);
    return 0;
  }
  const chosen = args.length ? MUTANTS.filter((m) => args.some((prefix) => m.id.startsWith(prefix))) : MUTANTS;
  const zig = locateZig();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'engram-mutants-'));
  try {
    copySources(dir);
    const baseline = runSuite(zig, dir, BASELINE_TIMEOUT_MS);
    console.log(`baseline (no mutant): ${baseline.passed ? 'passes' : 'FAILS'} (${baseline.seconds} s)`);
    if (!baseline.passed) {
      console.error(`mutants: the unmutated suite must pass first (${baseline.why})`);
      return 2;
    }
    const timeoutMs = Math.max(TIMEOUT_MS, 2 * baseline.seconds * 1000);
    const tally = { caught: 0, hung: 0, survived: 0, equivalent: 0, stale: 0, broken: 0 };
    for (const mutant of chosen) {
      copySources(dir);
      const stale = applyMutant(dir, mutant);
      if (stale) {
        tally.stale++;
        console.log(`STALE     ${mutant.id}: ${stale}`);
        continue;
      }
      const run = runSuite(zig, dir, timeoutMs);
      let verdict;
      if (run.broken) {
        tally.broken++;
        console.log(`BROKEN    ${mutant.id}: does not compile: ${run.why}`);
        continue;
      }
      if (mutant.equivalent) {
        tally.equivalent++;
        verdict = run.passed ? 'EQUIV     ' : 'EQUIV?!   ';
      } else if (run.passed) {
        tally.survived++;
        verdict = 'SURVIVED  ';
      } else {
        tally.caught++;
        if (run.hung) tally.hung++;
        verdict = 'caught    ';
      }
      const detail = mutant.equivalent && run.passed ? mutant.equivalent : run.passed ? 'the suite passed' : run.why;
      console.log(`${verdict}${mutant.id} (${run.seconds} s): ${detail}`);
    }
    const counted = tally.caught + tally.survived;
    console.log(
      `\nmutants: ${tally.caught}/${counted} caught (${tally.hung} only by the time limit), ` +
        `${tally.survived} survived, ${tally.equivalent} equivalent (not counted), ` +
        `${tally.stale} stale, ${tally.broken} not compiling`,
    );
    return tally.survived === 0 && tally.stale === 0 && tally.broken === 0 ? 0 : 1;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

process.exitCode = main();
