//! The C ABI of zig/include/engram_arena.h, root of the static library.
//!
//! Every function validates what C hands it and turns Zig errors into the
//! header's status codes; nothing a caller passes reaches a Zig safety panic.
//! An `engram_arena *` is an `ArenaAllocator`: heap-allocated for instance
//! and hosted arenas, the thread-local slot for the thread arena.

const std = @import("std");
const assert = std.debug.assert;
const core = @import("allocator.zig");
const arena_config = @import("arena_config.zig");
const arena_metrics = @import("arena_metrics.zig");

const ArenaAllocator = core.ArenaAllocator;
const OverflowStrategy = arena_config.OverflowStrategy;

/// Status codes (ENGRAM_OK, ENGRAM_ERR_*).
pub const Status = enum(i32) {
    ok = 0,
    out_of_capacity = 1,
    invalid_alignment = 2,
    invalid_size = 3,
    init_failed = 4,
    destroyed = 5,
    invalid_argument = 6,
};

/// `engram_config_t`.
pub const Config = extern struct {
    pool_size_bytes: u64,
    overflow_strategy: u8,
    zero_on_reset: u8,
    reserved: [6]u8 = [_]u8{0} ** 6,
};

/// A field of a Zig struct that the C header spells differently.
const Rename = struct { zig: []const u8, c: [:0]const u8 };

/// The header's name for the Zig field `name`.
fn cName(comptime name: [:0]const u8, comptime renames: []const Rename) [:0]const u8 {
    for (renames) |rename| {
        if (std.mem.eql(u8, rename.zig, name)) return rename.c;
    }
    return name;
}

/// The extern struct C sees for the Zig struct `Source`: the same fields of
/// the same types in the same order, renamed where `renames` says. Each field
/// is named once, in `Source`; `toC` copies by position, so no list of
/// fields is written out twice.
fn CMirror(comptime Source: type, comptime renames: []const Rename) type {
    const source_fields = @typeInfo(Source).@"struct".fields;
    var fields: [source_fields.len]std.builtin.Type.StructField = undefined;
    for (source_fields, &fields) |field, *mirrored| {
        mirrored.* = .{
            .name = cName(field.name, renames),
            .type = field.type,
            .default_value = null,
            .is_comptime = false,
            .alignment = @alignOf(field.type),
        };
    }
    for (renames) |rename| {
        if (!@hasField(Source, rename.zig)) @compileError("stale rename: no field " ++ rename.zig);
    }
    return @Type(.{ .@"struct" = .{
        .layout = .@"extern",
        .fields = &fields,
        .decls = &.{},
        .is_tuple = false,
    } });
}

/// Copies `source` into its `CMirror`, field by field in declaration order.
fn toC(comptime C: type, source: anytype) C {
    const c_fields = @typeInfo(C).@"struct".fields;
    const source_fields = @typeInfo(@TypeOf(source)).@"struct".fields;
    comptime assert(c_fields.len == source_fields.len);
    var mirrored: C = undefined;
    inline for (c_fields, source_fields) |c_field, source_field| {
        @field(mirrored, c_field.name) = @field(source, source_field.name);
    }
    return mirrored;
}

/// Asserts that `T`'s fields carry `names`, in that order: the header's order.
fn assertFieldNames(comptime T: type, comptime names: []const []const u8) void {
    const fields = @typeInfo(T).@"struct".fields;
    assert(fields.len == names.len);
    for (fields, names) |field, name| assert(std.mem.eql(u8, field.name, name));
}

/// `engram_arena_stats_t`: the arena's `Stats`, which already uses the header's names.
pub const ArenaStats = CMirror(core.Stats, &.{});

/// `engram_metrics_t`: the metrics `Snapshot`, with the header's unit suffix.
pub const Metrics = CMirror(arena_metrics.Snapshot, &.{
    .{ .zig = "max_high_water_mark", .c = "max_high_water_mark_bytes" },
});

/// `engram_alloc_t`.
pub const Allocation = extern struct {
    ptr: ?[*]u8,
    offset: u64,
    fallback: u8,
    reserved: [7]u8 = [_]u8{0} ** 7,
};

/// The offset reported for a fallback allocation (UINT64_MAX).
pub const fallback_offset: u64 = std.math.maxInt(u64);

/// The C handle type, opaque to C.
pub const Arena = ArenaAllocator;

/// Asserts that every field of `T` is a 64-bit word at offset 8 * its index,
/// with nothing after the last: the header's layout on every target whose C
/// ABI aligns uint64_t and double to 8 (all 64-bit ones, and armv7's EABI),
/// and what a host reading the struct as 32-bit halves relies on (the JS
/// facade's Uint32Array over engram_arena_state_t).
fn assertWordLayout(comptime T: type) void {
    const fields = @typeInfo(T).@"struct".fields;
    assert(@sizeOf(T) == 8 * fields.len and @alignOf(T) == 8);
    inline for (fields, 0..) |field, index| {
        assert(@sizeOf(field.type) == 8);
        assert(@offsetOf(T, field.name) == 8 * index);
    }
}

comptime {
    // The header's field order, which the Zig structs must keep.
    assertFieldNames(ArenaStats, &.{
        "capacity_bytes",   "current_usage_bytes", "high_water_mark_bytes", "overflow_count",
        "allocation_count", "bytes_allocated",     "fallback_count",        "fallback_bytes",
        "utilization",
    });
    assertFieldNames(Metrics, &.{
        "total_resets",          "total_overflows", "max_high_water_mark_bytes", "total_allocations",
        "total_bytes_allocated", "total_fallbacks", "total_moved_out",           "live_arenas",
        "reserved_bytes",
    });
    assert(@typeInfo(ArenaStats).@"struct".fields[8].type == f64);
    assertWordLayout(core.State);
    assertWordLayout(ArenaStats);
    assertWordLayout(Metrics);
    assert(@alignOf(Config) == 8 and @alignOf(Allocation) == 8 and @offsetOf(Allocation, "ptr") == 0);
    // Layouts the header implies on every 64-bit and 32-bit target.
    assert(@sizeOf(Config) == 16 and @offsetOf(Config, "overflow_strategy") == 8 and @offsetOf(Config, "zero_on_reset") == 9);
    assert(@sizeOf(ArenaStats) == 72 and @offsetOf(ArenaStats, "utilization") == 64);
    assert(@offsetOf(ArenaStats, "fallback_bytes") == 56);
    assert(@sizeOf(Metrics) == 72 and @offsetOf(Metrics, "reserved_bytes") == 64);
    assert(@offsetOf(Allocation, "offset") == 8 and @offsetOf(Allocation, "fallback") == 16);
    assert(@sizeOf(Allocation) == 24);
    assert(@sizeOf(core.State) == 64 and @offsetOf(core.State, "offset") == 0);
    assert(@offsetOf(core.State, "capacity") == 8 and @offsetOf(core.State, "high_water_mark") == 16);
    assert(@offsetOf(core.State, "allocation_count") == 32 and @offsetOf(core.State, "bytes_allocated") == 40);
    assert(@intFromEnum(OverflowStrategy.panic) == 0);
    assert(@intFromEnum(OverflowStrategy.error_return) == 1);
    assert(@intFromEnum(OverflowStrategy.fallback) == 2);
    assert(arena_config.EnvError.size == 1 and arena_config.EnvError.overflow == 2 and arena_config.EnvError.zero == 4);
}

fn code(status: Status) i32 {
    return @intFromEnum(status);
}

/// Whether `handle` is the slot of a thread arena whose thread has exited.
/// Its storage is gone, so every entry point asks before it reads through a
/// handle, and answers as for a destroyed arena.
fn gone(handle: *const Arena) bool {
    return core.isExitedThreadArena(handle);
}

fn parseBool(value: u8) ?bool {
    return switch (value) {
        0 => false,
        1 => true,
        else => null,
    };
}

// ---- global config ----

/// The seed's entry point: pool size in MiB (1..1024); keeps the zero flag.
export fn engram_configure_arena(pool_size_mb: u32, overflow_strategy: u8) i32 {
    if (pool_size_mb < 1 or pool_size_mb > 1024) return code(.invalid_size);
    const strategy = OverflowStrategy.fromInt(overflow_strategy) orelse return code(.invalid_argument);
    var config = arena_config.getConfig();
    config.pool_size = @as(usize, pool_size_mb) * 1024 * 1024;
    config.overflow_strategy = strategy;
    return setConfigChecked(config);
}

/// Replaces the whole config after validating it.
export fn engram_set_config(config: ?*const Config) i32 {
    const wanted = config orelse return code(.invalid_argument);
    const strategy = OverflowStrategy.fromInt(wanted.overflow_strategy) orelse return code(.invalid_argument);
    const zero = parseBool(wanted.zero_on_reset) orelse return code(.invalid_argument);
    const pool_size = std.math.cast(usize, wanted.pool_size_bytes) orelse return code(.invalid_size);
    return setConfigChecked(.{ .pool_size = pool_size, .overflow_strategy = strategy, .zero_on_reset = zero });
}

fn setConfigChecked(config: arena_config.ArenaConfig) i32 {
    arena_config.setConfig(config) catch |err| return switch (err) {
        error.InvalidSize => code(.invalid_size),
        error.InvalidArgument => code(.invalid_argument),
    };
    return code(.ok);
}

/// Reads the config in force, loading it from the environment on first use.
export fn engram_get_config(out: ?*Config) void {
    const target = out orelse return;
    const config = arena_config.getConfig();
    target.* = toCConfig(config.pool_size, config.overflow_strategy, config.zero_on_reset);
}

/// The `engram_config_t` holding a pool size, a strategy and a zeroing flag.
fn toCConfig(pool_size_bytes: usize, strategy: OverflowStrategy, zero_on_reset: bool) Config {
    return .{
        .pool_size_bytes = pool_size_bytes,
        .overflow_strategy = @intFromEnum(strategy),
        .zero_on_reset = @intFromBool(zero_on_reset),
    };
}

/// Forgets the config; the next read loads the environment again.
export fn engram_reset_config() void {
    arena_config.resetConfig();
}

/// ENGRAM_ENV_* bits of the variables present but invalid at the last load.
export fn engram_config_env_errors() u32 {
    return arena_config.envErrors();
}

// ---- instance arenas ----

/// Creates an arena of `capacity_bytes` with its own strategy and zeroing.
export fn engram_arena_create(capacity_bytes: u64, overflow_strategy: u8, zero_on_reset: u8, out: ?*?*Arena) i32 {
    return createHandle(ArenaAllocator.create, capacity_bytes, overflow_strategy, zero_on_reset, out);
}

/// Creates a hosted arena: a handle with its capacity, strategy and zeroing,
/// and no memory until `engram_arena_bind` lends it the host's.
export fn engram_arena_create_hosted(capacity_bytes: u64, overflow_strategy: u8, zero_on_reset: u8, out: ?*?*Arena) i32 {
    return createHandle(ArenaAllocator.createHosted, capacity_bytes, overflow_strategy, zero_on_reset, out);
}

/// How `createHandle` makes the arena behind a handle.
const MakeArena = fn (core.Options) error{ InvalidSize, OutOfMemory }!ArenaAllocator;

/// Validates the options of a new arena, allocates its handle and makes the
/// arena in it with `make`: one path, so both kinds answer alike.
fn createHandle(comptime make: MakeArena, capacity_bytes: u64, overflow_strategy: u8, zero_on_reset: u8, out: ?*?*Arena) i32 {
    const target = out orelse return code(.invalid_argument);
    target.* = null;
    const strategy = OverflowStrategy.fromInt(overflow_strategy) orelse return code(.invalid_argument);
    const zero = parseBool(zero_on_reset) orelse return code(.invalid_argument);
    if (capacity_bytes == 0 or capacity_bytes > core.max_capacity_bytes) return code(.invalid_size);
    const options = core.Options{
        .capacity = @intCast(capacity_bytes),
        .overflow_strategy = strategy,
        .zero_on_reset = zero,
    };
    const handle = std.heap.c_allocator.create(Arena) catch return code(.init_failed);
    // The heap may reuse storage an exited thread's slot had: it is a live handle now.
    core.thread_registry.forget(@intFromPtr(handle));
    handle.* = make(options) catch |err| {
        std.heap.c_allocator.destroy(handle);
        return switch (err) {
            error.InvalidSize => code(.invalid_size),
            error.OutOfMemory => code(.init_failed),
        };
    };
    target.* = handle;
    return code(.ok);
}

/// Frees the buffer and every fallback and folds the counters in; a hosted
/// arena's memory is the host's and stays. NULL is a no-op; the calling
/// thread's arena handle is deinitialised instead of freed.
/// Another thread's arena handle is refused and left alone (see
/// `engram_arena_destroy_checked`, which says so).
export fn engram_arena_destroy(arena: ?*Arena) void {
    _ = engram_arena_destroy_checked(arena);
}

/// `engram_arena_destroy` with a status: ENGRAM_ERR_INVALID_ARGUMENT, and no
/// change, for a thread arena handle of another thread. Its slot is that
/// thread's thread-local storage, which free must never see, and only that
/// thread may retire it. ENGRAM_ERR_DESTROYED, without a read, for the
/// handle of a thread that has exited: its arena went with the thread.
export fn engram_arena_destroy_checked(arena: ?*Arena) i32 {
    const handle = arena orelse return code(.ok);
    // Its thread freed it at exit; nothing is left to free.
    if (gone(handle)) return code(.destroyed);
    if (core.isThreadArena(handle)) {
        core.deinitThreadArena();
        return code(.ok);
    }
    if (handle.thread_owned) return code(.invalid_argument);
    if (!handle.isDestroyed()) handle.destroy() else if (handle.backing != null) handle.releaseKept();
    std.heap.c_allocator.destroy(handle);
    return code(.ok);
}

/// Destroys an instance arena now (it answers ENGRAM_ERR_DESTROYED, its
/// counters are folded into the metrics, it no longer counts as live) but
/// keeps its memory mapped until `engram_arena_destroy` frees it and the
/// handle (a hosted arena has no memory of its own to keep).
/// ENGRAM_ERR_INVALID_ARGUMENT for a thread arena (disown it first) or an
/// arena already destroyed.
export fn engram_arena_retire(arena: ?*Arena) i32 {
    const handle = arena orelse return code(.invalid_argument);
    if (gone(handle)) return code(.invalid_argument);
    if (handle.thread_owned or core.isThreadArena(handle) or handle.isDestroyed()) return code(.invalid_argument);
    handle.retireKeepingMemory();
    return code(.ok);
}

/// The options `arena` was made with, as an `engram_config_t` whose pool size
/// is the arena's capacity (for a thread arena: the config it was made from,
/// not the config now in force).
export fn engram_arena_get_options(arena: ?*const Arena, out: ?*Config) i32 {
    const handle = arena orelse return code(.invalid_argument);
    const target = out orelse return code(.invalid_argument);
    if (gone(handle)) return code(.destroyed);
    const options = handle.options;
    target.* = toCConfig(options.capacity, options.overflow_strategy, options.zero_on_reset);
    return code(.ok);
}

/// Lends a hosted arena `memory_bytes` bytes at `memory` until the next bind
/// and says where its bytes start in them (`*base_offset_out`, 0 on failure).
export fn engram_arena_bind(arena: ?*Arena, memory: ?[*]u8, memory_bytes: u64, memory_is_zero: u8, base_offset_out: ?*u64) i32 {
    const handle = arena orelse return code(.invalid_argument);
    const target = base_offset_out orelse return code(.invalid_argument);
    target.* = 0;
    if (gone(handle) or handle.isDestroyed()) return code(.destroyed);
    if (!handle.hosted) return code(.invalid_argument);
    const block = memory orelse return code(.invalid_argument);
    const is_zero = parseBool(memory_is_zero) orelse return code(.invalid_argument);
    // A block that runs past the end of the address space cannot exist; a
    // slice of it would let the arena's arithmetic wrap. Its size is checked
    // by `bind`.
    const block_len = std.math.cast(usize, memory_bytes) orelse return code(.invalid_argument);
    _ = std.math.add(usize, @intFromPtr(block), block_len) catch return code(.invalid_argument);
    const base_offset = handle.bind(block[0..block_len], is_zero) catch |err| switch (err) {
        error.InvalidSize => return code(.invalid_size),
    };
    assert(base_offset < core.hosted_base_alignment);
    target.* = base_offset;
    return code(.ok);
}

// ---- any arena ----

/// Allocates `size_bytes` aligned to `alignment` and says where it landed.
export fn engram_arena_alloc(arena: ?*Arena, size_bytes: u64, alignment: u64, out: ?*Allocation) i32 {
    const handle = arena orelse return code(.invalid_argument);
    const target = out orelse return code(.invalid_argument);
    target.* = .{ .ptr = null, .offset = 0, .fallback = 0 };
    if (gone(handle) or handle.isDestroyed()) return code(.destroyed);
    if (handle.isUnbound()) return code(.invalid_argument);
    const alignment_bytes = std.math.cast(usize, alignment) orelse return code(.invalid_alignment);
    const size = std.math.cast(usize, size_bytes) orelse return code(.invalid_size);
    const fallbacks_before = handle.state.fallback_count;
    const bytes = handle.alloc(size, alignment_bytes) catch |err| switch (err) {
        // Counted by the arena, served by the host from its own memory.
        error.HostedFallback => {
            target.* = .{ .ptr = null, .offset = fallback_offset, .fallback = 1 };
            return code(.ok);
        },
        else => |other| return allocErrorCode(handle, other),
    };
    if (handle.state.fallback_count != fallbacks_before) {
        target.* = .{ .ptr = bytes.ptr, .offset = fallback_offset, .fallback = 1 };
    } else {
        target.* = .{ .ptr = bytes.ptr, .offset = @intFromPtr(bytes.ptr) - @intFromPtr(handle.buffer.ptr), .fallback = 0 };
    }
    return code(.ok);
}

/// With the fallback strategy a request that does not fit goes to the heap
/// (or to the host, which the seam may refuse), so OutOfMemory there means a
/// refused reservation: an init failure, not capacity.
fn allocErrorCode(arena: *const Arena, err: error{ InvalidAlignment, InvalidSize, OutOfMemory }) i32 {
    return switch (err) {
        error.InvalidAlignment => code(.invalid_alignment),
        error.InvalidSize => code(.invalid_size),
        error.OutOfMemory => if (arena.options.overflow_strategy == .fallback) code(.init_failed) else code(.out_of_capacity),
    };
}

/// Zeroes the used bytes if the arena zeroes, frees fallbacks, offset to 0.
export fn engram_arena_reset(arena: ?*Arena) i32 {
    const handle = arena orelse return code(.invalid_argument);
    if (gone(handle) or handle.isDestroyed()) return code(.destroyed);
    if (handle.isUnbound()) return code(.invalid_argument);
    handle.reset();
    return code(.ok);
}

/// Copies the arena's figures into `out`.
export fn engram_arena_get_stats(arena: ?*const Arena, out: ?*ArenaStats) i32 {
    const handle = arena orelse return code(.invalid_argument);
    const target = out orelse return code(.invalid_argument);
    if (gone(handle) or handle.isDestroyed()) return code(.destroyed);
    target.* = toC(ArenaStats, handle.getStats());
    return code(.ok);
}

/// The first byte of the arena's buffer; NULL for NULL, a destroyed arena or
/// a hosted arena before its first bind.
export fn engram_arena_base(arena: ?*const Arena) ?[*]u8 {
    const handle = arena orelse return null;
    if (gone(handle) or handle.isDestroyed() or handle.isUnbound()) return null;
    return handle.buffer.ptr;
}

/// The arena's live counters, in place, for a host that bumps in its own
/// language (see engram_arena_state_t); NULL for NULL or a destroyed arena.
export fn engram_arena_state(arena: ?*Arena) ?*core.State {
    const handle = arena orelse return null;
    if (gone(handle) or handle.isDestroyed()) return null;
    return &handle.state;
}

/// Records that the host may write the arena's first `end_bytes` bytes, so a
/// zeroing reset zeroes them even past the offset.
export fn engram_arena_expose(arena: ?*Arena, end_bytes: u64) i32 {
    const handle = arena orelse return code(.invalid_argument);
    if (gone(handle) or handle.isDestroyed()) return code(.destroyed);
    // No memory yet, so nothing the host could have written.
    if (handle.isUnbound()) return code(.invalid_argument);
    handle.expose(std.math.cast(usize, end_bytes) orelse std.math.maxInt(usize));
    return code(.ok);
}

/// The capacity in bytes; 0 for NULL or a destroyed arena.
export fn engram_arena_capacity(arena: ?*const Arena) u64 {
    const handle = arena orelse return 0;
    if (gone(handle) or handle.isDestroyed()) return 0;
    return handle.state.capacity;
}

/// Bytes after the offset; 0 for NULL or a destroyed arena.
export fn engram_arena_remaining(arena: ?*const Arena) u64 {
    const handle = arena orelse return 0;
    if (gone(handle) or handle.isDestroyed()) return 0;
    return handle.remaining();
}

// ---- the calling thread's arena ----

/// The calling thread's arena, created on first use from the global config.
export fn engram_thread_arena(out: ?*?*Arena) i32 {
    const target = out orelse return code(.invalid_argument);
    target.* = null;
    target.* = core.getThreadArena() catch return code(.init_failed);
    return code(.ok);
}

/// Resets the calling thread's arena if it exists.
export fn engram_reset_arenas() void {
    core.resetThreadArena();
}

/// Frees the calling thread's arena; a second call is a no-op.
export fn engram_deinit_thread_arena() void {
    core.deinitThreadArena();
}

/// Hands the calling thread's arena over as an instance arena, so a host can
/// keep its memory alive after the thread stops using it.
export fn engram_thread_arena_disown(out: ?*?*Arena) i32 {
    const target = out orelse return code(.invalid_argument);
    target.* = null;
    const handle = std.heap.c_allocator.create(Arena) catch return code(.init_failed);
    core.thread_registry.forget(@intFromPtr(handle));
    handle.* = core.disownThreadArena() orelse {
        std.heap.c_allocator.destroy(handle);
        return code(.destroyed);
    };
    target.* = handle;
    return code(.ok);
}

// ---- global metrics ----

/// The seed's three counters; any pointer may be NULL.
export fn engram_arena_stats(total_resets: ?*u64, total_overflows: ?*u64, max_high_water_mark: ?*u64) void {
    const metrics = arena_metrics.snapshot();
    if (total_resets) |target| target.* = metrics.total_resets;
    if (total_overflows) |target| target.* = metrics.total_overflows;
    if (max_high_water_mark) |target| target.* = metrics.max_high_water_mark;
}

/// Copies every metric into `out` (NULL is a no-op).
export fn engram_get_metrics(out: ?*Metrics) void {
    const target = out orelse return;
    target.* = toC(Metrics, arena_metrics.snapshot());
}

/// Zeroes the counters; the gauges keep counting.
export fn engram_reset_arena_metrics() void {
    arena_metrics.reset();
}

/// Counts one block of a hosted arena's memory that the host's user moved out.
export fn engram_record_moved_out() void {
    arena_metrics.recordMovedOut();
}

// ---- host memory ----

/// Gives the whole pages inside [memory, memory + bytes) back to the system,
/// leaving them mapped and writable. Best effort; NULL or 0 is a no-op.
export fn engram_discard_memory(memory: ?[*]u8, bytes: u64) void {
    const start = memory orelse return;
    if (bytes == 0) return;
    // Past usize (a 32-bit target) the range runs to the end of the address
    // space anyway; discardPages saturates there.
    const len = std.math.cast(usize, bytes) orelse std.math.maxInt(usize);
    core.discardPages(start[0..len]);
}

// ---- testing seam ----

/// The next `count` reservations fail, in any thread.
export fn engram_testing_fail_reservations(count: u32) void {
    core.failReservations(count);
}

/// Overwrites the config word with `word`, as a stray write would.
export fn engram_testing_store_config_word(word: u64) void {
    arena_config.storeWordForTest(word);
}
