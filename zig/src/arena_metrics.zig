//! Process-wide arena metrics, lock-free on targets with 64-bit atomics
//! (behind a short spin lock per counter elsewhere: see atomic_u64.zig).
//!
//! Arenas count on their own fields while they allocate and fold those counts
//! in here only at reset and at destroy, so the allocation path never touches
//! a cache line shared between threads.

const std = @import("std");
const Atomic = std.atomic.Value;
const AtomicU64 = @import("atomic_u64.zig").AtomicU64;

/// A copy of the metrics at one moment. Each field is read atomically; the
/// set of fields is not one atomic snapshot.
pub const Snapshot = struct {
    total_resets: u64 = 0,
    total_overflows: u64 = 0,
    max_high_water_mark: u64 = 0,
    total_allocations: u64 = 0,
    total_bytes_allocated: u64 = 0,
    total_fallbacks: u64 = 0,
    /// Blocks of hosted-arena memory that user code took over (moved out of
    /// the arena), after which the arena went on with fresh memory.
    total_moved_out: u64 = 0,
    /// Gauge: arenas holding a reserved buffer now.
    live_arenas: u64 = 0,
    /// Gauge: total capacity of the live arenas, in bytes.
    reserved_bytes: u64 = 0,
};

/// What one arena reports when it folds its counters in.
pub const Sample = struct {
    high_water_mark: u64,
    overflow_count: u64,
    allocation_count: u64,
    bytes_allocated: u64,
    fallback_count: u64,
};

var total_resets = AtomicU64.init(0);
var total_overflows = AtomicU64.init(0);
var max_high_water_mark = AtomicU64.init(0);
var total_allocations = AtomicU64.init(0);
var total_bytes_allocated = AtomicU64.init(0);
var total_fallbacks = AtomicU64.init(0);
var total_moved_out = AtomicU64.init(0);
var live_arenas = AtomicU64.init(0);
var reserved_bytes = AtomicU64.init(0);

/// Folds an arena's counters in at its reset, counting the reset.
pub fn recordReset(sample: Sample) void {
    _ = total_resets.fetchAdd(1, .monotonic);
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
    if (sample.overflow_count != 0) _ = total_overflows.fetchAdd(sample.overflow_count, .monotonic);
    if (sample.high_water_mark > max_high_water_mark.load(.monotonic)) {
        _ = max_high_water_mark.fetchMax(sample.high_water_mark, .monotonic);
    }
    if (sample.allocation_count != 0) _ = total_allocations.fetchAdd(sample.allocation_count, .monotonic);
    if (sample.bytes_allocated != 0) _ = total_bytes_allocated.fetchAdd(sample.bytes_allocated, .monotonic);
    if (sample.fallback_count != 0) _ = total_fallbacks.fetchAdd(sample.fallback_count, .monotonic);
}

/// Counts one block of memory a host's user moved out of a hosted arena.
pub fn recordMovedOut() void {
    _ = total_moved_out.fetchAdd(1, .monotonic);
}

/// Counts a buffer of `capacity_bytes` reserved for a new arena.
pub fn recordArenaReserved(capacity_bytes: u64) void {
    _ = live_arenas.fetchAdd(1, .monotonic);
    _ = reserved_bytes.fetchAdd(capacity_bytes, .monotonic);
}

/// Counts the release of a buffer counted by `recordArenaReserved`.
pub fn recordArenaReleased(capacity_bytes: u64) void {
    const previous_arenas = live_arenas.fetchSub(1, .monotonic);
    const previous_bytes = reserved_bytes.fetchSub(capacity_bytes, .monotonic);
    std.debug.assert(previous_arenas >= 1);
    std.debug.assert(previous_bytes >= capacity_bytes);
}

/// Reads every metric.
pub fn snapshot() Snapshot {
    return .{
        .total_resets = total_resets.load(.monotonic),
        .total_overflows = total_overflows.load(.monotonic),
        .max_high_water_mark = max_high_water_mark.load(.monotonic),
        .total_allocations = total_allocations.load(.monotonic),
        .total_bytes_allocated = total_bytes_allocated.load(.monotonic),
        .total_fallbacks = total_fallbacks.load(.monotonic),
        .total_moved_out = total_moved_out.load(.monotonic),
        .live_arenas = live_arenas.load(.monotonic),
        .reserved_bytes = reserved_bytes.load(.monotonic),
    };
}

/// Zeroes the counters. The gauges describe memory held now, so they stay.
pub fn reset() void {
    total_resets.store(0, .monotonic);
    total_overflows.store(0, .monotonic);
    max_high_water_mark.store(0, .monotonic);
    total_allocations.store(0, .monotonic);
    total_bytes_allocated.store(0, .monotonic);
    total_fallbacks.store(0, .monotonic);
    total_moved_out.store(0, .monotonic);
}

const testing = std.testing;

fn sampleOf(high_water_mark: u64, overflow_count: u64) Sample {
    return .{
        .high_water_mark = high_water_mark,
        .overflow_count = overflow_count,
        .allocation_count = 3,
        .bytes_allocated = 100,
        .fallback_count = 1,
    };
}

test "metrics record a reset" {
    reset();
    defer reset();
    recordReset(sampleOf(4096, 2));
    const metrics = snapshot();
    try testing.expectEqual(@as(u64, 1), metrics.total_resets);
    try testing.expectEqual(@as(u64, 2), metrics.total_overflows);
    try testing.expectEqual(@as(u64, 4096), metrics.max_high_water_mark);
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
    try testing.expectEqual(@as(u64, 5000), metrics.max_high_water_mark);
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
    try testing.expectEqual(@as(u64, 777), copy.max_high_water_mark);
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
                .overflow_count = 1,
                .allocation_count = 2,
                .bytes_allocated = 3,
                .fallback_count = 4,
            });
            // fetchMax never lets the maximum fall below a mark folded
            // before; a load-then-store fold can, when a slower thread
            // stores its smaller mark over this one.
            if (max_high_water_mark.load(.monotonic) < mark) _ = max_regressions.fetchAdd(1, .monotonic);
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
    try testing.expectEqual(total, metrics.max_high_water_mark);
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
