//! Tests of the C ABI, called through the exported symbols exactly as C
//! calls them: status codes, null pointers, bad enum values, limits.

const std = @import("std");
const builtin = @import("builtin");
const testing = std.testing;
const ffi = @import("../src/ffi.zig");
const core = @import("../src/allocator.zig");
const arena_config = @import("../src/arena_config.zig");
const arena_metrics = @import("../src/arena_metrics.zig");

const abi = @import("../src/abi.zig");

const Arena = ffi.Arena;
const Allocation = abi.Allocation;
const ArenaStats = abi.ArenaStats;
const Metrics = abi.ArenaMetrics;

/// engram_arena_options_t as C may fill it: plain bytes where Zig's has an
/// enum and a bool, so that the tests can pass values no strategy or flag has.
const Config = extern struct {
    size_bytes: u64,
    overflow_strategy: u8,
    zero_on_reset: u8,
    reserved: [6]u8 = [_]u8{0} ** 6,
};

fn optionsOf(size_bytes: u64, overflow_strategy: u8, zero_on_reset: u8) Config {
    return .{ .size_bytes = size_bytes, .overflow_strategy = overflow_strategy, .zero_on_reset = zero_on_reset };
}

comptime {
    std.debug.assert(@sizeOf(Config) == @sizeOf(abi.ArenaOptions));
    std.debug.assert(@offsetOf(Config, "zero_on_reset") == @offsetOf(abi.ArenaOptions, "zero_on_reset"));
}

extern fn engram_configure_arena(pool_size_mb: u32, overflow_strategy: u8) i32;
extern fn engram_set_config(config: ?*const Config) i32;
extern fn engram_get_config(out: ?*Config) void;
extern fn engram_reset_config() void;
extern fn engram_config_env_errors() u32;
extern fn engram_arena_create(options: ?*const Config, out: ?*?*Arena) i32;
extern fn engram_arena_destroy(arena: ?*Arena) void;
extern fn engram_arena_destroy_checked(arena: ?*Arena) i32;
extern fn engram_arena_retire(arena: ?*Arena) i32;
extern fn engram_arena_get_options(arena: ?*const Arena, out: ?*Config) i32;
extern fn engram_arena_state(arena: ?*Arena) ?*core.State;
extern fn engram_thread_arena_disown(out: ?*?*Arena) i32;
extern fn engram_arena_alloc(arena: ?*Arena, size_bytes: u64, alignment: u64, out: ?*Allocation) i32;
extern fn engram_arena_reset(arena: ?*Arena) i32;
extern fn engram_arena_get_stats(arena: ?*const Arena, out: ?*ArenaStats) i32;
extern fn engram_arena_base(arena: ?*const Arena) ?[*]u8;
extern fn engram_arena_size(arena: ?*const Arena) u64;
extern fn engram_arena_remaining(arena: ?*const Arena) u64;
extern fn engram_thread_arena(out: ?*?*Arena) i32;
extern fn engram_reset_arenas() void;
extern fn engram_deinit_thread_arena() void;
extern fn engram_arena_stats(total_resets: ?*u64, total_overflows: ?*u64, max_high_water_mark: ?*u64) void;
extern fn engram_get_metrics(out: ?*Metrics) void;
extern fn engram_reset_arena_metrics() void;
extern fn engram_testing_fail_reservations(count: u32) void;
extern fn engram_arena_create_hosted(options: ?*const Config, out: ?*?*Arena) i32;
extern fn engram_arena_bind(arena: ?*Arena, memory: ?[*]u8, memory_bytes: u64, memory_is_zero: u8, base_offset_out: ?*u64) i32;
extern fn engram_arena_expose(arena: ?*Arena, end_bytes: u64) i32;
extern fn engram_discard_memory(memory: ?[*]u8, bytes: u64) void;

const ok: i32 = 0;
const out_of_capacity: i32 = 1;
const invalid_alignment: i32 = 2;
const invalid_size: i32 = 3;
const init_failed: i32 = 4;
const destroyed: i32 = 5;
const invalid_argument: i32 = 6;

const gib: u64 = 1024 * 1024 * 1024;

fn createArena(size_bytes: u64, strategy: u8, zero: u8) !*Arena {
    var handle: ?*Arena = null;
    try testing.expectEqual(ok, engram_arena_create(&optionsOf(size_bytes, strategy, zero), &handle));
    return handle.?;
}

test "C ABI: null pointers and bad values are refused" {
    var handle: ?*Arena = null;
    var allocation: Allocation = undefined;
    var stats: ArenaStats = undefined;
    try testing.expectEqual(invalid_argument, engram_arena_create(&optionsOf(4096, 1, 1), null));
    try testing.expectEqual(invalid_argument, engram_arena_create(null, &handle));
    try testing.expectEqual(invalid_argument, engram_arena_create(&optionsOf(4096, 3, 1), &handle));
    try testing.expectEqual(invalid_argument, engram_arena_create(&optionsOf(4096, 1, 2), &handle));
    try testing.expectEqual(invalid_size, engram_arena_create(&optionsOf(0, 1, 1), &handle));
    try testing.expectEqual(invalid_size, engram_arena_create(&optionsOf(gib + 1, 1, 1), &handle));
    try testing.expectEqual(@as(?*Arena, null), handle);
    try testing.expectEqual(invalid_argument, engram_arena_alloc(null, 8, 8, &allocation));
    try testing.expectEqual(invalid_argument, engram_arena_reset(null));
    try testing.expectEqual(invalid_argument, engram_arena_get_stats(null, &stats));
    try testing.expectEqual(invalid_argument, engram_thread_arena(null));
    try testing.expectEqual(invalid_argument, engram_set_config(null));
    try testing.expectEqual(@as(?[*]u8, null), engram_arena_base(null));
    try testing.expectEqual(@as(u64, 0), engram_arena_size(null));
    try testing.expectEqual(@as(u64, 0), engram_arena_remaining(null));
    engram_arena_destroy(null);
    engram_get_config(null);
    engram_get_metrics(null);
    engram_arena_stats(null, null, null);

    const arena = try createArena(4096, 1, 1);
    defer engram_arena_destroy(arena);
    try testing.expectEqual(invalid_argument, engram_arena_alloc(arena, 8, 8, null));
    try testing.expectEqual(invalid_argument, engram_arena_get_stats(arena, null));
    try testing.expectEqual(invalid_alignment, engram_arena_alloc(arena, 8, 0, &allocation));
    try testing.expectEqual(invalid_alignment, engram_arena_alloc(arena, 8, 24, &allocation));
    try testing.expectEqual(invalid_alignment, engram_arena_alloc(arena, 8, 8192, &allocation));
    try testing.expectEqual(invalid_size, engram_arena_alloc(arena, gib + 1, 8, &allocation));
    try testing.expectEqual(invalid_size, engram_arena_alloc(arena, std.math.maxInt(u64), 8, &allocation));
    try testing.expectEqual(ok, engram_arena_get_stats(arena, &stats));
    try testing.expectEqual(@as(u64, 0), stats.current_usage_bytes);
    try testing.expectEqual(@as(u64, 0), stats.overflows);
}

test "C ABI: instance arena alloc, stats, reset, destroy" {
    engram_reset_arena_metrics();
    defer engram_reset_arena_metrics();
    const arena = try createArena(65536, 1, 1);
    const base = engram_arena_base(arena).?;
    try testing.expectEqual(@as(usize, 0), @intFromPtr(base) % std.mem.page_size);
    try testing.expectEqual(@as(u64, 65536), engram_arena_size(arena));

    var allocation: Allocation = undefined;
    try testing.expectEqual(ok, engram_arena_alloc(arena, 3, 1, &allocation));
    try testing.expectEqual(@as(u64, 0), allocation.offset);
    try testing.expectEqual(ok, engram_arena_alloc(arena, 100, 64, &allocation));
    try testing.expectEqual(@as(u64, 64), allocation.offset);
    try testing.expectEqual(base + 64, allocation.ptr.?);
    try testing.expectEqual(@as(u8, 0), allocation.fallback);
    try testing.expectEqual(@as(u64, 65536 - 164), engram_arena_remaining(arena));
    try testing.expectEqual(out_of_capacity, engram_arena_alloc(arena, 65536, 8, &allocation));
    try testing.expectEqual(@as(?[*]u8, null), allocation.ptr);

    var stats: ArenaStats = undefined;
    try testing.expectEqual(ok, engram_arena_get_stats(arena, &stats));
    try testing.expectEqual(ArenaStats{
        .size_bytes = 65536,
        .current_usage_bytes = 164,
        .high_water_mark_bytes = 164,
        .overflows = 1,
        .allocations = 2,
        .bytes_allocated = 103,
        .fallbacks = 0,
        .fallback_bytes = 0,
        .utilization = 164.0 / 65536.0,
    }, stats);

    try testing.expectEqual(ok, engram_arena_reset(arena));
    var resets: u64 = 0;
    var overflows: u64 = 0;
    var high_water_mark: u64 = 0;
    engram_arena_stats(&resets, &overflows, &high_water_mark);
    try testing.expectEqual([3]u64{ 1, 1, 164 }, [3]u64{ resets, overflows, high_water_mark });

    var metrics: Metrics = undefined;
    engram_get_metrics(&metrics);
    try testing.expectEqual(@as(u64, 2), metrics.total_allocations);
    try testing.expectEqual(@as(u64, 103), metrics.total_bytes_allocated);
    const live_before = metrics.live_arenas;
    engram_arena_destroy(arena);
    engram_get_metrics(&metrics);
    try testing.expectEqual(live_before - 1, metrics.live_arenas);
}

test "C ABI: fallback allocations report UINT64_MAX and a refused heap is INIT_FAILED" {
    const arena = try createArena(4096, 2, 1);
    defer engram_arena_destroy(arena);
    var allocation: Allocation = undefined;
    try testing.expectEqual(ok, engram_arena_alloc(arena, 8192, 256, &allocation));
    try testing.expectEqual(@as(u8, 1), allocation.fallback);
    try testing.expectEqual(abi.fallback_offset, allocation.offset);
    try testing.expectEqual(@as(usize, 0), @intFromPtr(allocation.ptr.?) % 256);
    engram_testing_fail_reservations(1);
    try testing.expectEqual(init_failed, engram_arena_alloc(arena, 8192, 8, &allocation));
    var stats: ArenaStats = undefined;
    try testing.expectEqual(ok, engram_arena_get_stats(arena, &stats));
    try testing.expectEqual(@as(u64, 1), stats.fallbacks);
    try testing.expectEqual(@as(u64, 8192), stats.fallback_bytes);
    try testing.expectEqual(@as(u64, 0), stats.current_usage_bytes);
}

test "C ABI: refused reservations are INIT_FAILED for create and the thread arena" {
    var handle: ?*Arena = null;
    engram_testing_fail_reservations(2);
    try testing.expectEqual(init_failed, engram_arena_create(&optionsOf(4096, 1, 1), &handle));
    try testing.expectEqual(init_failed, engram_thread_arena(&handle));
    try testing.expectEqual(@as(?*Arena, null), handle);
    try testing.expectEqual(ok, engram_thread_arena(&handle));
    engram_deinit_thread_arena();
}

test "C ABI: the thread arena handle after deinit reports DESTROYED" {
    var handle: ?*Arena = null;
    try testing.expectEqual(ok, engram_thread_arena(&handle));
    const arena = handle.?;
    var allocation: Allocation = undefined;
    try testing.expectEqual(ok, engram_arena_alloc(arena, 10, 8, &allocation));
    engram_reset_arenas();
    try testing.expectEqual(@as(u64, engram_arena_size(arena)), engram_arena_remaining(arena));
    engram_deinit_thread_arena();
    engram_deinit_thread_arena();
    try testing.expectEqual(destroyed, engram_arena_alloc(arena, 10, 8, &allocation));
    try testing.expectEqual(destroyed, engram_arena_reset(arena));
    var stats: ArenaStats = undefined;
    try testing.expectEqual(destroyed, engram_arena_get_stats(arena, &stats));
    try testing.expectEqual(@as(?[*]u8, null), engram_arena_base(arena));
    try testing.expectEqual(@as(u64, 0), engram_arena_size(arena));
    // Destroying the thread arena's handle deinitialises it; it is never freed.
    try testing.expectEqual(ok, engram_thread_arena(&handle));
    engram_arena_destroy(handle);
    try testing.expectEqual(destroyed, engram_arena_reset(handle));
}

test "C ABI: config set, configure, get, reset, env errors" {
    defer engram_reset_config();
    const wanted = Config{ .size_bytes = 131072, .overflow_strategy = 2, .zero_on_reset = 0 };
    try testing.expectEqual(ok, engram_set_config(&wanted));
    var config: Config = undefined;
    engram_get_config(&config);
    try testing.expectEqual(wanted, config);

    try testing.expectEqual(ok, engram_configure_arena(4, 0));
    engram_get_config(&config);
    try testing.expectEqual(Config{ .size_bytes = 4 << 20, .overflow_strategy = 0, .zero_on_reset = 0 }, config);
    try testing.expectEqual(invalid_size, engram_configure_arena(0, 1));
    try testing.expectEqual(invalid_size, engram_configure_arena(1025, 1));
    try testing.expectEqual(invalid_argument, engram_configure_arena(1, 7));

    var bad = wanted;
    bad.size_bytes = 1000;
    try testing.expectEqual(invalid_size, engram_set_config(&bad));
    bad = wanted;
    bad.overflow_strategy = 9;
    try testing.expectEqual(invalid_argument, engram_set_config(&bad));
    bad = wanted;
    bad.zero_on_reset = 5;
    try testing.expectEqual(invalid_argument, engram_set_config(&bad));
    engram_get_config(&config);
    try testing.expectEqual(@as(u64, 4 << 20), config.size_bytes);

    engram_reset_config();
    engram_get_config(&config);
    const from_env = arena_config.ArenaConfig.fromEnv();
    try testing.expectEqual(@as(u64, from_env.size_bytes), config.size_bytes);
    try testing.expectEqual(arena_config.loadEnv().invalid, engram_config_env_errors());
}

test "C ABI: after disown the old thread arena handle reports DESTROYED" {
    var handle: ?*Arena = null;
    try testing.expectEqual(ok, engram_thread_arena(&handle));
    const old = handle.?;
    var first: Allocation = undefined;
    try testing.expectEqual(ok, engram_arena_alloc(old, 64, 8, &first));
    var owned: ?*Arena = null;
    try testing.expectEqual(ok, engram_thread_arena_disown(&owned));
    try testing.expect(owned.? != old);

    var allocation: Allocation = undefined;
    var stats: ArenaStats = undefined;
    try testing.expectEqual(destroyed, engram_arena_alloc(old, 64, 8, &allocation));
    try testing.expectEqual(@as(?[*]u8, null), allocation.ptr);
    try testing.expectEqual(destroyed, engram_arena_reset(old));
    try testing.expectEqual(destroyed, engram_arena_get_stats(old, &stats));
    try testing.expectEqual(@as(?[*]u8, null), engram_arena_base(old));
    try testing.expectEqual(@as(u64, 0), engram_arena_size(old));
    try testing.expect(engram_arena_state(old) == null);

    // The owned arena serves its own next bytes, once.
    try testing.expectEqual(ok, engram_arena_alloc(owned, 64, 8, &allocation));
    try testing.expectEqual(first.ptr.? + 64, allocation.ptr.?);
    engram_arena_destroy(owned);
    try testing.expectEqual(destroyed, engram_arena_alloc(old, 64, 8, &allocation));
    engram_arena_destroy(old); // the caller's own slot: a no-op deinit
    try testing.expectEqual(destroyed, engram_arena_reset(old));
}

test "C ABI: retire destroys at once (metrics included) but keeps the memory until destroy" {
    const before = blk: {
        var m: Metrics = undefined;
        engram_get_metrics(&m);
        break :blk m;
    };
    const arena = try createArena(64 * 1024, 1, 1);
    var allocation: Allocation = undefined;
    try testing.expectEqual(ok, engram_arena_alloc(arena, 4096, 8, &allocation));
    const bytes = allocation.ptr.?;
    try testing.expectEqual(ok, engram_arena_retire(arena));
    var after: Metrics = undefined;
    engram_get_metrics(&after);
    try testing.expectEqual(before.live_arenas, after.live_arenas);
    try testing.expectEqual(before.reserved_bytes, after.reserved_bytes);
    try testing.expectEqual(before.total_allocations + 1, after.total_allocations);
    try testing.expectEqual(destroyed, engram_arena_alloc(arena, 8, 8, &allocation));
    try testing.expectEqual(@as(u64, 0), engram_arena_size(arena));
    try testing.expectEqual(invalid_argument, engram_arena_retire(arena));
    // Still mapped: a write lands (a freed buffer would fault here).
    bytes[0] = 0x41;
    bytes[4095] = 0x42;
    engram_arena_destroy(arena);
    var thread: ?*Arena = null;
    try testing.expectEqual(ok, engram_thread_arena(&thread));
    try testing.expectEqual(invalid_argument, engram_arena_retire(thread));
    try testing.expectEqual(invalid_argument, engram_arena_retire(null));
}

test "C ABI: an arena's options are the ones it was made with, not the config now" {
    const arena = try createArena(128 * 1024, 2, 0);
    defer engram_arena_destroy(arena);
    var options: Config = undefined;
    try testing.expectEqual(ok, engram_arena_get_options(arena, &options));
    try testing.expectEqual(@as(u64, 128 * 1024), options.size_bytes);
    try testing.expectEqual(@as(u8, 2), options.overflow_strategy);
    try testing.expectEqual(@as(u8, 0), options.zero_on_reset);
    try testing.expectEqual(invalid_argument, engram_arena_get_options(arena, null));

    engram_deinit_thread_arena();
    try testing.expectEqual(ok, engram_configure_arena(1, 1));
    var thread: ?*Arena = null;
    try testing.expectEqual(ok, engram_thread_arena(&thread));
    var made: Config = undefined;
    try testing.expectEqual(ok, engram_arena_get_options(thread, &made));
    try testing.expectEqual(ok, engram_configure_arena(2, 2));
    var still: Config = undefined;
    try testing.expectEqual(ok, engram_arena_get_options(thread, &still));
    try testing.expectEqual(made, still);
    try testing.expectEqual(@as(u64, 1024 * 1024), still.size_bytes);
    engram_deinit_thread_arena();
    engram_reset_config();
}

const Handoff = struct {
    handle: std.atomic.Value(?*Arena) = std.atomic.Value(?*Arena).init(null),
    step: std.atomic.Value(u32) = std.atomic.Value(u32).init(0),
    failures: std.atomic.Value(u32) = std.atomic.Value(u32).init(0),

    fn waitFor(handoff: *Handoff, step: u32) void {
        while (handoff.step.load(.acquire) < step) std.Thread.yield() catch {};
    }

    fn check(handoff: *Handoff, ok_: bool) void {
        if (!ok_) _ = handoff.failures.fetchAdd(1, .monotonic);
    }

    /// The owning thread: makes its arena, lets the main thread try to destroy
    /// it, then uses it and retires it itself.
    fn owner(handoff: *Handoff) void {
        var handle: ?*Arena = null;
        handoff.check(engram_thread_arena(&handle) == ok);
        var allocation: Allocation = undefined;
        handoff.check(engram_arena_alloc(handle, 96, 8, &allocation) == ok);
        handoff.handle.store(handle, .release);
        handoff.step.store(1, .release);
        handoff.waitFor(2);
        handoff.check(engram_arena_alloc(handle, 96, 8, &allocation) == ok);
        handoff.check(engram_arena_remaining(handle) == engram_arena_size(handle) - 192);
        engram_deinit_thread_arena();
        handoff.check(engram_arena_reset(handle) == destroyed);
        handoff.step.store(3, .release);
        handoff.waitFor(4); // stay alive: the slot is this thread's storage
    }
};

test "C ABI: destroying another thread's arena handle is refused and changes nothing" {
    var handoff = Handoff{};
    const thread = try std.Thread.spawn(.{}, Handoff.owner, .{&handoff});
    defer thread.join();
    defer handoff.step.store(4, .release);
    handoff.waitFor(1);
    const foreign = handoff.handle.load(.acquire).?;
    const capacity = engram_arena_size(foreign);
    try testing.expectEqual(invalid_argument, engram_arena_destroy_checked(foreign));
    engram_arena_destroy(foreign); // before the fix: free() of a TLS address
    try testing.expectEqual(capacity, engram_arena_size(foreign));
    try testing.expectEqual(capacity - 96, engram_arena_remaining(foreign));
    handoff.step.store(2, .release);
    handoff.waitFor(3);
    // Retired by its owner and still refused: it is never ours to free.
    try testing.expectEqual(invalid_argument, engram_arena_destroy_checked(foreign));
    try testing.expectEqual(@as(u32, 0), handoff.failures.load(.monotonic));
    // The calling thread's own handle and NULL still work as before.
    try testing.expectEqual(ok, engram_arena_destroy_checked(null));
    var own: ?*Arena = null;
    try testing.expectEqual(ok, engram_thread_arena(&own));
    try testing.expectEqual(ok, engram_arena_destroy_checked(own));
    try testing.expectEqual(destroyed, engram_arena_reset(own));
}

test "C ABI: an offset written past the capacity is out of capacity, counted as an overflow" {
    const arena = try createArena(65536, 1, 1);
    defer engram_arena_destroy(arena);
    const state = engram_arena_state(arena).?;
    var allocation: Allocation = undefined;
    for ([_]u64{ std.math.maxInt(u64) - 100, 65536 + 4096 }, 1..) |bad_offset, overflows| {
        state.offset = bad_offset;
        try testing.expectEqual(out_of_capacity, engram_arena_alloc(arena, 8, 8, &allocation));
        try testing.expectEqual(@as(?[*]u8, null), allocation.ptr);
        try testing.expectEqual(@as(u64, overflows), state.overflows);
        try testing.expectEqual(@as(u64, 0), engram_arena_remaining(arena));
    }
    try testing.expectEqual(ok, engram_arena_reset(arena));
    try testing.expectEqual(ok, engram_arena_alloc(arena, 8, 8, &allocation));
    try testing.expectEqual(engram_arena_base(arena).?, allocation.ptr.?);
}

// ---- hosted arenas ----

const hosted_slack_bytes: u64 = 4096; // ENGRAM_HOSTED_SLACK_BYTES
const page = std.mem.page_size;

fn createHosted(size_bytes: u64, strategy: u8, zero: u8) !*Arena {
    var handle: ?*Arena = null;
    try testing.expectEqual(ok, engram_arena_create_hosted(&optionsOf(size_bytes, strategy, zero), &handle));
    return handle.?;
}

fn metricsNow() Metrics {
    var metrics: Metrics = undefined;
    engram_get_metrics(&metrics);
    return metrics;
}

test "C ABI: create_hosted validates as create does, counts in the gauges, and the seam refuses it" {
    try testing.expectEqual(core.hosted_slack_bytes, hosted_slack_bytes);
    var handle: ?*Arena = null;
    try testing.expectEqual(invalid_argument, engram_arena_create_hosted(&optionsOf(4096, 1, 1), null));
    try testing.expectEqual(invalid_argument, engram_arena_create_hosted(null, &handle));
    try testing.expectEqual(invalid_argument, engram_arena_create_hosted(&optionsOf(4096, 3, 1), &handle));
    try testing.expectEqual(invalid_argument, engram_arena_create_hosted(&optionsOf(4096, 1, 2), &handle));
    try testing.expectEqual(invalid_size, engram_arena_create_hosted(&optionsOf(0, 1, 1), &handle));
    try testing.expectEqual(invalid_size, engram_arena_create_hosted(&optionsOf(gib + 1, 1, 1), &handle));
    try testing.expectEqual(@as(?*Arena, null), handle);

    const before = metricsNow();
    engram_testing_fail_reservations(1);
    try testing.expectEqual(init_failed, engram_arena_create_hosted(&optionsOf(4096, 1, 1), &handle));
    try testing.expectEqual(@as(?*Arena, null), handle);
    try testing.expectEqual(before.live_arenas, metricsNow().live_arenas);

    const arena = try createHosted(3 * 65536, 2, 0);
    try testing.expectEqual(before.live_arenas + 1, metricsNow().live_arenas);
    try testing.expectEqual(before.reserved_bytes + 3 * 65536, metricsNow().reserved_bytes);
    try testing.expectEqual(@as(u64, 3 * 65536), engram_arena_size(arena));
    var options: Config = undefined;
    try testing.expectEqual(ok, engram_arena_get_options(arena, &options));
    try testing.expectEqual(Config{ .size_bytes = 3 * 65536, .overflow_strategy = 2, .zero_on_reset = 0 }, options);
    engram_arena_destroy(arena);
    try testing.expectEqual(before.live_arenas, metricsNow().live_arenas);
    try testing.expectEqual(before.reserved_bytes, metricsNow().reserved_bytes);
}

test "C ABI: a hosted arena before its first bind refuses alloc, reset and expose, and changes nothing" {
    engram_reset_arena_metrics();
    defer engram_reset_arena_metrics();
    const arena = try createHosted(65536, 2, 1);
    defer engram_arena_destroy(arena);
    const state = engram_arena_state(arena).?;
    const before = state.*;
    var allocation: Allocation = undefined;
    try testing.expectEqual(invalid_argument, engram_arena_alloc(arena, 8, 8, &allocation));
    try testing.expectEqual(Allocation{ .ptr = null, .offset = 0, .fallback = 0 }, allocation);
    // Even a request that could never fit: no overflow, no fallback counted.
    try testing.expectEqual(invalid_argument, engram_arena_alloc(arena, 1 << 20, 8, &allocation));
    try testing.expectEqual(invalid_argument, engram_arena_alloc(arena, 0, 1, &allocation));
    try testing.expectEqual(invalid_argument, engram_arena_reset(arena));
    try testing.expectEqual(invalid_argument, engram_arena_expose(arena, 100));
    try testing.expectEqual(before, state.*);
    try testing.expectEqual(core.State{ .size_bytes = 65536 }, state.*);
    try testing.expectEqual(@as(?[*]u8, null), engram_arena_base(arena));
    try testing.expectEqual(@as(u64, 0), engram_arena_remaining(arena));
    var stats: ArenaStats = undefined;
    try testing.expectEqual(ok, engram_arena_get_stats(arena, &stats));
    try testing.expectEqual(@as(u64, 65536), stats.size_bytes);
    try testing.expectEqual(@as(u64, 0), metricsNow().total_resets);
    try testing.expectEqual(@as(u64, 0), metricsNow().total_overflows);
}

test "C ABI: bind refuses null pointers, other arenas, small blocks and bad flags" {
    const memory = try std.heap.page_allocator.alignedAlloc(u8, page, 4 * page);
    defer std.heap.page_allocator.free(memory);
    const arena = try createHosted(2 * 4096, 1, 1);
    var base_offset: u64 = 99;
    try testing.expectEqual(invalid_argument, engram_arena_bind(null, memory.ptr, memory.len, 1, &base_offset));
    try testing.expectEqual(invalid_argument, engram_arena_bind(arena, memory.ptr, memory.len, 1, null));
    try testing.expectEqual(invalid_argument, engram_arena_bind(arena, null, memory.len, 1, &base_offset));
    try testing.expectEqual(@as(u64, 0), base_offset);
    try testing.expectEqual(invalid_argument, engram_arena_bind(arena, memory.ptr, memory.len, 2, &base_offset));
    try testing.expectEqual(invalid_size, engram_arena_bind(arena, memory.ptr, 2 * 4096 + hosted_slack_bytes - 1, 1, &base_offset));
    try testing.expectEqual(invalid_size, engram_arena_bind(arena, memory.ptr, 0, 1, &base_offset));
    // A block that would run past the end of the address space.
    const top: [*]u8 = @ptrFromInt(std.math.maxInt(usize) - 4 * page + 1);
    try testing.expectEqual(invalid_argument, engram_arena_bind(arena, top, 4 * page, 1, &base_offset));
    try testing.expectEqual(invalid_argument, engram_arena_bind(arena, memory.ptr, std.math.maxInt(u64), 1, &base_offset));
    try testing.expectEqual(@as(?[*]u8, null), engram_arena_base(arena));

    // Exactly capacity + slack is enough, wherever the block starts.
    const misaligned = memory.ptr + 16;
    try testing.expectEqual(ok, engram_arena_bind(arena, misaligned, 2 * 4096 + hosted_slack_bytes, 1, &base_offset));
    try testing.expectEqual(@as(u64, 4096 - 16), base_offset);

    // Arenas that own their memory are not bound.
    const owned = try createArena(4096, 1, 1);
    defer engram_arena_destroy(owned);
    try testing.expectEqual(invalid_argument, engram_arena_bind(owned, memory.ptr, memory.len, 1, &base_offset));
    var thread: ?*Arena = null;
    try testing.expectEqual(ok, engram_thread_arena(&thread));
    try testing.expectEqual(invalid_argument, engram_arena_bind(thread, memory.ptr, memory.len, 1, &base_offset));
    engram_deinit_thread_arena();
    try testing.expectEqual(destroyed, engram_arena_bind(thread, memory.ptr, memory.len, 1, &base_offset));

    // A retired hosted arena is destroyed.
    try testing.expectEqual(ok, engram_arena_retire(arena));
    try testing.expectEqual(destroyed, engram_arena_bind(arena, memory.ptr, memory.len, 1, &base_offset));
    engram_arena_destroy(arena);
}

test "C ABI: hosted arena end to end: page-aligned base, rebinds, reset, destroy" {
    engram_reset_arena_metrics();
    defer engram_reset_arena_metrics();
    const before = metricsNow();
    const capacity: u64 = 4 * 4096;
    const block_bytes = capacity + hosted_slack_bytes;
    // Blocks at addresses 16 mod 4096, as an engine may place an ArrayBuffer.
    const first = try std.heap.page_allocator.alignedAlloc(u8, page, 6 * page);
    defer std.heap.page_allocator.free(first);
    const second = try std.heap.page_allocator.alignedAlloc(u8, page, 6 * page);
    defer std.heap.page_allocator.free(second);
    // Allocator.alloc fills with 0xAA in Debug: make them fresh, zero memory.
    @memset(first, 0);
    @memset(second, 0);
    const arena = try createHosted(capacity, 1, 1);
    try testing.expectEqual(before.live_arenas + 1, metricsNow().live_arenas);
    try testing.expectEqual(before.reserved_bytes + capacity, metricsNow().reserved_bytes);

    var base_offset: u64 = 0;
    try testing.expectEqual(ok, engram_arena_bind(arena, first.ptr + 16, block_bytes, 1, &base_offset));
    try testing.expectEqual(@as(u64, 4096 - 16), base_offset);
    const base = engram_arena_base(arena).?;
    try testing.expectEqual(first.ptr + 16 + @as(usize, @intCast(base_offset)), base);
    try testing.expectEqual(@as(usize, 0), @intFromPtr(base) % 4096);

    var allocation: Allocation = undefined;
    try testing.expectEqual(ok, engram_arena_alloc(arena, 3, 1, &allocation));
    try testing.expectEqual(Allocation{ .ptr = base, .offset = 0, .fallback = 0 }, allocation);
    try testing.expectEqual(ok, engram_arena_alloc(arena, 100, 4096, &allocation));
    try testing.expectEqual(Allocation{ .ptr = base + 4096, .offset = 4096, .fallback = 0 }, allocation);
    try testing.expectEqual(@as(usize, 0), @intFromPtr(allocation.ptr.?) % 4096);
    @memset(allocation.ptr.?[0..100], 0xAB);
    try testing.expectEqual(out_of_capacity, engram_arena_alloc(arena, capacity, 8, &allocation));
    const state = engram_arena_state(arena).?;
    const counted = state.*;
    try testing.expectEqual(@as(u64, 4096 + 100), counted.offset);

    // The host moves its buffer (same bytes, same alignment) and rebinds.
    @memcpy(second[0..block_bytes], first[0..block_bytes]);
    try testing.expectEqual(ok, engram_arena_bind(arena, second.ptr + 16, block_bytes, 0, &base_offset));
    try testing.expectEqual(@as(u64, 4096 - 16), base_offset);
    try testing.expectEqual(counted, state.*);
    try testing.expectEqual(second.ptr + 4096, engram_arena_base(arena).?);
    try testing.expect(std.mem.allEqual(u8, second[2 * 4096 ..][0..100], 0xAB));
    // The next allocation continues in the new block.
    try testing.expectEqual(ok, engram_arena_alloc(arena, 8, 8, &allocation));
    try testing.expectEqual(second.ptr + 4096 + 4200, allocation.ptr.?);

    // The reset zeroes the used bytes in the block bound now, not the old
    // one, at the next allocation (a hosted arena zeroes when it hands out).
    try testing.expectEqual(ok, engram_arena_reset(arena));
    try testing.expectEqual(@as(u64, 0), state.offset);
    try testing.expectEqual(@as(u64, 4208), state.high_water_mark);
    try testing.expectEqual(@as(u64, 1), metricsNow().total_resets);
    try testing.expectEqual(ok, engram_arena_alloc(arena, 0, 1, &allocation));
    try testing.expect(std.mem.allEqual(u8, second, 0));
    try testing.expect(std.mem.allEqual(u8, first[2 * 4096 ..][0..100], 0xAB));

    // Moved to an address 48 mod 4096 with its bytes: another base, so the
    // whole block is zeroed (the bytes at its old offsets are gone).
    @memset(first, 0xEE);
    try testing.expectEqual(ok, engram_arena_bind(arena, first.ptr + 48, block_bytes, 0, &base_offset));
    try testing.expectEqual(@as(u64, 4096 - 48), base_offset);
    try testing.expect(std.mem.allEqual(u8, first[48..][0..block_bytes], 0));
    try testing.expectEqual(@as(u8, 0xEE), first[47]);
    try testing.expectEqual(@as(u8, 0xEE), first[48 + block_bytes]);

    engram_arena_destroy(arena);
    const after = metricsNow();
    try testing.expectEqual(before.live_arenas, after.live_arenas);
    try testing.expectEqual(before.reserved_bytes, after.reserved_bytes);
    try testing.expectEqual(@as(u64, 4), after.total_allocations); // three, then the empty one after the reset
    try testing.expectEqual(@as(u64, 4208), after.max_high_water_mark_bytes);
    // The host's memory is the host's: destroy wrote nothing there.
    try testing.expectEqual(@as(u8, 0xEE), first[47]);
}

test "C ABI: a hosted fallback is counted and answers {NULL, UINT64_MAX, 1}" {
    engram_reset_arena_metrics();
    defer engram_reset_arena_metrics();
    const memory = try std.heap.page_allocator.alignedAlloc(u8, page, 3 * page);
    defer std.heap.page_allocator.free(memory);
    @memset(memory, 0);
    const arena = try createHosted(4096, 2, 1);
    var base_offset: u64 = 0;
    try testing.expectEqual(ok, engram_arena_bind(arena, memory.ptr, memory.len, 1, &base_offset));
    try testing.expectEqual(@as(u64, 0), base_offset);
    var allocation: Allocation = undefined;
    try testing.expectEqual(ok, engram_arena_alloc(arena, 1000, 8, &allocation));
    try testing.expectEqual(@as(u8, 0), allocation.fallback);
    try testing.expectEqual(ok, engram_arena_alloc(arena, 10000, 4096, &allocation));
    try testing.expectEqual(Allocation{ .ptr = null, .offset = abi.fallback_offset, .fallback = 1 }, allocation);
    engram_testing_fail_reservations(1);
    try testing.expectEqual(init_failed, engram_arena_alloc(arena, 10000, 8, &allocation));
    try testing.expectEqual(Allocation{ .ptr = null, .offset = 0, .fallback = 0 }, allocation);

    var stats: ArenaStats = undefined;
    try testing.expectEqual(ok, engram_arena_get_stats(arena, &stats));
    try testing.expectEqual(@as(u64, 1), stats.fallbacks);
    try testing.expectEqual(@as(u64, 10000), stats.fallback_bytes);
    try testing.expectEqual(@as(u64, 2), stats.overflows);
    try testing.expectEqual(@as(u64, 2), stats.allocations);
    try testing.expectEqual(@as(u64, 11000), stats.bytes_allocated);
    try testing.expectEqual(@as(u64, 1000), stats.current_usage_bytes);

    try testing.expectEqual(ok, engram_arena_reset(arena));
    try testing.expectEqual(ok, engram_arena_get_stats(arena, &stats));
    try testing.expectEqual(@as(u64, 0), stats.fallback_bytes);
    try testing.expectEqual(@as(u64, 1), metricsNow().total_fallbacks);
    engram_arena_destroy(arena);
}

test "C ABI: a host's copy of the state record, copied in before a call and out after" {
    const memory = try std.heap.page_allocator.alignedAlloc(u8, page, 3 * page);
    defer std.heap.page_allocator.free(memory);
    @memset(memory, 0);
    const arena = try createHosted(4096, 1, 1);
    defer engram_arena_destroy(arena);
    var base_offset: u64 = 0;
    try testing.expectEqual(ok, engram_arena_bind(arena, memory.ptr + 8, 2 * 4096, 1, &base_offset));
    const state = engram_arena_state(arena).?;
    var copy = state.*;
    // The host bumps in its own copy with the header's rule...
    copy.offset = 40;
    copy.high_water_mark = 40;
    copy.allocations = 1;
    copy.bytes_allocated = 40;
    // ...and copies it in for a call, and back after it.
    state.* = copy;
    var allocation: Allocation = undefined;
    try testing.expectEqual(ok, engram_arena_alloc(arena, 8, 64, &allocation));
    copy = state.*;
    try testing.expectEqual(@as(u64, 64), allocation.offset);
    try testing.expectEqual(memory.ptr + 8 + @as(usize, @intCast(base_offset)) + 64, allocation.ptr.?);
    try testing.expectEqual(@as(u64, 72), copy.offset);
    try testing.expectEqual(@as(u64, 2), copy.allocations);
    try testing.expectEqual(@as(u64, 48), copy.bytes_allocated);
}

test "C ABI: retire of a hosted arena releases the gauges and destroy frees the handle" {
    const before = metricsNow();
    const memory = try std.heap.page_allocator.alignedAlloc(u8, page, 3 * page);
    defer std.heap.page_allocator.free(memory);
    @memset(memory, 0);
    const arena = try createHosted(4096, 1, 0);
    var base_offset: u64 = 0;
    try testing.expectEqual(ok, engram_arena_bind(arena, memory.ptr, memory.len, 1, &base_offset));
    var allocation: Allocation = undefined;
    try testing.expectEqual(ok, engram_arena_alloc(arena, 64, 8, &allocation));
    @memset(allocation.ptr.?[0..64], 0x5A);
    try testing.expectEqual(ok, engram_arena_retire(arena));
    try testing.expectEqual(before.live_arenas, metricsNow().live_arenas);
    try testing.expectEqual(before.reserved_bytes, metricsNow().reserved_bytes);
    try testing.expectEqual(destroyed, engram_arena_alloc(arena, 8, 8, &allocation));
    try testing.expectEqual(destroyed, engram_arena_reset(arena));
    try testing.expectEqual(invalid_argument, engram_arena_retire(arena));
    try testing.expectEqual(ok, engram_arena_destroy_checked(arena));
    try testing.expect(std.mem.allEqual(u8, memory[0..64], 0x5A));
    try testing.expectEqual(before.live_arenas, metricsNow().live_arenas);
}

test "C ABI: engram_discard_memory drops whole pages and tolerates NULL, 0 and tiny ranges" {
    const memory = try std.heap.page_allocator.alignedAlloc(u8, page, 4 * page);
    defer std.heap.page_allocator.free(memory);
    @memset(memory, 0xEE);
    engram_discard_memory(null, 0);
    engram_discard_memory(null, 4 * page);
    engram_discard_memory(memory.ptr, 0);
    engram_discard_memory(memory.ptr + 1, page);
    engram_discard_memory(memory.ptr + 10, 20);
    try testing.expect(std.mem.allEqual(u8, memory, 0xEE));
    engram_discard_memory(memory.ptr + page, 2 * page);
    if (builtin.os.tag == .linux) {
        try testing.expect(std.mem.allEqual(u8, memory[page .. 3 * page], 0));
    }
    try testing.expect(std.mem.allEqual(u8, memory[0..page], 0xEE));
    try testing.expect(std.mem.allEqual(u8, memory[3 * page ..], 0xEE));
    memory[page] = 7; // still mapped and writable
    try testing.expectEqual(@as(u8, 7), memory[page]);
}
