//! `ArenaAllocator.allocator()` checked call by call against
//! `std.heap.FixedBufferAllocator` over the same bytes.
//!
//! Both are bump allocators with the same rules for what `std.mem.Allocator`
//! offers in this Zig version (alloc, resize, free): the newest allocation
//! may grow, shrink or be freed in place, anything else only shrinks in
//! name. So every call must give both the same answer at the same address,
//! and the arena's offset must stay the FBA's end index. Around that, each
//! call checks what the FBA has no notion of: the counters, the bytes past
//! the offset of a zeroing arena, and the fallbacks. std's own
//! `testAllocator*` checks pass on allocators that get all of these wrong.

const std = @import("std");
const testing = std.testing;
const core = @import("../src/allocator.zig");

const ArenaAllocator = core.ArenaAllocator;
const FixedBufferAllocator = std.heap.FixedBufferAllocator;

/// One allocation handed out through `allocator()`.
const Live = struct {
    bytes: []u8,
    log2_align: u8,
    /// Served by the heap, not the buffer: the FBA never saw it.
    fallback: bool,
};

const max_live = 64;
/// Alignments up to 2^16: above the page, so above `core.max_alignment`.
const max_log2_align = 16;

/// The counters the arena must report after each call, kept from the calls'
/// results alone.
const Expected = struct {
    allocations: u64 = 0,
    bytes_allocated: u64 = 0,
    overflows: u64 = 0,
    fallbacks: u64 = 0,
    fallback_bytes: u64 = 0,
    high_water_mark: u64 = 0,

    fn check(expected: Expected, arena: *const ArenaAllocator, fba: *const FixedBufferAllocator) !void {
        const stats = arena.getStats();
        try testing.expectEqual(@as(u64, fba.end_index), stats.current_usage_bytes);
        try testing.expectEqual(expected.high_water_mark, stats.high_water_mark_bytes);
        try testing.expectEqual(expected.allocations, stats.allocations);
        try testing.expectEqual(expected.bytes_allocated, stats.bytes_allocated);
        try testing.expectEqual(expected.overflows, stats.overflows);
        try testing.expectEqual(expected.fallbacks, stats.fallbacks);
        try testing.expectEqual(expected.fallback_bytes, stats.fallback_bytes);
    }
};

/// A run of random calls on one arena and one FBA over `buffer`.
const Run = struct {
    arena: *ArenaAllocator,
    fba: *FixedBufferAllocator,
    random: std.Random,
    live: [max_live]Live = undefined,
    live_count: usize = 0,
    expected: Expected = .{},

    fn step(run: *Run) !void {
        const choice = run.random.uintLessThan(u8, 10);
        if (run.live_count == 0 or (choice < 5 and run.live_count < max_live)) return run.alloc();
        // Mostly the newest: that is where in-place resizes and frees happen.
        const index = if (run.random.boolean()) run.live_count - 1 else run.random.uintLessThan(usize, run.live_count);
        if (choice < 8) return run.resize(index);
        return run.free(index);
    }

    fn alloc(run: *Run) !void {
        const len = 1 + run.random.uintLessThan(usize, if (run.random.uintLessThan(u8, 8) == 0) 9000 else 300);
        const log2_align = run.random.uintAtMost(u8, if (run.random.boolean()) 4 else max_log2_align);
        const from_arena = run.arena.allocator().rawAlloc(len, log2_align, 0);
        const from_fba = run.fba.allocator().rawAlloc(len, log2_align, 0);
        if (from_fba) |ptr| {
            // Where the FBA put it, the arena must have put it too.
            try testing.expectEqual(@as(?[*]u8, ptr), from_arena);
            run.expected.allocations += 1;
            run.expected.bytes_allocated += len;
        } else if (from_arena) |ptr| {
            try testing.expectEqual(core.OverflowStrategy.fallback, run.arena.options.overflow_strategy);
            try testing.expect(std.mem.allEqual(u8, ptr[0..len], 0));
            run.expected.overflows += 1;
            run.expected.fallbacks += 1;
            run.expected.fallback_bytes += len;
            run.expected.allocations += 1;
            run.expected.bytes_allocated += len;
        } else {
            run.expected.overflows += 1;
        }
        const ptr = from_arena orelse return run.checkAll();
        try testing.expect(std.mem.isAligned(@intFromPtr(ptr), @as(usize, 1) << @intCast(log2_align)));
        run.live[run.live_count] = .{ .bytes = ptr[0..len], .log2_align = log2_align, .fallback = from_fba == null };
        run.live_count += 1;
        run.fill(ptr[0..len]);
        try run.checkAll();
    }

    fn resize(run: *Run, index: usize) !void {
        const entry = &run.live[index];
        const old_len = entry.bytes.len;
        const new_len = 1 + run.random.uintLessThan(usize, 2 * old_len + 64);
        const by_arena = run.arena.allocator().rawResize(entry.bytes, entry.log2_align, new_len, 0);
        if (entry.fallback) {
            // A heap block is never the newest: shrinks are kept, growth refused.
            try testing.expectEqual(new_len <= old_len, by_arena);
        } else {
            const end_before = run.fba.end_index;
            const by_fba = run.fba.allocator().rawResize(entry.bytes, entry.log2_align, new_len, 0);
            try testing.expectEqual(by_fba, by_arena);
            if (by_fba and run.fba.end_index > end_before) run.expected.bytes_allocated += run.fba.end_index - end_before;
        }
        if (by_arena) {
            const grown_from = @min(old_len, new_len);
            entry.bytes = entry.bytes.ptr[0..new_len];
            run.fill(entry.bytes[grown_from..]);
        }
        try run.checkAll();
    }

    fn free(run: *Run, index: usize) !void {
        const entry = run.live[index];
        run.arena.allocator().rawFree(entry.bytes, entry.log2_align, 0);
        if (!entry.fallback) run.fba.allocator().rawFree(entry.bytes, entry.log2_align, 0);
        std.mem.copyForwards(Live, run.live[index .. run.live_count - 1], run.live[index + 1 .. run.live_count]);
        run.live_count -= 1;
        try run.checkAll();
    }

    /// Writes what a user would, so that a zeroing arena has bytes to zero.
    fn fill(run: *Run, bytes: []u8) void {
        _ = run;
        @memset(bytes, 0xA5);
    }

    fn checkAll(run: *Run) !void {
        run.expected.high_water_mark = @max(run.expected.high_water_mark, run.fba.end_index);
        try run.expected.check(run.arena, run.fba);
        if (run.arena.options.zero_on_reset) {
            // Everything past the offset is handed out later as fresh memory.
            try testing.expect(std.mem.allEqual(u8, run.arena.buffer[run.fba.end_index..], 0));
        }
    }

    fn reset(run: *Run) !void {
        run.arena.reset();
        run.fba.reset();
        run.live_count = 0;
        run.expected = .{ .high_water_mark = run.expected.high_water_mark };
        try run.checkAll();
        if (run.arena.options.zero_on_reset) try testing.expect(std.mem.allEqual(u8, run.arena.buffer, 0));
    }
};

const page = std.mem.page_size;

/// Runs random calls on an arena and an FBA over `buffer`; the FBA only
/// ever sees what the arena served from the buffer.
fn compareWithFba(buffer: []u8, strategy: core.OverflowStrategy, zero_on_reset: bool, seed: u64) !void {
    @memset(buffer, 0);
    var arena = ArenaAllocator.initOptions(buffer, .{
        .size_bytes = buffer.len,
        .overflow_strategy = strategy,
        .zero_on_reset = zero_on_reset,
    });
    defer arena.deinit();
    // The heap of the fallbacks checks that each one is freed at reset.
    arena.fallback_allocator = testing.allocator;
    var fba = FixedBufferAllocator.init(buffer);
    var prng = std.Random.DefaultPrng.init(seed);
    var run = Run{ .arena = &arena, .fba = &fba, .random = prng.random() };
    for (0..4) |_| {
        for (0..300) |_| try run.step();
        try run.reset();
    }
}

/// Starts that are not aligned: the arena must pad from the address, not
/// from the offset, as the FBA does.
const misalignments = [_]usize{ 0, 1, 7, 24, page - 8, page + 3 };

test "conformance: the arena answers every call as FixedBufferAllocator does, at the same address" {
    const backing = try std.heap.page_allocator.alignedAlloc(u8, page, 80 * 1024);
    defer std.heap.page_allocator.free(backing);
    for (misalignments, 0..) |misalignment, index| {
        const buffer = backing[misalignment..][0 .. 64 * 1024];
        try compareWithFba(buffer, .error_return, false, testing.random_seed +% index);
    }
}

test "conformance: a zeroing arena keeps every byte past the offset zero" {
    const backing = try std.heap.page_allocator.alignedAlloc(u8, page, 80 * 1024);
    defer std.heap.page_allocator.free(backing);
    for (misalignments, 0..) |misalignment, index| {
        const buffer = backing[misalignment..][0 .. 24 * 1024];
        try compareWithFba(buffer, .error_return, true, testing.random_seed +% 100 +% index);
    }
}

test "conformance: fallbacks are counted, aligned, zeroed and never the newest" {
    const backing = try std.heap.page_allocator.alignedAlloc(u8, page, 32 * 1024);
    defer std.heap.page_allocator.free(backing);
    for ([_]bool{ false, true }, [_]usize{ 5, page }) |zero_on_reset, misalignment| {
        const buffer = backing[misalignment..][0 .. 12 * 1024];
        try compareWithFba(buffer, .fallback, zero_on_reset, testing.random_seed +% 200 +% misalignment);
    }
}

test "conformance: alignments above a page, as 16 KiB-page targets ask, pad from the address" {
    var arena = try ArenaAllocator.create(.{ .size_bytes = 4 << 20, .overflow_strategy = .error_return, .zero_on_reset = true });
    defer arena.destroy();
    try std.heap.testAllocatorLargeAlignment(arena.allocator());
    arena.reset();
    const gpa = arena.allocator();
    // Off a page boundary, so that only an address-based padding lands right.
    // rawAlloc: this Zig's alignedAlloc stops at the page size of the build.
    _ = gpa.rawAlloc(1, 0, 0) orelse return error.TestUnexpectedResult;
    for ([_]u8{ 13, 14, 20 }) |log2_align| {
        const ptr = gpa.rawAlloc(100, log2_align, 0) orelse return error.TestUnexpectedResult;
        try testing.expect(std.mem.isAligned(@intFromPtr(ptr), @as(usize, 1) << @intCast(log2_align)));
    }
    // One that no buffer of this size can satisfy is refused, not misplaced.
    try testing.expectEqual(@as(?[*]u8, null), gpa.rawAlloc(1, 30, 0));
    // The C ABI's `alloc` keeps its limit of one page.
    try testing.expectError(error.InvalidAlignment, arena.alloc(1, 8192));
}

test "conformance: a fallback aligned above a page, through the heap" {
    var arena = try ArenaAllocator.create(.{ .size_bytes = 4096, .overflow_strategy = .fallback, .zero_on_reset = false });
    defer arena.destroy();
    arena.fallback_allocator = testing.allocator;
    const ptr = arena.allocator().rawAlloc(5000, 16, 0) orelse return error.TestUnexpectedResult;
    const bytes = ptr[0..5000];
    try testing.expect(std.mem.isAligned(@intFromPtr(bytes.ptr), 1 << 16));
    try testing.expect(std.mem.allEqual(u8, bytes, 0));
    try testing.expectEqual(@as(u64, 1), arena.state.fallbacks);
    // An alignment whose header padding would wrap is refused, not wrapped.
    try testing.expectEqual(@as(?[*]u8, null), arena.allocator().rawAlloc(8192, @bitSizeOf(usize) - 1, 0));
    arena.reset();
}
