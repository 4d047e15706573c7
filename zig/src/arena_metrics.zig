//! Process-wide arena metrics, lock-free on targets with 64-bit atomics
//! (behind a short spin lock per counter elsewhere: see atomic_u64.zig).
//!
//! Arenas count on their own fields while they allocate and fold those counts
//! in here only at reset and at destroy, so the allocation path never touches
//! a cache line shared between threads.

const std = @import("std");
const Atomic = std.atomic.Value;
const AtomicU64 = @import("atomic_u64.zig").AtomicU64;
const abi = @import("abi.zig");

/// A copy of the metrics at one moment. Each field is read atomically; the
/// set of fields is not one atomic snapshot.
pub const Snapshot = abi.ArenaMetrics;

/// What one arena reports when it folds its counters in: its state, with the
/// high-water mark it reports (see `ArenaAllocator.highWaterMark`).
pub const Sample = abi.ArenaState;

const fields = @typeInfo(Snapshot).@"struct".fields;
/// One atomic counter per metric, in `Snapshot`'s field order.
var counters = [_]AtomicU64{AtomicU64.init(0)} ** fields.len;

fn counter(comptime name: []const u8) *AtomicU64 {
    return &counters[comptime std.meta.fieldIndex(Snapshot, name).?];
}

/// The metrics that describe memory held now rather than events counted.
fn isGauge(comptime name: []const u8) bool {
    return std.mem.eql(u8, name, "live_arenas") or std.mem.eql(u8, name, "reserved_bytes");
}

/// Folds an arena's counters in at its reset, counting the reset.
pub fn recordReset(sample: Sample) void {
    _ = counter("total_resets").fetchAdd(1, .monotonic);
    fold(sample);
}

/// Folds an arena's counters in when it is destroyed; not a reset.
pub fn recordRetire(sample: Sample) void {
    fold(sample);
}

/// Each read-modify-write is a locked instruction (tens of cycles, more when
/// another thread holds the line): a reset per request pays for every one,
/// so counts of zero and marks that are not new are left alone. The result
/// is the same; a racing larger mark is kept by the fetchMax itself.
fn fold(sample: Sample) void {
    inline for (abi.ArenaState.folded) |name| {
        const count = @field(sample, name);
        if (count != 0) _ = counter("total_" ++ name).fetchAdd(count, .monotonic);
    }
    const max_mark = counter("max_high_water_mark_bytes");
    if (sample.high_water_mark > max_mark.load(.monotonic)) _ = max_mark.fetchMax(sample.high_water_mark, .monotonic);
}

/// Counts one block of memory a host's user moved out of a hosted arena.
pub fn recordMovedOut() void {
    _ = counter("total_moved_out").fetchAdd(1, .monotonic);
}

/// Counts an arena of `size_bytes` that now holds memory.
pub fn recordArenaReserved(size_bytes: u64) void {
    _ = counter("live_arenas").fetchAdd(1, .monotonic);
    _ = counter("reserved_bytes").fetchAdd(size_bytes, .monotonic);
}

/// Counts the release of memory counted by `recordArenaReserved`.
pub fn recordArenaReleased(size_bytes: u64) void {
    const previous_arenas = counter("live_arenas").fetchSub(1, .monotonic);
    const previous_bytes = counter("reserved_bytes").fetchSub(size_bytes, .monotonic);
    std.debug.assert(previous_arenas >= 1);
    std.debug.assert(previous_bytes >= size_bytes);
}

/// Reads every metric.
pub fn snapshot() Snapshot {
    var copy: Snapshot = .{};
    inline for (fields, 0..) |field, index| @field(copy, field.name) = counters[index].load(.monotonic);
    return copy;
}

/// Zeroes the counters. The gauges describe memory held now, so they stay.
pub fn reset() void {
    inline for (fields, 0..) |field, index| {
        if (!comptime isGauge(field.name)) counters[index].store(0, .monotonic);
    }
}

const testing = std.testing;

fn sampleOf(high_water_mark: u64, overflows: u64) Sample {
    return .{
        .high_water_mark = high_water_mark,
        .overflows = overflows,
        .allocations = 3,
        .bytes_allocated = 100,
        .fallbacks = 1,
    };
}

test "metrics record a reset" {
    reset();
    defer reset();
    recordReset(sampleOf(4096, 2));
    const metrics = snapshot();
    try testing.expectEqual(@as(u64, 1), metrics.total_resets);
    try testing.expectEqual(@as(u64, 2), metrics.total_overflows);
    try testing.expectEqual(@as(u64, 4096), metrics.max_high_water_mark_bytes);
    try testing.expectEqual(@as(u64, 3), metrics.total_allocations);
    try testing.expectEqual(@as(u64, 100), metrics.total_bytes_allocated);
    try testing.expectEqual(@as(u64, 1), metrics.total_fallbacks);
}

test "metrics accumulate and keep the maximum high-water mark" {
    reset();
    defer reset();
    recordReset(sampleOf(1000, 1));
    recordReset(sampleOf(5000, 0));
    recordReset(sampleOf(2000, 4));
    recordRetire(sampleOf(3000, 1));
    const metrics = snapshot();
    try testing.expectEqual(@as(u64, 3), metrics.total_resets);
    try testing.expectEqual(@as(u64, 6), metrics.total_overflows);
    try testing.expectEqual(@as(u64, 5000), metrics.max_high_water_mark_bytes);
    try testing.expectEqual(@as(u64, 12), metrics.total_allocations);
    try testing.expectEqual(@as(u64, 400), metrics.total_bytes_allocated);
    try testing.expectEqual(@as(u64, 4), metrics.total_fallbacks);
}

test "metrics reset zeroes counters but not gauges; a snapshot is a copy" {
    reset();
    defer reset();
    const before = snapshot();
    recordArenaReserved(65536);
    defer recordArenaReleased(65536);
    recordReset(sampleOf(777, 7));
    const copy = snapshot();
    reset();
    const after = snapshot();
    try testing.expectEqual(@as(u64, 1), copy.total_resets);
    try testing.expectEqual(@as(u64, 777), copy.max_high_water_mark_bytes);
    try testing.expectEqual(Snapshot{
        .live_arenas = before.live_arenas + 1,
        .reserved_bytes = before.reserved_bytes + 65536,
    }, after);
}

/// The concurrent fold test's shared state.
const FoldRace = struct {
    const thread_count = 8;
    const folds_per_thread = 400_000;

    var ready = Atomic(u32).init(0);
    var start = Atomic(bool).init(false);
    /// Hands out strictly increasing high-water marks across all threads.
    var ticket = AtomicU64.init(0);
    /// Folds after which the maximum was below the mark just folded.
    var max_regressions = AtomicU64.init(0);

    fn worker() void {
        // Every thread folds at once, not one after another as they spawn:
        // a lost update needs two folds in flight together.
        _ = ready.fetchAdd(1, .acq_rel);
        while (!start.load(.acquire)) std.atomic.spinLoopHint();
        for (0..folds_per_thread) |_| {
            const mark = ticket.fetchAdd(1, .monotonic) + 1;
            recordReset(.{
                .high_water_mark = mark,
                .overflows = 1,
                .allocations = 2,
                .bytes_allocated = 3,
                .fallbacks = 4,
            });
            // fetchMax never lets the maximum fall below a mark folded
            // before; a load-then-store fold can, when a slower thread
            // stores its smaller mark over this one.
            if (counter("max_high_water_mark_bytes").load(.monotonic) < mark) _ = max_regressions.fetchAdd(1, .monotonic);
        }
    }
};

test "metrics stay exact with 8 threads folding at once" {
    reset();
    defer reset();
    FoldRace.ready.store(0, .monotonic);
    FoldRace.start.store(false, .monotonic);
    FoldRace.ticket.store(0, .monotonic);
    FoldRace.max_regressions.store(0, .monotonic);
    var threads: [FoldRace.thread_count]std.Thread = undefined;
    for (&threads) |*thread| thread.* = try std.Thread.spawn(.{}, FoldRace.worker, .{});
    while (FoldRace.ready.load(.acquire) < FoldRace.thread_count) std.Thread.yield() catch {};
    FoldRace.start.store(true, .release);
    for (threads) |thread| thread.join();
    const metrics = snapshot();
    const total: u64 = FoldRace.thread_count * FoldRace.folds_per_thread;
    try testing.expectEqual(total, metrics.total_resets);
    try testing.expectEqual(total, metrics.total_overflows);
    try testing.expectEqual(total * 2, metrics.total_allocations);
    try testing.expectEqual(total * 3, metrics.total_bytes_allocated);
    try testing.expectEqual(total * 4, metrics.total_fallbacks);
    try testing.expectEqual(total, metrics.max_high_water_mark_bytes);
    try testing.expectEqual(@as(u64, 0), FoldRace.max_regressions.load(.monotonic));
}

test "moved-out blocks are counted and reset with the counters" {
    reset();
    recordMovedOut();
    recordMovedOut();
    try testing.expectEqual(@as(u64, 2), snapshot().total_moved_out);
    reset();
    try testing.expectEqual(@as(u64, 0), snapshot().total_moved_out);
}
