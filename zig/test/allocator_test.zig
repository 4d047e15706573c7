//! Tests of allocator.zig: the seed's tests, the behaviours before its fixes,
//! and what this project added (address alignment, overflow strategies,
//! failure injection, thread arenas across threads).

const std = @import("std");
const builtin = @import("builtin");
const testing = std.testing;
const core = @import("../src/allocator.zig");
const arena_config = @import("../src/arena_config.zig");
const arena_metrics = @import("../src/arena_metrics.zig");

const ArenaAllocator = core.ArenaAllocator;
const Options = core.Options;

fn options(capacity: usize, strategy: core.OverflowStrategy, zero_on_reset: bool) Options {
    return .{ .size_bytes = capacity, .overflow_strategy = strategy, .zero_on_reset = zero_on_reset };
}

fn isAligned(bytes: []const u8, alignment: usize) bool {
    return @intFromPtr(bytes.ptr) % alignment == 0;
}

// ---- the seed's alignment and overflow tests ----

test "alignment overflow protection - offset near maximum" {
    // The address computation wraps: the pure offset arithmetic must say no.
    const near_max = std.math.maxInt(usize) - 100;
    try testing.expectEqual(@as(?usize, null), core.alignedOffset(0x1000, near_max, 8, std.math.maxInt(usize)));
    try testing.expectEqual(@as(?usize, null), core.alignedOffset(std.math.maxInt(usize) - 3, 0, 8, 100));

    // An arena whose buffer ends at the top of the address space: aligning the
    // address wraps. Nothing is ever written there, so no memory is touched.
    const top: [*]u8 = @ptrFromInt(std.math.maxInt(usize) - 100);
    var arena = ArenaAllocator.initOptions(top[0..100], options(100, .error_return, false));
    defer arena.deinit();
    try testing.expectError(error.OutOfMemory, arena.alloc(8, 4096));
    try testing.expectEqual(@as(u64, 1), arena.state.overflows);
    try testing.expectEqual(@as(u64, 0), arena.state.offset);
}

test "size overflow protection - extremely large size" {
    var buffer: [1024]u8 = undefined;
    var arena = ArenaAllocator.initOptions(&buffer, options(buffer.len, .error_return, false));
    defer arena.deinit();
    _ = try arena.alloc(10, 1);
    // Above the 1 GiB limit: rejected before any arithmetic.
    try testing.expectError(error.InvalidSize, arena.alloc(std.math.maxInt(usize), 1));
    try testing.expectEqual(@as(u64, 0), arena.state.overflows);
    // Within the limit but far beyond the buffer: an overflow.
    try testing.expectError(error.OutOfMemory, arena.alloc(core.max_alloc_bytes, 1));
    try testing.expectError(error.OutOfMemory, arena.alloc(buffer.len - 9, 1));
    try testing.expectEqual(@as(u64, 2), arena.state.overflows);
    try testing.expectEqual(@as(u64, 10), arena.state.offset);
}

test "invalid alignment - zero alignment" {
    var buffer: [256]u8 = undefined;
    var arena = ArenaAllocator.initOptions(&buffer, options(buffer.len, .error_return, false));
    defer arena.deinit();
    try testing.expectError(error.InvalidAlignment, arena.alloc(8, 0));
    try testing.expectEqual(@as(u64, 0), arena.state.offset);
    try testing.expectEqual(@as(u64, 0), arena.state.overflows);
}

test "invalid alignment - non-power-of-two" {
    var buffer: [256]u8 = undefined;
    var arena = ArenaAllocator.initOptions(&buffer, options(buffer.len, .error_return, false));
    defer arena.deinit();
    for ([_]usize{ 3, 6, 12, 100, 4095, 8192, std.math.maxInt(usize) }) |alignment| {
        try testing.expectError(error.InvalidAlignment, arena.alloc(8, alignment));
    }
    try testing.expectEqual(@as(u64, 0), arena.state.offset);
    try testing.expectEqual(@as(u64, 0), arena.state.allocations);
}

test "large alignment values - 64, 128, 256 bytes" {
    var buffer: [4096]u8 = undefined;
    var arena = ArenaAllocator.initOptions(&buffer, options(buffer.len, .error_return, false));
    defer arena.deinit();
    _ = try arena.alloc(1, 1);
    for ([_]usize{ 64, 128, 256, 4096 }) |alignment| {
        arena.reset();
        _ = try arena.alloc(3, 1);
        const bytes = arena.alloc(16, alignment) catch |err| {
            // 4096 only fits when the stack buffer happens to start on a page.
            try testing.expectEqual(@as(usize, 4096), alignment);
            try testing.expectEqual(error.OutOfMemory, err);
            continue;
        };
        try testing.expect(isAligned(bytes, alignment));
        try testing.expectEqual(@as(usize, 16), bytes.len);
    }
}

test "alignment exceeds remaining space" {
    var backing: [512]u8 align(256) = undefined;
    var arena = ArenaAllocator.initOptions(&backing, options(200, .error_return, false));
    defer arena.deinit();
    _ = try arena.alloc(10, 1);
    // The next 256-aligned address is past the 200-byte capacity.
    try testing.expectError(error.OutOfMemory, arena.alloc(1, 256));
    try testing.expectEqual(@as(u64, 10), arena.state.offset);
    try testing.expectEqual(@as(u64, 1), arena.state.overflows);
    // Padding to 128 fits but the size then does not.
    try testing.expectError(error.OutOfMemory, arena.alloc(73, 128));
    const last = try arena.alloc(72, 128);
    try testing.expectEqual(@as(usize, 128), @intFromPtr(last.ptr) - @intFromPtr(&backing));
    try testing.expectEqual(@as(u64, 200), arena.state.offset);
}

test "alignment padding calculation - validate offset accounting" {
    var backing: [256]u8 align(64) = undefined;
    var arena = ArenaAllocator.initOptions(&backing, options(backing.len, .error_return, false));
    defer arena.deinit();
    _ = try arena.alloc(1, 1);
    try testing.expectEqual(@as(u64, 1), arena.state.offset);
    _ = try arena.alloc(4, 4); // 3 bytes of padding
    try testing.expectEqual(@as(u64, 8), arena.state.offset);
    _ = try arena.alloc(8, 16); // 8 bytes of padding
    try testing.expectEqual(@as(u64, 24), arena.state.offset);
    _ = try arena.alloc(0, 64); // a zero-size request still aligns
    try testing.expectEqual(@as(u64, 64), arena.state.offset);
    try testing.expectEqual(@as(u64, 13), arena.state.bytes_allocated);
    try testing.expectEqual(@as(u64, 4), arena.state.allocations);
    try testing.expectEqual(@as(u64, 64), arena.highWaterMark());
}

test "misaligned base: the address is aligned, the padding is in the offset" {
    var backing: [4096]u8 align(4096) = undefined;
    const base = backing[1..];
    var arena = ArenaAllocator.initOptions(base, options(base.len, .error_return, false));
    defer arena.deinit();
    _ = try arena.alloc(1, 1);
    for ([_]usize{ 64, 128, 256 }) |alignment| {
        const bytes = try arena.alloc(16, alignment);
        try testing.expect(isAligned(bytes, alignment));
        const offset = @intFromPtr(bytes.ptr) - @intFromPtr(base.ptr);
        try testing.expectEqual(offset + 16, arena.state.offset);
    }
    // Offsets 63 (address 64), 127 (address 128) and 255 (address 256).
    try testing.expectEqual(@as(u64, 255 + 16), arena.state.offset);
}

// ---- the seed's zeroing and deinit tests ----

/// Sets the global zero flag for `init`; the caller restores with resetConfig.
fn setZeroOnReset(zero: bool) !void {
    var config = arena_config.ArenaConfig.DEFAULT;
    config.zero_on_reset = zero;
    try arena_config.setConfig(config);
}

test "memory zeroing on reset - enabled" {
    defer arena_config.resetConfig();
    try setZeroOnReset(true);
    var buffer: [256]u8 = undefined;
    var arena = ArenaAllocator.init(&buffer);
    defer arena.deinit();
    try testing.expect(arena.options.zero_on_reset);
    const first = try arena.alloc(100, 1);
    @memset(first, 0xFF);
    arena.reset();
    const second = try arena.alloc(100, 1);
    try testing.expectEqual(first.ptr, second.ptr);
    for (second) |byte| try testing.expectEqual(@as(u8, 0), byte);
}

test "memory zeroing on reset - disabled" {
    defer arena_config.resetConfig();
    try setZeroOnReset(false);
    var buffer: [256]u8 = undefined;
    var arena = ArenaAllocator.init(&buffer);
    defer arena.deinit();
    try testing.expect(!arena.options.zero_on_reset);
    const first = try arena.alloc(100, 1);
    @memset(first, 0xFF);
    arena.reset();
    const second = try arena.alloc(100, 1);
    for (second) |byte| try testing.expectEqual(@as(u8, 0xFF), byte);
}

test "thread arena cleanup - deinitThreadArena" {
    const arena = try core.getThreadArena();
    _ = try arena.alloc(100, 1);
    core.deinitThreadArena();
    core.deinitThreadArena(); // a second call is a no-op
    try testing.expectEqual(@as(?core.Stats, null), core.getThreadArenaStats());
    const fresh = try core.getThreadArena();
    try testing.expectEqual(@as(u64, 0), fresh.state.offset);
    try testing.expectEqual(@as(u64, 0), fresh.state.high_water_mark);
    core.deinitThreadArena();
}

// ---- behaviours the seed had before its fixes ----

test "basic allocation" {
    var buffer: [1024]u8 = undefined;
    var arena = ArenaAllocator.initOptions(&buffer, options(buffer.len, .error_return, true));
    defer arena.deinit();
    const first = try arena.alloc(100, 1);
    const second = try arena.alloc(200, 1);
    try testing.expectEqual(@as(usize, 100), first.len);
    try testing.expectEqual(@as(usize, 200), second.len);
    try testing.expectEqual(first.ptr + 100, second.ptr);
    try testing.expectEqual(@as(u64, 300), arena.state.offset);
    try testing.expectEqual(@as(u64, 2), arena.state.allocations);
}

test "alignment" {
    var buffer: [1024]u8 align(16) = undefined;
    var arena = ArenaAllocator.initOptions(&buffer, options(buffer.len, .error_return, false));
    defer arena.deinit();
    _ = try arena.alloc(1, 1);
    for ([_]usize{ 2, 4, 8, 16 }) |alignment| {
        try testing.expect(isAligned(try arena.alloc(3, alignment), alignment));
    }
}

test "overflow detection" {
    var buffer: [100]u8 = undefined;
    var arena = ArenaAllocator.initOptions(&buffer, options(buffer.len, .error_return, false));
    defer arena.deinit();
    _ = try arena.alloc(60, 1);
    try testing.expectError(error.OutOfMemory, arena.alloc(50, 1));
    try testing.expectEqual(@as(u64, 60), arena.state.offset);
    try testing.expectEqual(@as(u64, 1), arena.state.overflows);
    _ = try arena.alloc(40, 1);
    try testing.expectEqual(@as(u64, 100), arena.state.offset);
}

test "reset keeps the high-water mark and folds into the metrics" {
    arena_metrics.reset();
    defer arena_metrics.reset();
    var buffer: [1024]u8 = undefined;
    var arena = ArenaAllocator.initOptions(&buffer, options(buffer.len, .error_return, false));
    _ = try arena.alloc(500, 1);
    try testing.expectError(error.OutOfMemory, arena.alloc(600, 1));
    arena.reset();
    try testing.expectEqual(@as(u64, 0), arena.state.offset);
    try testing.expectEqual(@as(u64, 500), arena.state.high_water_mark);
    try testing.expectEqual(@as(u64, 0), arena.state.overflows);
    try testing.expectEqual(@as(u64, 0), arena.state.allocations);
    _ = try arena.alloc(100, 1);
    arena.deinit();
    const metrics = arena_metrics.snapshot();
    try testing.expectEqual(@as(u64, 1), metrics.total_resets);
    try testing.expectEqual(@as(u64, 1), metrics.total_overflows);
    try testing.expectEqual(@as(u64, 500), metrics.max_high_water_mark_bytes);
    try testing.expectEqual(@as(u64, 2), metrics.total_allocations);
    try testing.expectEqual(@as(u64, 600), metrics.total_bytes_allocated);
}

test "typed allocation" {
    var buffer: [1024]u8 = undefined;
    var arena = ArenaAllocator.initOptions(&buffer, options(buffer.len, .error_return, false));
    defer arena.deinit();
    _ = try arena.alloc(1, 1);
    const floats = try arena.allocArray(f64, 10);
    try testing.expectEqual(@as(usize, 10), floats.len);
    try testing.expect(@intFromPtr(floats.ptr) % @alignOf(f64) == 0);
    for (floats, 0..) |*value, index| value.* = @floatFromInt(index);
    try testing.expectEqual(@as(f64, 9), floats[9]);
    const Pair = extern struct { key: u32, value: u16 };
    const pairs = try arena.allocArray(Pair, 4);
    try testing.expect(@intFromPtr(pairs.ptr) % @alignOf(Pair) == 0);
    // count * size overflows usize: a size error, not a wrapped small request.
    try testing.expectError(error.InvalidSize, arena.allocArray(u64, std.math.maxInt(usize) / 4));
}

test "remaining" {
    var buffer: [1000]u8 = undefined;
    var arena = ArenaAllocator.initOptions(&buffer, options(buffer.len, .error_return, false));
    defer arena.deinit();
    try testing.expectEqual(@as(usize, 1000), arena.remaining());
    _ = try arena.alloc(300, 1);
    try testing.expectEqual(@as(usize, 700), arena.remaining());
    arena.reset();
    try testing.expectEqual(@as(usize, 1000), arena.remaining());
}

test "utilization" {
    var buffer: [1000]u8 = undefined;
    var arena = ArenaAllocator.initOptions(&buffer, options(buffer.len, .error_return, false));
    defer arena.deinit();
    try testing.expectEqual(@as(f64, 0.0), arena.utilization());
    _ = try arena.alloc(250, 1);
    try testing.expectApproxEqAbs(@as(f64, 0.25), arena.utilization(), 1e-12);
    _ = try arena.alloc(750, 1);
    try testing.expectEqual(@as(f64, 1.0), arena.utilization());
    const stats = arena.getStats();
    try testing.expectEqual(@as(u64, 1000), stats.current_usage_bytes);
    try testing.expectEqual(@as(u64, 1000), stats.size_bytes);
    try testing.expectEqual(@as(f64, 1.0), stats.utilization);
}

test "thread arena init and reuse" {
    defer arena_config.resetConfig();
    try arena_config.setConfig(.{ .size_bytes = 128 * 1024, .overflow_strategy = .fallback, .zero_on_reset = false });
    const arena = try core.getThreadArena();
    defer core.deinitThreadArena();
    try testing.expectEqual(@as(u64, 128 * 1024), arena.state.size_bytes);
    try testing.expectEqual(core.OverflowStrategy.fallback, arena.options.overflow_strategy);
    try testing.expect(!arena.options.zero_on_reset);
    _ = try arena.alloc(64, 8);
    const again = try core.getThreadArena();
    try testing.expectEqual(arena, again);
    try testing.expectEqual(@as(u64, 64), core.getThreadArenaStats().?.current_usage_bytes);
    core.resetThreadArena();
    try testing.expectEqual(@as(u64, 0), core.getThreadArenaStats().?.current_usage_bytes);
    try testing.expect(core.isThreadArena(arena));
}

// ---- owned arenas, gauges and failure injection ----

test "create reserves a zeroed page-aligned buffer and counts it" {
    const before = arena_metrics.snapshot();
    var arena = try ArenaAllocator.create(options(100_000, .error_return, true));
    const during = arena_metrics.snapshot();
    try testing.expectEqual(before.live_arenas + 1, during.live_arenas);
    try testing.expectEqual(before.reserved_bytes + 100_000, during.reserved_bytes);
    try testing.expect(isAligned(arena.buffer, std.mem.page_size));
    try testing.expect(std.mem.allEqual(u8, arena.buffer, 0));
    arena.destroy();
    try testing.expect(arena.isDestroyed());
    try testing.expectEqual(before.live_arenas, arena_metrics.snapshot().live_arenas);
    try testing.expectEqual(before.reserved_bytes, arena_metrics.snapshot().reserved_bytes);
}

test "init failure: capacity limits, refused reservations, failing backing allocator" {
    const before = arena_metrics.snapshot();
    try testing.expectError(error.InvalidSize, ArenaAllocator.create(options(0, .error_return, true)));
    try testing.expectError(error.InvalidSize, ArenaAllocator.create(options(core.max_size_bytes + 1, .error_return, true)));

    core.failReservations(2);
    try testing.expectError(error.OutOfMemory, ArenaAllocator.create(options(4096, .error_return, true)));
    try testing.expectError(error.OutOfMemory, core.getThreadArena());
    try testing.expectEqual(@as(?core.Stats, null), core.getThreadArenaStats());

    var failing = testing.FailingAllocator.init(testing.allocator, .{ .fail_index = 0 });
    try testing.expectError(error.OutOfMemory, ArenaAllocator.createIn(failing.allocator(), options(4096, .error_return, true)));

    try testing.expectEqual(before.live_arenas, arena_metrics.snapshot().live_arenas);
    // The seam is spent: the next reservation succeeds.
    const arena = try core.getThreadArena();
    try testing.expectEqual(@as(u64, 0), arena.state.offset);
    core.deinitThreadArena();
}

test "createIn zeroes a buffer from a backing allocator that does not" {
    var arena = try ArenaAllocator.createIn(testing.allocator, options(8192, .error_return, true));
    defer arena.destroy();
    try testing.expect(std.mem.allEqual(u8, arena.buffer, 0));
}

test "thread arena re-entry guard returns an error" {
    const Reentrant = struct {
        var inner_result: ?core.ThreadArenaError!*ArenaAllocator = null;

        fn alloc(context: *anyopaque, len: usize, log2_align: u8, return_address: usize) ?[*]u8 {
            _ = context;
            inner_result = core.getThreadArena();
            return std.heap.page_allocator.rawAlloc(len, log2_align, return_address);
        }

        const vtable = std.mem.Allocator.VTable{
            .alloc = alloc,
            .resize = std.heap.page_allocator.vtable.resize,
            .free = std.heap.page_allocator.vtable.free,
        };
    };
    const saved = core.thread_arena_backing;
    defer core.thread_arena_backing = saved;
    core.thread_arena_backing = .{ .ptr = undefined, .vtable = &Reentrant.vtable };

    const arena = try core.getThreadArena();
    defer core.deinitThreadArena();
    try testing.expectError(error.ReentrantInit, Reentrant.inner_result.?);
    try testing.expectEqual(arena, try core.getThreadArena());
}

// ---- overflow strategies ----

test "overflow strategy error_return" {
    var arena = try ArenaAllocator.create(options(4096, .error_return, true));
    defer arena.destroy();
    _ = try arena.alloc(4000, 8);
    try testing.expectError(error.OutOfMemory, arena.alloc(200, 8));
    try testing.expectEqual(@as(u64, 4000), arena.state.offset);
    try testing.expectEqual(@as(u64, 1), arena.state.overflows);
    try testing.expectEqual(@as(u64, 0), arena.state.fallbacks);
}

test "overflow strategy fallback: served from the heap, aligned, zeroed, freed at reset" {
    arena_metrics.reset();
    defer arena_metrics.reset();
    var buffer: [4096]u8 = undefined;
    var arena = ArenaAllocator.initOptions(&buffer, options(1024, .fallback, true));
    arena.fallback_allocator = testing.allocator; // leak-checked
    _ = try arena.alloc(1000, 1);
    for ([_]usize{ 1, 16, 64, 4096 }) |alignment| {
        const bytes = try arena.alloc(500, alignment);
        try testing.expect(isAligned(bytes, alignment));
        try testing.expect(std.mem.allEqual(u8, bytes, 0));
        try testing.expect(@intFromPtr(bytes.ptr) + 500 <= @intFromPtr(&buffer) or @intFromPtr(bytes.ptr) >= @intFromPtr(&buffer) + buffer.len);
        @memset(bytes, 0xAB);
    }
    try testing.expectEqual(@as(u64, 1000), arena.state.offset);
    try testing.expectEqual(@as(u64, 4), arena.state.fallbacks);
    try testing.expectEqual(@as(u64, 2000), arena.state.fallback_bytes);
    try testing.expectEqual(@as(u64, 4), arena.state.overflows);
    try testing.expectEqual(@as(u64, 5), arena.state.allocations);
    arena.reset(); // frees the four blocks, or testing.allocator reports a leak
    try testing.expectEqual(@as(u64, 0), arena.state.fallback_bytes);
    _ = try arena.alloc(2000, 8); // one more, freed by deinit
    arena.deinit();
    const metrics = arena_metrics.snapshot();
    try testing.expectEqual(@as(u64, 5), metrics.total_fallbacks);
    try testing.expectEqual(@as(u64, 5), metrics.total_overflows);
}

test "overflow strategy fallback: heap memory is zeroed even when the arena does not zero" {
    var buffer: [1024]u8 = undefined;
    var arena = ArenaAllocator.initOptions(&buffer, options(1024, .fallback, false));
    // A heap full of someone else's bytes: an unzeroed fallback would show them.
    var heap_bytes: [16384]u8 = undefined;
    @memset(&heap_bytes, 0xEE);
    var heap = std.heap.FixedBufferAllocator.init(&heap_bytes);
    arena.fallback_allocator = heap.allocator();
    defer arena.deinit();
    for (0..4) |_| {
        const bytes = try arena.alloc(3000, 8);
        try testing.expect(std.mem.allEqual(u8, bytes, 0));
        @memset(bytes, 0xAB);
        arena.reset();
    }
}

test "overflow strategy fallback: a refused reservation is an error, not a crash" {
    var failing = testing.FailingAllocator.init(testing.allocator, .{ .fail_index = 1 });
    var arena = try ArenaAllocator.create(options(4096, .fallback, false));
    defer arena.destroy();
    arena.fallback_allocator = failing.allocator();
    _ = try arena.alloc(5000, 8);
    try testing.expectError(error.OutOfMemory, arena.alloc(5000, 8));
    core.failReservations(1);
    try testing.expectError(error.OutOfMemory, arena.alloc(5000, 8));
    try testing.expectEqual(@as(u64, 1), arena.state.fallbacks);
    try testing.expectEqual(@as(u64, 3), arena.state.overflows);
    try testing.expectEqual(@as(u64, 0), arena.state.offset);
}

/// Runs `body` in a forked child with stderr captured; expects SIGABRT and
/// `needle` in what it printed.
pub fn expectChildAborts(comptime body: fn () void, needle: []const u8) !void {
    const posix = std.posix;
    const fds = try posix.pipe();
    const pid = try posix.fork();
    if (pid == 0) {
        // A child that hangs is ended by SIGALRM, which the parent reports as
        // the wrong signal, instead of the parent reading its pipe for ever.
        // Far above the second or so a child needs.
        _ = std.c.alarm(60);
        posix.close(fds[0]);
        posix.dup2(fds[1], posix.STDERR_FILENO) catch posix.exit(90);
        body();
        posix.exit(0);
    }
    posix.close(fds[1]);
    defer posix.close(fds[0]);
    var output: [16 * 1024]u8 = undefined;
    var len: usize = 0;
    while (len < output.len) {
        const got = try posix.read(fds[0], output[len..]);
        if (got == 0) break;
        len += got;
    }
    const result = posix.waitpid(pid, 0);
    try testing.expect(posix.W.IFSIGNALED(result.status));
    try testing.expectEqual(@as(u32, posix.SIG.ABRT), posix.W.TERMSIG(result.status));
    try testing.expect(std.mem.indexOf(u8, output[0..len], needle) != null);
}

test "overflow strategy panic aborts with the request and capacity (child process)" {
    if (!std.process.can_spawn) return error.SkipZigTest;
    try expectChildAborts(struct {
        fn run() void {
            var buffer: [256]u8 = undefined;
            var arena = ArenaAllocator.initOptions(&buffer, options(256, .panic, false));
            _ = arena.alloc(200, 1) catch return;
            _ = arena.alloc(100, 32) catch return;
        }
    }.run, "engram arena overflow: requested 100 bytes aligned to 32, arena size 256 bytes, 200 bytes in use");
}

// ---- the std.mem.Allocator interface ----

test "std.mem.Allocator conformance" {
    var arena = try ArenaAllocator.create(options(800_000, .error_return, true));
    defer arena.destroy();
    try std.heap.testAllocator(arena.allocator());
    arena.reset();
    try std.heap.testAllocatorAligned(arena.allocator());
    arena.reset();
    try std.heap.testAllocatorLargeAlignment(arena.allocator());
    arena.reset();
    try std.heap.testAllocatorAlignedShrink(arena.allocator());
}

test "std.mem.Allocator free of the newest allocation zeroes and reuses it" {
    var arena = try ArenaAllocator.create(options(4096, .error_return, true));
    defer arena.destroy();
    const gpa = arena.allocator();
    const kept = try gpa.alloc(u8, 10);
    const dropped = try gpa.alloc(u8, 100);
    @memset(dropped, 0xEE);
    gpa.free(dropped);
    try testing.expectEqual(@as(u64, 10), arena.state.offset);
    // Read through the arena: Allocator.alloc itself fills with 0xAA in Debug.
    const again = try arena.alloc(100, 1);
    try testing.expectEqual(dropped.ptr, again.ptr);
    try testing.expect(std.mem.allEqual(u8, again, 0));
    gpa.free(kept); // not the newest: left for reset
    try testing.expectEqual(@as(u64, 110), arena.state.offset);
}

// ---- threads ----

test "8 threads each get an isolated thread arena, deinit-ed" {
    const thread_count = 8;
    arena_metrics.reset();
    defer arena_metrics.reset();
    const before = arena_metrics.snapshot();
    var bases: [thread_count]usize = undefined;
    var failures = std.atomic.Value(u32).init(0);
    var arrived = std.atomic.Value(u32).init(0);
    var threads: [thread_count]std.Thread = undefined;
    for (&threads, &bases, 0..) |*thread, *base, index| {
        const shared = Shared{ .failures = &failures, .arrived = &arrived, .thread_count = thread_count };
        thread.* = try std.Thread.spawn(.{}, threadArenaWorker, .{ @as(u8, @intCast(index)), base, shared });
    }
    for (threads) |thread| thread.join();
    try testing.expectEqual(@as(u32, 0), failures.load(.monotonic));
    for (bases, 0..) |base, index| {
        for (bases[index + 1 ..]) |other| try testing.expect(base != other);
    }
    const after = arena_metrics.snapshot();
    try testing.expectEqual(before.live_arenas, after.live_arenas);
    try testing.expectEqual(before.reserved_bytes, after.reserved_bytes);
    try testing.expectEqual(@as(u64, thread_count * 100), after.total_resets);
    try testing.expectEqual(@as(u64, thread_count * 100 * 50), after.total_allocations);
}

const Shared = struct {
    failures: *std.atomic.Value(u32),
    arrived: *std.atomic.Value(u32),
    thread_count: u32,
};

fn threadArenaWorker(id: u8, base_out: *usize, shared: Shared) void {
    defer core.deinitThreadArena();
    runThreadArena(id, base_out) catch {
        _ = shared.failures.fetchAdd(1, .monotonic);
    };
    // Hold every arena at once, so distinct bases prove distinct buffers.
    _ = shared.arrived.fetchAdd(1, .acq_rel);
    while (shared.arrived.load(.acquire) < shared.thread_count) std.Thread.yield() catch {};
}

fn runThreadArena(id: u8, base_out: *usize) !void {
    const arena = try core.getThreadArena();
    base_out.* = @intFromPtr(arena.buffer.ptr);
    var slices: [50][]u8 = undefined;
    for (0..100) |_| {
        for (&slices) |*slice| {
            slice.* = try arena.alloc(128, 16);
            @memset(slice.*, id);
        }
        for (slices) |slice| {
            if (!std.mem.allEqual(u8, slice, id)) return error.CrossThreadCorruption;
        }
        arena.reset();
    }
    if (core.getThreadArenaStats().?.high_water_mark_bytes != 50 * 128) return error.WrongHighWaterMark;
}

test "a thread that exits with its arena frees it, and its slot reads as exited" {
    if (!core.thread_registry.sees_thread_exit) return error.SkipZigTest;
    arena_metrics.reset();
    defer arena_metrics.reset();
    const before = arena_metrics.snapshot();
    var slot: ?*ArenaAllocator = null;
    const thread = try std.Thread.spawn(.{}, struct {
        fn run(out: *?*ArenaAllocator) void {
            const arena = core.getThreadArena() catch return;
            _ = arena.alloc(100, 8) catch return;
            out.* = arena; // and exit without deinitThreadArena
        }
    }.run, .{&slot});
    thread.join();
    const exited = slot orelse return error.TestUnexpectedResult;
    try testing.expect(core.isExitedThreadArena(exited));
    try testing.expect(!core.isExitedThreadArena(try core.getThreadArena()));
    core.deinitThreadArena();
    const after = arena_metrics.snapshot();
    try testing.expectEqual(before.live_arenas, after.live_arenas);
    try testing.expectEqual(before.reserved_bytes, after.reserved_bytes);
    try testing.expectEqual(@as(u64, 1), after.total_allocations);
}

test "reset zeroes what a host exposed past the offset" {
    var buffer: [4096]u8 align(64) = undefined;
    var arena = ArenaAllocator.initOptions(&buffer, options(4096, .error_return, true));
    defer arena.deinit();
    _ = try arena.alloc(16, 1);
    arena.expose(1024); // the host handed out a view of the first KiB
    @memset(buffer[16..1024], 0xEE); // and something wrote past the allocation
    arena.reset();
    try testing.expect(std.mem.allEqual(u8, buffer[0..1024], 0));
    try testing.expectEqual(@as(usize, 0), arena.exposed_bytes);
    arena.expose(1 << 20); // clamped to the capacity
    try testing.expectEqual(@as(usize, 4096), arena.exposed_bytes);
}

// ---- state a host may write, zeroing, resize, utilisation ----

test "offset near maximum through the arena: out of capacity, counted, nothing touched" {
    // The seed's fix #1 scenario, reached the way a host reaches it: by
    // writing the offset in the shared state (engram_arena_state_t).
    var backing: [4096]u8 align(64) = undefined;
    @memset(&backing, 0xEE);
    var arena = ArenaAllocator.initOptions(&backing, options(backing.len, .error_return, true));
    defer arena.deinit();
    const bad_offsets = [_]u64{
        std.math.maxInt(u64) - 100,
        std.math.maxInt(u64),
        backing.len + 1,
        backing.len + 4096,
        std.math.maxInt(u64) - @as(u64, core.max_alloc_bytes),
        // Truncated to 32 bits this would be offset 0: usize must never see it.
        @as(u64, 1) << 32,
    };
    for (bad_offsets, 1..) |bad_offset, overflows| {
        arena.state.offset = bad_offset;
        for ([_]usize{ 1, 8, 4096 }) |alignment| {
            try testing.expectError(error.OutOfMemory, arena.alloc(8, alignment));
            try testing.expectError(error.OutOfMemory, arena.alloc(200, alignment));
        }
        try testing.expectEqual(@as(u64, overflows * 6), arena.state.overflows);
        try testing.expectEqual(bad_offset, arena.state.offset);
        try testing.expectEqual(@as(usize, 0), arena.remaining());
        try testing.expectEqual(@as(u64, 0), arena.state.allocations);
    }
    // Reset zeroes no further than the buffer and starts over.
    arena.reset();
    try testing.expect(std.mem.allEqual(u8, &backing, 0));
    const bytes = try arena.alloc(8, 8);
    try testing.expectEqual(@intFromPtr(&backing), @intFromPtr(bytes.ptr));
}

test "utilization is computed in f64: a ratio inexact in f32" {
    var buffer: [3]u8 = undefined;
    var arena = ArenaAllocator.initOptions(&buffer, options(buffer.len, .error_return, false));
    defer arena.deinit();
    _ = try arena.alloc(1, 1);
    const third: f64 = 1.0 / 3.0;
    try testing.expect(@as(f64, @as(f32, 1.0) / @as(f32, 3.0)) != third);
    try testing.expectEqual(third, arena.utilization());
    try testing.expectEqual(third, arena.getStats().utilization);
}

test "std.mem.Allocator resize grows the newest allocation in place and keeps the high-water mark" {
    var arena = try ArenaAllocator.create(options(4096, .error_return, true));
    defer arena.destroy();
    const gpa = arena.allocator();
    const first = try gpa.alloc(u8, 100);
    const newest = try gpa.alloc(u8, 10);
    try testing.expectEqual(@as(u64, 110), arena.state.offset);
    // Growth past every earlier offset: the high-water mark must follow.
    try testing.expect(gpa.resize(newest, 1000));
    try testing.expectEqual(@as(u64, 1100), arena.state.offset);
    try testing.expectEqual(@as(u64, 1100), arena.highWaterMark());
    try testing.expectEqual(@as(u64, 1100), arena.state.bytes_allocated);
    const grown: []u8 = newest.ptr[0..1000];
    // Past the capacity: refused, nothing moves.
    try testing.expect(!gpa.resize(grown, 4096));
    try testing.expectEqual(@as(u64, 1100), arena.state.offset);
    // Shrink, then grow back within the old high-water mark.
    try testing.expect(gpa.resize(grown, 20));
    try testing.expectEqual(@as(u64, 120), arena.state.offset);
    const shrunk: []u8 = grown[0..20];
    try testing.expect(gpa.resize(shrunk, 500));
    try testing.expectEqual(@as(u64, 600), arena.state.offset);
    try testing.expectEqual(@as(u64, 1100), arena.highWaterMark());
    // Not the newest: only a shrink is accepted, and nothing moves.
    try testing.expect(!gpa.resize(first, 200));
    try testing.expect(gpa.resize(first, 50));
    try testing.expectEqual(@as(u64, 600), arena.state.offset);
}

test "createIn zeroes a backing buffer poisoned with non-zero bytes" {
    var poisoned: [4 * std.mem.page_size]u8 align(std.mem.page_size) = undefined;
    @memset(&poisoned, 0xEE);
    var heap = std.heap.FixedBufferAllocator.init(&poisoned);
    var arena = try ArenaAllocator.createIn(heap.allocator(), options(2 * std.mem.page_size, .error_return, true));
    defer arena.destroy();
    try testing.expect(std.mem.allEqual(u8, arena.buffer, 0));

    // Without zeroing the bytes stay as the backing left them: the check above
    // is about createIn, not about the backing allocator.
    var unzeroed = try ArenaAllocator.createIn(heap.allocator(), options(std.mem.page_size, .error_return, false));
    defer unzeroed.destroy();
    try testing.expect(std.mem.allEqual(u8, unzeroed.buffer, 0xEE));
}

/// Wraps the leak-checking test allocator and counts the non-zero bytes of
/// every block freed through it.
const FreeInspector = struct {
    nonzero_freed_bytes: usize = 0,
    freed_bytes: usize = 0,

    fn allocator(self: *FreeInspector) std.mem.Allocator {
        return .{ .ptr = self, .vtable = &.{ .alloc = alloc, .resize = resize, .free = free } };
    }

    fn alloc(_: *anyopaque, len: usize, log2_align: u8, return_address: usize) ?[*]u8 {
        return testing.allocator.rawAlloc(len, log2_align, return_address);
    }

    fn resize(_: *anyopaque, buf: []u8, log2_align: u8, new_len: usize, return_address: usize) bool {
        return testing.allocator.rawResize(buf, log2_align, new_len, return_address);
    }

    fn free(context: *anyopaque, buf: []u8, log2_align: u8, return_address: usize) void {
        const self: *FreeInspector = @ptrCast(@alignCast(context));
        for (buf) |byte| self.nonzero_freed_bytes += @intFromBool(byte != 0);
        self.freed_bytes += buf.len;
        testing.allocator.rawFree(buf, log2_align, return_address);
    }
};

test "a zeroing arena zeroes fallback blocks before the heap gets them back" {
    var buffer: [1024]u8 = undefined;
    var inspector = FreeInspector{};
    var arena = ArenaAllocator.initOptions(&buffer, options(buffer.len, .fallback, true));
    arena.fallback_allocator = inspector.allocator();
    for ([_]usize{ 1, 64, 4096 }) |alignment| {
        const bytes = try arena.alloc(8192, alignment);
        @memset(bytes, 0xAB);
    }
    arena.reset();
    try testing.expect(inspector.freed_bytes >= 3 * 8192);
    try testing.expectEqual(@as(usize, 0), inspector.nonzero_freed_bytes);
    // Destroy takes the same path.
    @memset(try arena.alloc(5000, 8), 0xCD);
    arena.deinit();
    try testing.expect(inspector.freed_bytes >= 3 * 8192 + 5000);
    try testing.expectEqual(@as(usize, 0), inspector.nonzero_freed_bytes);
}

test "disownThreadArena leaves the slot destroyed and empty" {
    const slot = try core.getThreadArena();
    const bytes = try slot.alloc(64, 8);
    @memset(bytes, 0x5A);
    var owned = core.disownThreadArena().?;
    defer owned.destroy();
    try testing.expect(slot.isDestroyed());
    try testing.expectEqual(@as(usize, 0), slot.buffer.len);
    try testing.expect(!owned.isDestroyed());
    try testing.expect(!owned.thread_owned);
    try testing.expectEqual(bytes.ptr, owned.buffer.ptr);
    try testing.expectEqual(@as(u64, 64), owned.state.offset);
    try testing.expectEqual(@as(?core.Stats, null), core.getThreadArenaStats());
    // A fresh arena takes the slot again, with a different buffer.
    const fresh = try core.getThreadArena();
    defer core.deinitThreadArena();
    try testing.expectEqual(slot, fresh);
    try testing.expect(fresh.thread_owned);
    try testing.expect(fresh.buffer.ptr != owned.buffer.ptr);
}

// ---- retiring while a host may still write ----

test "retireKeepingMemory: the kept buffer stays writable but gives its pages back" {
    var arena = try ArenaAllocator.create(options(64 * 1024, .error_return, true));
    const bytes = try arena.alloc(64 * 1024, 1);
    @memset(bytes, 0xee);
    arena.retireKeepingMemory();
    try testing.expect(arena.isDestroyed());
    try testing.expectEqual(@as(usize, 64 * 1024), arena.kept.len);
    // A late writer (native code that took the pointer before the destroy)
    // must land in mapped memory.
    arena.kept[0] = 1;
    arena.kept[arena.kept.len - 1] = 2;
    if (builtin.os.tag == .linux) {
        // MADV_DONTNEED dropped the pages: untouched ones read as zero again.
        try testing.expectEqual(@as(u8, 0), arena.kept[4096]);
        try testing.expectEqual(@as(u8, 1), arena.kept[0]);
    }
    arena.releaseKept();
    try testing.expectEqual(@as(usize, 0), arena.kept.len);
}

// ---- hosted arenas: memory a host owns and lends at each bind ----

const page = std.mem.page_size;

/// `len` bytes of `backing` starting `misalignment` bytes past its start: a
/// block whose address is `misalignment` mod 4096, as a host's allocator may
/// place one.
fn blockAt(backing: []align(page) u8, misalignment: usize, len: usize) []u8 {
    return backing[misalignment..][0..len];
}

test "hosted arena: no memory until bound, counted in the gauges from create to destroy" {
    const before = arena_metrics.snapshot();
    var arena = try ArenaAllocator.createHosted(options(8192, .error_return, true));
    const during = arena_metrics.snapshot();
    try testing.expectEqual(before.live_arenas + 1, during.live_arenas);
    try testing.expectEqual(before.reserved_bytes + 8192, during.reserved_bytes);
    try testing.expect(arena.hosted and arena.isUnbound());
    try testing.expectEqual(@as(usize, 0), arena.buffer.len);
    try testing.expectEqual(@as(u64, 8192), arena.state.size_bytes);
    try testing.expectEqual(@as(usize, 0), arena.remaining());
    arena.destroy();
    try testing.expect(arena.isDestroyed());
    try testing.expectEqual(before.live_arenas, arena_metrics.snapshot().live_arenas);
    try testing.expectEqual(before.reserved_bytes, arena_metrics.snapshot().reserved_bytes);

    // The limits and the seam of `create`, and nothing counted when refused.
    try testing.expectError(error.InvalidSize, ArenaAllocator.createHosted(options(0, .error_return, true)));
    try testing.expectError(error.InvalidSize, ArenaAllocator.createHosted(options(core.max_size_bytes + 1, .error_return, true)));
    core.failReservations(1);
    try testing.expectError(error.OutOfMemory, ArenaAllocator.createHosted(options(8192, .error_return, true)));
    try testing.expectEqual(before.live_arenas, arena_metrics.snapshot().live_arenas);
    try testing.expectEqual(before.reserved_bytes, arena_metrics.snapshot().reserved_bytes);
}

test "hosted arena: bind puts byte 0 on a page boundary of a misaligned block" {
    var backing: [4 * page]u8 align(page) = undefined;
    @memset(&backing, 0xEE);
    var arena = try ArenaAllocator.createHosted(options(2 * 4096, .error_return, false));
    defer arena.destroy();

    // One byte short of capacity + slack: refused, still unbound.
    try testing.expectError(error.InvalidSize, arena.bind(blockAt(&backing, 16, 2 * 4096 + core.hosted_slack_bytes - 1), false));
    try testing.expect(arena.isUnbound());

    const block = blockAt(&backing, 16, 2 * 4096 + core.hosted_slack_bytes);
    const base_offset = try arena.bind(block, false);
    try testing.expectEqual(@as(usize, 4096 - 16), base_offset);
    try testing.expect(!arena.isUnbound());
    try testing.expectEqual(@as([*]u8, &backing) + 4096, arena.buffer.ptr);
    try testing.expectEqual(@as(usize, 2 * 4096), arena.buffer.len);
    // A non-zeroing arena leaves the host's bytes as they were.
    try testing.expect(std.mem.allEqual(u8, &backing, 0xEE));

    const first = try arena.alloc(100, 4096);
    try testing.expectEqual(@as([*]u8, &backing) + 4096, first.ptr);
    _ = try arena.alloc(1, 1);
    const second = try arena.alloc(10, 4096);
    try testing.expectEqual(@as([*]u8, &backing) + 2 * 4096, second.ptr);
    try testing.expectEqual(@as(u64, 4096 + 10), arena.state.offset);
    // The capacity ends where the block's slack begins: nothing past it.
    try testing.expectError(error.OutOfMemory, arena.alloc(1, 4096));

    // An aligned block needs no padding: base 0.
    try testing.expectEqual(@as(usize, 0), try arena.bind(blockAt(&backing, 0, 3 * 4096), true));
    try testing.expectEqual(@as([*]u8, &backing), arena.buffer.ptr);
}

test "hosted arena: rebinding at the same base keeps the counters and the bytes; reset zeroes the new block" {
    var first_block: [3 * page]u8 align(page) = undefined;
    var second_block: [3 * page]u8 align(page) = undefined;
    @memset(&first_block, 0);
    var arena = try ArenaAllocator.createHosted(options(4096, .error_return, true));
    defer arena.destroy();
    const base_offset = try arena.bind(blockAt(&first_block, 16, 2 * 4096), true);
    const bytes = try arena.alloc(100, 8);
    @memset(bytes, 0xAB);
    arena.expose(300);
    @memset(arena.buffer[100..300], 0xCD);
    const counted = arena.state;

    // The host moves its buffer byte for byte to another address with the
    // same alignment and binds it: nothing is zeroed, nothing recounted.
    second_block = first_block;
    try testing.expectEqual(base_offset, try arena.bind(blockAt(&second_block, 16, 2 * 4096), false));
    try testing.expectEqual(counted, arena.state);
    try testing.expectEqual(@as([*]u8, &second_block) + 4096, arena.buffer.ptr);
    try testing.expect(std.mem.allEqual(u8, arena.buffer[0..100], 0xAB));
    try testing.expect(std.mem.allEqual(u8, arena.buffer[100..300], 0xCD));

    arena.reset();
    const again = try arena.alloc(100, 8);
    // Zeroed by the first allocation after the reset (see unzeroed_bytes).
    try testing.expect(std.mem.allEqual(u8, &second_block, 0));
    // The old block is the host's again: the arena no longer touches it.
    try testing.expect(std.mem.allEqual(u8, first_block[4096..][0..100], 0xAB));
    try testing.expectEqual(@as([*]u8, &second_block) + 4096, again.ptr);
}

test "hosted arena: a write landing after the reset, through a pointer taken before, never reaches a fresh allocation" {
    var block: [3 * page]u8 align(page) = undefined;
    @memset(&block, 0);
    var arena = try ArenaAllocator.createHosted(options(4096, .error_return, true));
    defer arena.destroy();
    _ = try arena.bind(blockAt(&block, 0, 2 * 4096), true);
    const late_writer = try arena.alloc(2048, 8);
    @memset(late_writer, 0x11);
    arena.reset();
    // A native call that took the pointer before the reset writes after it.
    @memset(late_writer, 0x41);
    const fresh = try arena.alloc(2048, 8);
    try testing.expect(std.mem.allEqual(u8, fresh, 0));
    // An arena that does not zero leaves the bytes, as it always has.
    var keeping = try ArenaAllocator.createHosted(options(4096, .error_return, false));
    defer keeping.destroy();
    _ = try keeping.bind(blockAt(&block, 0, 2 * 4096), false);
    const kept = try keeping.alloc(16, 8);
    @memset(kept, 0x22);
    keeping.reset();
    try testing.expect(std.mem.allEqual(u8, try keeping.alloc(16, 8), 0x22));
}

test "hosted arena: a bind at another base zeroes the whole block, unless it is zero or the arena does not zero" {
    var backing: [4 * page]u8 align(page) = undefined;
    var arena = try ArenaAllocator.createHosted(options(4096, .error_return, true));
    defer arena.destroy();

    // The first bind has no earlier base: a block that is not zero is zeroed.
    @memset(&backing, 0xEE);
    try testing.expectEqual(@as(usize, 4096 - 16), try arena.bind(blockAt(&backing, 16, 2 * 4096), false));
    try testing.expect(std.mem.allEqual(u8, backing[16..][0 .. 2 * 4096], 0));
    try testing.expectEqual(@as(u8, 0xEE), backing[15]); // outside the block: not the arena's
    @memset((try arena.alloc(64, 8)), 0xAB);
    const counted = arena.state;

    // The host moved the bytes to an address 32 mod 4096: handed-out bytes
    // now sit at other offsets, so the whole block is zeroed, counters kept.
    @memset(&backing, 0xCD);
    try testing.expectEqual(@as(usize, 4096 - 32), try arena.bind(blockAt(&backing, 32, 2 * 4096), false));
    try testing.expect(std.mem.allEqual(u8, backing[32..][0 .. 2 * 4096], 0));
    try testing.expectEqual(@as(u8, 0xCD), backing[31]);
    try testing.expectEqual(@as(u8, 0xCD), backing[32 + 2 * 4096]);
    try testing.expectEqual(counted, arena.state);

    // Another base, but the host says the block is zero: it is taken at its
    // word (these bytes are not zero, which shows nothing was written).
    @memset(&backing, 0xCD);
    try testing.expectEqual(@as(usize, 4096 - 48), try arena.bind(blockAt(&backing, 48, 2 * 4096), true));
    try testing.expect(std.mem.allEqual(u8, &backing, 0xCD));

    // An arena that does not zero never zeroes at bind.
    var plain = try ArenaAllocator.createHosted(options(4096, .error_return, false));
    defer plain.destroy();
    _ = try plain.bind(blockAt(&backing, 16, 2 * 4096), false);
    _ = try plain.bind(blockAt(&backing, 64, 2 * 4096), false);
    try testing.expect(std.mem.allEqual(u8, &backing, 0xCD));
}

test "hosted arena: a fallback is counted, reserves nothing and is a failed std.mem.Allocator request" {
    arena_metrics.reset();
    defer arena_metrics.reset();
    var backing: [3 * page]u8 align(page) = [_]u8{0} ** (3 * page);
    var arena = try ArenaAllocator.createHosted(options(4096, .fallback, true));
    _ = try arena.bind(blockAt(&backing, 0, 2 * 4096), true);
    // A heap fallback would fail here, with OutOfMemory.
    arena.fallback_allocator = testing.failing_allocator;
    _ = try arena.alloc(4000, 8);
    try testing.expectError(error.HostedFallback, arena.alloc(5000, 64));
    try testing.expectEqual(@as(u64, 4000), arena.highWaterMark());
    try testing.expectEqual(core.State{
        .offset = 4000,
        .size_bytes = 4096,
        // Derived from the offset until it goes down.
        .high_water_mark = 0,
        .overflows = 1,
        .allocations = 2,
        .bytes_allocated = 9000,
        .fallbacks = 1,
        .fallback_bytes = 5000,
    }, arena.state);
    try testing.expectEqual(@as(?*anyopaque, null), @as(?*anyopaque, @ptrCast(arena.fallbacks)));

    // Through std.mem.Allocator the host's fallback is no memory at all.
    try testing.expectError(error.OutOfMemory, arena.allocator().alloc(u8, 6000));
    try testing.expectEqual(@as(u64, 2), arena.state.fallbacks);
    try testing.expectEqual(@as(u64, 11000), arena.state.fallback_bytes);

    // The seam refuses it as it refuses a heap fallback: counted as an overflow only.
    core.failReservations(1);
    try testing.expectError(error.OutOfMemory, arena.alloc(5000, 8));
    try testing.expectEqual(@as(u64, 2), arena.state.fallbacks);
    try testing.expectEqual(@as(u64, 3), arena.state.overflows);

    arena.reset();
    try testing.expectEqual(@as(u64, 0), arena.state.fallback_bytes);
    try testing.expectEqual(@as(u64, 0), arena.state.fallbacks);
    try testing.expectEqual(@as(u64, 2), arena_metrics.snapshot().total_fallbacks);
    try testing.expectError(error.HostedFallback, arena.alloc(8192, 8));
    arena.destroy();
    try testing.expectEqual(@as(u64, 3), arena_metrics.snapshot().total_fallbacks);
}

test "hosted arena: retireKeepingMemory is its destroy and keeps nothing" {
    var backing: [3 * page]u8 align(page) = [_]u8{0} ** (3 * page);
    const before = arena_metrics.snapshot();
    var arena = try ArenaAllocator.createHosted(options(4096, .error_return, true));
    _ = try arena.bind(blockAt(&backing, 0, 2 * 4096), true);
    @memset(try arena.alloc(10, 1), 0x11);
    arena.retireKeepingMemory();
    try testing.expect(arena.isDestroyed());
    try testing.expectEqual(@as(usize, 0), arena.kept.len);
    try testing.expectEqual(before.live_arenas, arena_metrics.snapshot().live_arenas);
    try testing.expectEqual(before.reserved_bytes, arena_metrics.snapshot().reserved_bytes);
    // The host's bytes are left as they were: retiring is not a reset.
    try testing.expect(std.mem.allEqual(u8, backing[0..10], 0x11));
}

test "discardPages: whole pages inside the range are dropped, partial pages keep their bytes" {
    const memory = try std.heap.page_allocator.alignedAlloc(u8, page, 4 * page);
    defer std.heap.page_allocator.free(memory);
    @memset(memory, 0xEE);
    // From byte 100 of page 0 to byte 100 of page 3: pages 1 and 2 lie inside.
    core.discardPages(memory[100 .. 3 * page + 100]);
    if (builtin.os.tag == .linux) {
        try testing.expect(std.mem.allEqual(u8, memory[page .. 3 * page], 0));
    }
    // Mapped and writable still.
    memory[page] = 1;
    try testing.expectEqual(@as(u8, 1), memory[page]);
    // The pages only partly inside the range are never touched.
    try testing.expect(std.mem.allEqual(u8, memory[0..page], 0xEE));
    try testing.expect(std.mem.allEqual(u8, memory[3 * page ..], 0xEE));

    // No whole page inside: nothing happens.
    core.discardPages(memory[5..10]);
    core.discardPages(memory[page..page]);
    core.discardPages(memory[3 * page + 1 .. 4 * page]);
    try testing.expect(std.mem.allEqual(u8, memory[3 * page ..], 0xEE));
}
