//! Every record, code and limit that crosses a language boundary, defined
//! once. `zig build gen` writes zig/include/engram_arena_abi.h (the C
//! header's constants, struct bodies and field lists) and lib/abi.ts (the
//! facade's types and tables) from this file: its declarations through
//! `@typeInfo`, its doc comments as the comments of both. `zig build test`
//! fails when either written file differs from what this file generates.
//!
//! Field names are the C names. A field's JavaScript name is its camelCase
//! form unless the struct's `js_names` says otherwise; `reserved` padding
//! stays on the C side. Everything here is 64-bit on every target, so that
//! a host never has to guess the width of size_t.

const std = @import("std");

/// Status codes returned by every fallible function.
pub const Status = enum(i32) {
    ok = 0,
    /// The request does not fit (strategy error_return).
    out_of_capacity = 1,
    /// Zero, not a power of two, or above the maximum.
    invalid_alignment = 2,
    /// A size outside the documented limits.
    invalid_size = 3,
    /// Backing memory could not be reserved.
    init_failed = 4,
    /// The arena handle was destroyed.
    destroyed = 5,
    /// A null pointer or an unknown enum value.
    invalid_argument = 6,
};

/// What an arena does with a request that does not fit.
pub const OverflowStrategy = enum(u8) {
    /// Abort the process with a message naming the request and the size.
    panic = 0,
    /// Return an error (ENGRAM_ERR_OUT_OF_CAPACITY) to the caller.
    error_return = 1,
    /// Serve the request from the general heap until the arena's next reset.
    fallback = 2,

    /// Parses a strategy's name; null for anything else.
    pub fn fromName(name: []const u8) ?OverflowStrategy {
        inline for (@typeInfo(OverflowStrategy).@"enum".fields) |field| {
            if (std.mem.eql(u8, name, field.name)) return @enumFromInt(field.value);
        }
        return null;
    }

    /// Converts a C-side value; null when it names no strategy.
    pub fn fromInt(value: u8) ?OverflowStrategy {
        return std.meta.intToEnum(OverflowStrategy, value) catch null;
    }
};

/// Limits. Arena sizes and allocations above 1 GiB are refused.
pub const limits = struct {
    /// The smallest size the global config accepts (ENGRAM_ARENA_SIZE too).
    pub const min_config_size_bytes: u64 = 64 * 1024;
    /// The largest size of any arena.
    pub const max_size_bytes: u64 = 1024 * 1024 * 1024;
    /// The largest single allocation, in the arena or as a fallback.
    pub const max_alloc_bytes: u64 = max_size_bytes;
    /// The largest alignment an allocation may ask for through the C ABI: one page.
    pub const max_alignment: u64 = 4096;
    /// A hosted arena's block holds at least its size plus this many bytes,
    /// so that the arena's byte 0 can sit on a 4096-byte boundary wherever
    /// the host's allocator put the block (engram_arena_bind).
    pub const hosted_slack_bytes: u64 = max_alignment;
};

/// Bits of engram_config_env_errors(): variables present but invalid.
pub const env_errors = struct {
    /// ENGRAM_ARENA_SIZE was not a decimal byte count within the limits.
    pub const size: u32 = 1;
    /// ENGRAM_ARENA_OVERFLOW named no strategy.
    pub const overflow: u32 = 2;
    /// ENGRAM_ARENA_ZERO was not one of true, false, 1, 0.
    pub const zero: u32 = 4;
};

/// An arena's options, fixed when it is made; also the global config, which
/// gives the thread arena and new arenas their defaults.
pub const ArenaOptions = extern struct {
    /// Bytes the arena hands out: 1 byte to 1 GiB (the global config: 64 KiB to 1 GiB).
    size_bytes: u64,
    /// What a request that does not fit gets.
    overflow_strategy: OverflowStrategy,
    /// Whether a reset zeroes every byte handed out since the last one.
    zero_on_reset: bool,
    reserved: [6]u8 = [_]u8{0} ** 6,

    pub const js_names = .{ .size_bytes = "size" };
};

/// The counters one arena keeps as it allocates, in place, where a host may
/// bump them itself with exactly the library's rule for the requests that
/// fit (size and alignment valid, alignment at most ENGRAM_MAX_ALIGNMENT, the
/// base page-aligned):
///   start = align_up(offset, alignment); end = start + size;
///   end <= size_bytes; offset = end; allocations += 1; bytes_allocated += size.
/// Everything else (overflow, every strategy, errors, reset) goes through
/// the library's functions, which read and keep these same fields. They
/// never trust offset: one past size_bytes (a host bug) makes every request
/// out of capacity, counted in overflows, until a reset restores it. So a
/// host may also keep its own copy of the whole record, copy it in before
/// each call and back out after: the library's copy then only has to be
/// right during calls. A host never changes size_bytes.
pub const ArenaState = extern struct {
    /// Bytes in use, alignment padding included.
    offset: u64 = 0,
    /// Bytes the arena hands out.
    size_bytes: u64 = 0,
    /// The mark as of the last time the offset went down (a reset, a free):
    /// an allocation only moves the offset, so the arena's mark is
    /// max(high_water_mark, offset), which the library takes wherever it
    /// reports it. A host's bump leaves this field alone.
    high_water_mark: u64 = 0,
    /// Requests that did not fit, whatever the strategy did with them.
    overflows: u64 = 0,
    /// Successful allocations, fallbacks included.
    allocations: u64 = 0,
    /// Bytes requested by successful allocations, fallbacks included.
    bytes_allocated: u64 = 0,
    /// Allocations served from the heap because the arena was full.
    fallbacks: u64 = 0,
    /// Heap bytes held by fallbacks now (a hosted arena's: the host's).
    fallback_bytes: u64 = 0,

    pub const js_names = .{ .size_bytes = "size" };
    /// The fields a host's own bump writes, which it copies in before a call.
    pub const host_bumped = .{ "offset", "allocations", "bytes_allocated" };
    /// The counters a reset folds into `ArenaMetrics.total_<name>` and restarts.
    pub const folded = .{ "overflows", "allocations", "bytes_allocated", "fallbacks" };
};

/// One arena's figures; high_water_mark_bytes spans its life, the counters
/// its current epoch (since the last reset).
pub const ArenaStats = extern struct {
    // A field without a doc comment is the `ArenaState` counter of the same
    // name, and the generated files give it that counter's comment.
    size_bytes: u64,
    /// Bytes used, alignment padding included.
    current_usage_bytes: u64,
    /// Most bytes the arena has held at once.
    high_water_mark_bytes: u64,
    overflows: u64,
    allocations: u64,
    bytes_allocated: u64,
    fallbacks: u64,
    fallback_bytes: u64,
    /// current_usage_bytes / size_bytes, from 0 to 1.
    utilization: f64,

    pub const js_names = .{
        .size_bytes = "size",
        .current_usage_bytes = "currentUsage",
        .high_water_mark_bytes = "highWaterMark",
    };
};

/// Process-wide metrics. Counters fold in at each reset and destroy.
pub const ArenaMetrics = extern struct {
    total_resets: u64 = 0,
    total_overflows: u64 = 0,
    /// Most bytes any arena has held at once.
    max_high_water_mark_bytes: u64 = 0,
    total_allocations: u64 = 0,
    total_bytes_allocated: u64 = 0,
    total_fallbacks: u64 = 0,
    /// Blocks of arena memory that user code moved out (transfer,
    /// postMessage, a BYOB read, a pinned buffer); each arena went on with
    /// fresh memory.
    total_moved_out: u64 = 0,
    /// Gauge: arenas holding memory now, hosted and thread arenas included.
    live_arenas: u64 = 0,
    /// Gauge: bytes those arenas hold (the sum of their sizes).
    reserved_bytes: u64 = 0,

    pub const js_names = .{ .max_high_water_mark_bytes = "maxHighWaterMark" };
};

/// Where an allocation landed. For a hosted arena, offset counts from the
/// arena's byte 0, which lies at the bind's base offset in the host's block.
pub const Allocation = extern struct {
    /// First byte, aligned as requested; NULL for a hosted fallback.
    ptr: ?[*]u8,
    /// From the arena's byte 0; UINT64_MAX for a fallback.
    offset: u64,
    /// 1 when served from the heap (freed at the next reset) or, for a hosted
    /// arena, left to the host to serve.
    fallback: u8,
    reserved: [7]u8 = [_]u8{0} ** 7,
};

/// The offset reported for a fallback allocation (UINT64_MAX).
pub const fallback_offset: u64 = std.math.maxInt(u64);

/// The records the header and the facade present, in this order.
pub const records = .{ ArenaOptions, ArenaState, ArenaStats, ArenaMetrics, Allocation };

/// Asserts that every field of `T` is a 64-bit word at offset 8 * its index:
/// the header's layout on every target whose C ABI aligns uint64_t and double
/// to 8 (all 64-bit ones, and armv7's EABI), and what a host reading a record
/// as 32-bit halves relies on (the facade's Uint32Array over ArenaState).
fn assertWordLayout(comptime T: type) void {
    const fields = @typeInfo(T).@"struct".fields;
    std.debug.assert(@sizeOf(T) == 8 * fields.len and @alignOf(T) == 8);
    for (fields, 0..) |field, index| {
        std.debug.assert(@sizeOf(field.type) == 8 and @offsetOf(T, field.name) == 8 * index);
    }
}

comptime {
    assertWordLayout(ArenaState);
    assertWordLayout(ArenaStats);
    assertWordLayout(ArenaMetrics);
    std.debug.assert(@sizeOf(ArenaOptions) == 16 and @alignOf(ArenaOptions) == 8);
    std.debug.assert(@offsetOf(ArenaOptions, "overflow_strategy") == 8 and @offsetOf(ArenaOptions, "zero_on_reset") == 9);
    std.debug.assert(@sizeOf(Allocation) == 24 and @offsetOf(Allocation, "offset") == 8 and @offsetOf(Allocation, "fallback") == 16);
    for (ArenaState.folded) |name| {
        std.debug.assert(@hasField(ArenaState, name) and @hasField(ArenaMetrics, "total_" ++ name));
    }
}
