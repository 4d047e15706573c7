//! Randomised tests of `ArenaAllocator` against a reference model, and
//! failure injection at every point where the core reserves memory.
//!
//! `zig build test` runs this file in Debug and in ReleaseSafe. The seed is
//! the test runner's (`--seed`); ENGRAM_MODEL_SEQUENCES asks for more runs.

const std = @import("std");
const testing = std.testing;
const engram = @import("engram_arena");

const ArenaAllocator = engram.ArenaAllocator;

/// What the arena should look like, computed independently of its code: the
/// padding comes from the address, as the design says.
const Model = struct {
    base_address: usize,
    size_bytes: usize,
    strategy: engram.OverflowStrategy,
    zero_on_reset: bool,
    offset: usize = 0,
    high_water_mark: usize = 0,
    overflows: u64 = 0,
    allocations: u64 = 0,
    bytes_allocated: u64 = 0,
    fallbacks: u64 = 0,
    fallback_bytes: u64 = 0,

    /// Where a request lands in the buffer, or null when it overflows.
    fn place(model: *const Model, size_bytes: usize, alignment: usize) ?usize {
        const address = model.base_address + model.offset;
        const start = std.mem.alignForward(usize, address, alignment) - model.base_address;
        if (start + size_bytes > model.size_bytes) return null;
        return start;
    }

    fn reset(model: *Model) void {
        model.* = .{
            .base_address = model.base_address,
            .size_bytes = model.size_bytes,
            .strategy = model.strategy,
            .zero_on_reset = model.zero_on_reset,
            .high_water_mark = model.high_water_mark,
        };
    }

    fn expectMatches(model: *const Model, arena: *const ArenaAllocator) !void {
        try testing.expectEqual(@as(u64, model.offset), arena.state.offset);
        try testing.expectEqual(@as(u64, model.high_water_mark), arena.highWaterMark());
        try testing.expectEqual(model.overflows, arena.state.overflows);
        try testing.expectEqual(model.allocations, arena.state.allocations);
        try testing.expectEqual(model.bytes_allocated, arena.state.bytes_allocated);
        try testing.expectEqual(model.fallbacks, arena.state.fallbacks);
        try testing.expectEqual(model.fallback_bytes, arena.state.fallback_bytes);
    }
};

/// A live allocation and the byte it was filled with.
const Live = struct { bytes: []u8, fill: u8 };

const max_live = 512;

fn randomSize(random: std.Random) usize {
    return switch (random.uintLessThan(u8, 10)) {
        0 => random.uintAtMost(usize, 1024 * 1024),
        1 => 0,
        2, 3 => random.uintAtMost(usize, 64 * 1024),
        else => random.uintAtMost(usize, 512),
    };
}

fn randomAlignment(random: std.Random) usize {
    return @as(usize, 1) << random.uintAtMost(u4, 12);
}

fn sequenceCount() usize {
    const text = std.c.getenv("ENGRAM_MODEL_SEQUENCES") orelse return 60;
    return std.fmt.parseInt(usize, std.mem.sliceTo(text, 0), 10) catch 60;
}

test "randomised arena against the reference model" {
    var prng = std.Random.DefaultPrng.init(testing.random_seed);
    const random = prng.random();
    for (0..sequenceCount()) |_| try runSequence(random);
}

fn runSequence(random: std.Random) !void {
    const capacity = random.intRangeAtMost(usize, 4096, 3 * 1024 * 1024);
    const options = engram.Options{
        .size_bytes = capacity,
        .overflow_strategy = if (random.boolean()) .fallback else .error_return,
        .zero_on_reset = random.boolean(),
    };
    if (random.boolean()) {
        var arena = try ArenaAllocator.create(options);
        defer arena.destroy();
        // Fresh pages are zero.
        try runSteps(random, &arena, true);
    } else {
        // A base that is deliberately off any power-of-two boundary above 1.
        const shift = 1 + 2 * random.uintLessThan(usize, 32);
        const backing = try testing.allocator.alignedAlloc(u8, 4096, capacity + 64);
        defer testing.allocator.free(backing);
        var arena = ArenaAllocator.initOptions(backing[shift..], options);
        defer arena.deinit();
        try runSteps(random, &arena, options.zero_on_reset);
    }
}

fn runSteps(random: std.Random, arena: *ArenaAllocator, starts_zeroed: bool) !void {
    arena.fallback_allocator = testing.allocator;
    var model = Model{
        .base_address = @intFromPtr(arena.buffer.ptr),
        .size_bytes = arena.buffer.len,
        .strategy = arena.options.overflow_strategy,
        .zero_on_reset = arena.options.zero_on_reset,
    };
    var live: [max_live]Live = undefined;
    var live_count: usize = 0;
    // Zeroing keeps the bytes after the offset zero.
    var tail_is_zero = starts_zeroed;

    for (0..200) |_| {
        if (random.uintLessThan(u8, 20) == 0 or live_count == max_live) {
            try expectContents(live[0..live_count]);
            arena.reset();
            model.reset();
            live_count = 0;
            tail_is_zero = model.zero_on_reset;
        } else {
            const size_bytes = randomSize(random);
            const alignment = randomAlignment(random);
            const bytes = try allocChecked(arena, &model, size_bytes, alignment, tail_is_zero) orelse continue;
            const fill = random.int(u8);
            @memset(bytes, fill);
            live[live_count] = .{ .bytes = bytes, .fill = fill };
            live_count += 1;
        }
        try model.expectMatches(arena);
    }
    try expectContents(live[0..live_count]);
}

/// Allocates through the arena and the model and checks they agree; null
/// when the request was refused as the model predicted.
fn allocChecked(arena: *ArenaAllocator, model: *Model, size_bytes: usize, alignment: usize, tail_is_zero: bool) !?[]u8 {
    const result = arena.alloc(size_bytes, alignment);
    if (model.place(size_bytes, alignment)) |start| {
        const bytes = try result;
        try testing.expectEqual(model.base_address + start, @intFromPtr(bytes.ptr));
        try testing.expectEqual(size_bytes, bytes.len);
        if (tail_is_zero) try testing.expect(std.mem.allEqual(u8, bytes, 0));
        model.offset = start + size_bytes;
        model.high_water_mark = @max(model.high_water_mark, model.offset);
        model.allocations += 1;
        model.bytes_allocated += size_bytes;
        return bytes;
    }
    model.overflows += 1;
    if (model.strategy == .error_return) {
        try testing.expectError(error.OutOfMemory, result);
        return null;
    }
    const bytes = try result;
    try testing.expect(@intFromPtr(bytes.ptr) % alignment == 0);
    try testing.expect(outside(bytes, arena.buffer));
    if (model.zero_on_reset) try testing.expect(std.mem.allEqual(u8, bytes, 0));
    model.allocations += 1;
    model.bytes_allocated += size_bytes;
    model.fallbacks += 1;
    model.fallback_bytes += size_bytes;
    return bytes;
}

fn outside(bytes: []const u8, buffer: []const u8) bool {
    const start = @intFromPtr(bytes.ptr);
    const base = @intFromPtr(buffer.ptr);
    return start + bytes.len <= base or start >= base + buffer.len;
}

/// Every live allocation still holds its fill byte: none overlapped another.
fn expectContents(live: []const Live) !void {
    for (live) |entry| try testing.expect(std.mem.allEqual(u8, entry.bytes, entry.fill));
}

// ---- failure injection: every reservation the core makes may fail ----

/// Creates an arena, overflows it into the fallback heap, resets and
/// overflows again; every reservation goes through `backing`.
fn fallbackScenario(backing: std.mem.Allocator) !void {
    var arena = try ArenaAllocator.createIn(backing, .{
        .size_bytes = 4096,
        .overflow_strategy = .fallback,
        .zero_on_reset = true,
    });
    defer arena.destroy();
    arena.fallback_allocator = backing;
    _ = try arena.alloc(4000, 8);
    _ = try arena.alloc(5000, 64);
    _ = try arena.alloc(100, 4096);
    arena.reset();
    _ = try arena.alloc(10_000, 1);
    try testing.expectEqual(@as(u64, 1), arena.state.fallbacks);
}

test "failure injection: arena buffer and each fallback" {
    try testing.checkAllAllocationFailures(testing.allocator, fallbackScenario, .{});
}

fn threadArenaScenario(backing: std.mem.Allocator) !void {
    const saved = engram.thread_arena_backing;
    defer engram.thread_arena_backing = saved;
    engram.thread_arena_backing = backing;
    const arena = try engram.getThreadArena();
    defer engram.deinitThreadArena();
    arena.fallback_allocator = backing;
    _ = try arena.alloc(arena.buffer.len + 1, 8);
}

test "failure injection: the thread arena" {
    defer engram.arena_config.resetConfig();
    try engram.arena_config.setConfig(.{ .size_bytes = 64 * 1024, .overflow_strategy = .fallback, .zero_on_reset = true });
    try testing.checkAllAllocationFailures(testing.allocator, threadArenaScenario, .{});
}

test "failure injection: the process-wide seam refuses each kind of reservation" {
    engram.failReservations(1);
    try testing.expectError(error.OutOfMemory, ArenaAllocator.create(.{ .size_bytes = 4096, .overflow_strategy = .fallback, .zero_on_reset = true }));
    engram.failReservations(1);
    try testing.expectError(error.OutOfMemory, engram.getThreadArena());
    var arena = try ArenaAllocator.create(.{ .size_bytes = 4096, .overflow_strategy = .fallback, .zero_on_reset = true });
    defer arena.destroy();
    engram.failReservations(1);
    try testing.expectError(error.OutOfMemory, arena.alloc(8192, 8));
    try testing.expectEqual(@as(u64, 0), arena.state.fallbacks);
    _ = try arena.alloc(8192, 8);
    try testing.expectEqual(@as(u64, 1), arena.state.fallbacks);
}
