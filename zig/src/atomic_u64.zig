//! A 64-bit atomic integer on every target the library builds for.
//!
//! Zig offers 64-bit atomics on 64-bit targets only: on 32-bit ARM (armv7),
//! x86 and the like, `std.atomic.Value(u64)` does not compile. There the
//! metrics and the config word use `Locked`, a u64 guarded by a 32-bit spin
//! lock held for a few instructions per operation. On 64-bit targets
//! `AtomicU64` is `std.atomic.Value(u64)` itself: lock-free, unchanged.

const std = @import("std");
const builtin = @import("builtin");
const assert = std.debug.assert;
const AtomicOrder = std.builtin.AtomicOrder;

/// Whether the target has lock-free 64-bit atomics. Every target with 64-bit
/// pointers has them in Zig; no 32-bit one does (ILP32 ABIs of 64-bit CPUs,
/// such as x32, take the lock too: slower, still correct).
pub const native_u64_atomics: bool = @bitSizeOf(usize) >= 64;

comptime {
    // The hosts the package ships prebuilds for must stay lock-free.
    if (builtin.cpu.arch == .x86_64 and builtin.abi != .gnux32 and builtin.abi != .muslx32) assert(native_u64_atomics);
    if (builtin.cpu.arch == .aarch64 and builtin.abi != .gnuilp32) assert(native_u64_atomics);
}

/// The u64 atomic of this target: lock-free where possible, `Locked` elsewhere.
pub const AtomicU64 = if (native_u64_atomics) std.atomic.Value(u64) else Locked;

/// Rounds of `spinLoopHint` before a waiter for the lock yields its core:
/// the holder needs nanoseconds, unless it lost its own core meanwhile.
const lock_spin_rounds: u32 = 64;

/// A u64 behind a spin lock, with the subset of `std.atomic.Value(u64)`'s
/// methods the library calls. Each operation takes the lock (acquire) and
/// releases it (release), so each is at least acquire-release: as strong as
/// every ordering the library asks for. `.seq_cst` is refused at compile
/// time, since a lock per value orders no two values against each other.
pub const Locked = struct {
    /// 0 free, 1 held.
    lock_word: std.atomic.Value(u32),
    /// Read and written only with the lock held.
    value: u64,

    /// A value holding `initial`, unlocked.
    pub fn init(initial: u64) Locked {
        return .{ .lock_word = std.atomic.Value(u32).init(0), .value = initial };
    }

    fn lock(self: *Locked) void {
        var rounds: u32 = 0;
        while (self.lock_word.cmpxchgWeak(0, 1, .acquire, .monotonic) != null) {
            // Wait on a plain load, not on repeated exchanges that would
            // steal the cache line from the holder.
            while (self.lock_word.load(.monotonic) != 0) {
                rounds +|= 1;
                if (rounds <= lock_spin_rounds) {
                    std.atomic.spinLoopHint();
                } else {
                    std.Thread.yield() catch std.atomic.spinLoopHint();
                }
            }
        }
    }

    fn unlock(self: *Locked) void {
        const previous = self.lock_word.swap(0, .release);
        assert(previous == 1);
    }

    fn checkOrder(comptime order: AtomicOrder) void {
        comptime assert(order != .seq_cst);
    }

    /// The value.
    pub fn load(self: *Locked, comptime order: AtomicOrder) u64 {
        checkOrder(order);
        self.lock();
        defer self.unlock();
        return self.value;
    }

    /// Replaces the value.
    pub fn store(self: *Locked, new_value: u64, comptime order: AtomicOrder) void {
        checkOrder(order);
        self.lock();
        defer self.unlock();
        self.value = new_value;
    }

    /// Adds `operand` (wrapping, as `@atomicRmw` does); returns the old value.
    pub fn fetchAdd(self: *Locked, operand: u64, comptime order: AtomicOrder) u64 {
        checkOrder(order);
        self.lock();
        defer self.unlock();
        const previous = self.value;
        self.value = previous +% operand;
        return previous;
    }

    /// Subtracts `operand` (wrapping, as `@atomicRmw` does); returns the old value.
    pub fn fetchSub(self: *Locked, operand: u64, comptime order: AtomicOrder) u64 {
        checkOrder(order);
        self.lock();
        defer self.unlock();
        const previous = self.value;
        self.value = previous -% operand;
        return previous;
    }

    /// Raises the value to `operand` if it is below; returns the old value.
    pub fn fetchMax(self: *Locked, operand: u64, comptime order: AtomicOrder) u64 {
        checkOrder(order);
        self.lock();
        defer self.unlock();
        const previous = self.value;
        self.value = @max(previous, operand);
        assert(self.value >= previous and self.value >= operand);
        return previous;
    }

    /// Stores `new_value` if the value is `expected`: null then, else the value.
    pub fn cmpxchgStrong(
        self: *Locked,
        expected: u64,
        new_value: u64,
        comptime success_order: AtomicOrder,
        comptime fail_order: AtomicOrder,
    ) ?u64 {
        checkOrder(success_order);
        checkOrder(fail_order);
        self.lock();
        defer self.unlock();
        if (self.value != expected) return self.value;
        self.value = new_value;
        return null;
    }

    /// As `cmpxchgStrong`: under a lock a compare never fails spuriously.
    pub fn cmpxchgWeak(
        self: *Locked,
        expected: u64,
        new_value: u64,
        comptime success_order: AtomicOrder,
        comptime fail_order: AtomicOrder,
    ) ?u64 {
        return self.cmpxchgStrong(expected, new_value, success_order, fail_order);
    }
};

const testing = std.testing;

test "AtomicU64 is lock-free std.atomic.Value(u64) on 64-bit targets, Locked elsewhere" {
    if (@bitSizeOf(usize) == 64) {
        try testing.expect(AtomicU64 == std.atomic.Value(u64));
    } else {
        try testing.expect(AtomicU64 == Locked);
    }
}

test "Locked: each operation returns what std.atomic.Value(u64) returns" {
    var value = Locked.init(0xFFFF_FFF0);
    try testing.expectEqual(@as(u64, 0xFFFF_FFF0), value.fetchAdd(0x20, .monotonic));
    try testing.expectEqual(@as(u64, 0x1_0000_0010), value.load(.monotonic));
    try testing.expectEqual(@as(u64, 0x1_0000_0010), value.fetchSub(0x20, .monotonic));
    try testing.expectEqual(@as(u64, 0xFFFF_FFF0), value.fetchMax(7, .monotonic));
    try testing.expectEqual(@as(u64, 0xFFFF_FFF0), value.fetchMax(1 << 40, .monotonic));
    try testing.expectEqual(@as(u64, 1 << 40), value.load(.acquire));
    try testing.expectEqual(@as(?u64, 1 << 40), value.cmpxchgStrong(3, 4, .acquire, .monotonic));
    try testing.expectEqual(@as(?u64, null), value.cmpxchgStrong(1 << 40, 5, .acquire, .monotonic));
    try testing.expectEqual(@as(?u64, null), value.cmpxchgWeak(5, 6, .release, .monotonic));
    value.store(std.math.maxInt(u64), .release);
    try testing.expectEqual(std.math.maxInt(u64), value.fetchAdd(1, .monotonic));
    try testing.expectEqual(@as(u64, 0), value.load(.monotonic));
    try testing.expectEqual(@as(u32, 0), value.lock_word.load(.monotonic));
}

/// Shared state of the Locked race test: adders carry across the 32-bit
/// halves while a reader checks that no load ever sees half of a store.
const LockedRace = struct {
    const adder_count = 3;
    const adds_per_thread = 50_000;
    /// The two values the flipper stores: every bit of each half differs.
    const low_ones: u64 = 0x0000_0000_FFFF_FFFF;
    const high_ones: u64 = 0xFFFF_FFFF_0000_0000;

    var sum = Locked.init(0xFFFF_0000);
    var flip = Locked.init(low_ones);
    var torn_loads = std.atomic.Value(u32).init(0);
    var adders_done = std.atomic.Value(u32).init(0);

    fn adder() void {
        for (0..adds_per_thread) |_| _ = sum.fetchAdd(0x1_0001, .monotonic);
        _ = adders_done.fetchAdd(1, .release);
    }

    fn flipper() void {
        while (adders_done.load(.acquire) < adder_count) {
            flip.store(high_ones, .release);
            flip.store(low_ones, .release);
        }
    }

    fn reader() void {
        while (adders_done.load(.acquire) < adder_count) {
            const seen = flip.load(.acquire);
            if (seen != low_ones and seen != high_ones) _ = torn_loads.fetchAdd(1, .monotonic);
        }
    }
};

test "Locked: threads adding and storing at once lose no update and tear no load" {
    var threads: [LockedRace.adder_count + 2]std.Thread = undefined;
    for (threads[0..LockedRace.adder_count]) |*thread| thread.* = try std.Thread.spawn(.{}, LockedRace.adder, .{});
    threads[LockedRace.adder_count] = try std.Thread.spawn(.{}, LockedRace.flipper, .{});
    threads[LockedRace.adder_count + 1] = try std.Thread.spawn(.{}, LockedRace.reader, .{});
    for (threads) |thread| thread.join();
    const adds: u64 = LockedRace.adder_count * LockedRace.adds_per_thread;
    try testing.expectEqual(0xFFFF_0000 + adds * 0x1_0001, LockedRace.sum.load(.monotonic));
    try testing.expectEqual(@as(u32, 0), LockedRace.torn_loads.load(.monotonic));
}
