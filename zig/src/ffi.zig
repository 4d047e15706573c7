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

const abi = @import("abi.zig");
const Status = abi.Status;
const Options = abi.ArenaOptions;
const ArenaStats = abi.ArenaStats;
const Metrics = abi.ArenaMetrics;
const Allocation = abi.Allocation;
const fallback_offset = abi.fallback_offset;

/// The C handle type, opaque to C.
pub const Arena = ArenaAllocator;

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

/// The engram C API's entry point: the size in MiB (1..1024); keeps the zero flag.
export fn engram_configure_arena(pool_size_mb: u32, overflow_strategy: u8) i32 {
    if (pool_size_mb < 1 or pool_size_mb > 1024) return code(.invalid_size);
    const strategy = OverflowStrategy.fromInt(overflow_strategy) orelse return code(.invalid_argument);
    var config = arena_config.getConfig();
    config.size_bytes = @as(usize, pool_size_mb) * 1024 * 1024;
    config.overflow_strategy = strategy;
    return setConfigChecked(config);
}

/// Replaces the whole config after validating it.
export fn engram_set_config(options: ?*const Options) i32 {
    const wanted = readOptions(options orelse return code(.invalid_argument)) catch |err| return errorCode(err);
    return setConfigChecked(wanted);
}

fn setConfigChecked(config: arena_config.ArenaConfig) i32 {
    arena_config.setConfig(config) catch |err| return switch (err) {
        error.InvalidSize => code(.invalid_size),
        error.InvalidArgument => code(.invalid_argument),
    };
    return code(.ok);
}

/// Reads the config in force, loading it from the environment on first use.
export fn engram_get_config(out: ?*Options) void {
    const target = out orelse return;
    target.* = writeOptions(arena_config.getConfig());
}

/// Options as C wrote them, field by field: each enum and bool byte checked
/// before Zig reads it as one (any other byte would be undefined there), each
/// size cast to `usize` (a 32-bit target refuses what it cannot address).
fn readOptions(wire: *const Options) error{ InvalidArgument, InvalidSize }!core.Options {
    const bytes: *const [@sizeOf(Options)]u8 = @ptrCast(wire);
    var options: core.Options = undefined;
    inline for (@typeInfo(core.Options).@"struct".fields) |field| {
        const byte = bytes[@offsetOf(Options, field.name)];
        @field(options, field.name) = switch (@typeInfo(field.type)) {
            .@"enum" => std.meta.intToEnum(field.type, byte) catch return error.InvalidArgument,
            .bool => parseBool(byte) orelse return error.InvalidArgument,
            .int => std.math.cast(field.type, @field(wire, field.name)) orelse return error.InvalidSize,
            else => @compileError("no C form for option " ++ field.name),
        };
    }
    return options;
}

/// `options` as C reads them, padding zeroed.
fn writeOptions(options: core.Options) Options {
    var wire = std.mem.zeroes(Options);
    inline for (@typeInfo(core.Options).@"struct".fields) |field| @field(wire, field.name) = @field(options, field.name);
    return wire;
}

fn errorCode(err: error{ InvalidArgument, InvalidSize }) i32 {
    return switch (err) {
        error.InvalidArgument => code(.invalid_argument),
        error.InvalidSize => code(.invalid_size),
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

/// Creates an arena with its own size, strategy and zeroing.
export fn engram_arena_create(options: ?*const Options, out: ?*?*Arena) i32 {
    return createHandle(ArenaAllocator.create, options, out);
}

/// Creates a hosted arena: a handle with its options and no memory until
/// `engram_arena_bind` lends it the host's.
export fn engram_arena_create_hosted(options: ?*const Options, out: ?*?*Arena) i32 {
    return createHandle(ArenaAllocator.createHosted, options, out);
}

/// How `createHandle` makes the arena behind a handle.
const MakeArena = fn (core.Options) error{ InvalidSize, OutOfMemory }!ArenaAllocator;

/// Validates the options of a new arena, allocates its handle and makes the
/// arena in it with `make`: one path, so both kinds answer alike.
fn createHandle(comptime make: MakeArena, options: ?*const Options, out: ?*?*Arena) i32 {
    const target = out orelse return code(.invalid_argument);
    target.* = null;
    const wanted = readOptions(options orelse return code(.invalid_argument)) catch |err| return errorCode(err);
    if (wanted.size_bytes == 0 or wanted.size_bytes > core.max_size_bytes) return code(.invalid_size);
    const handle = std.heap.c_allocator.create(Arena) catch return code(.init_failed);
    // The heap may reuse storage an exited thread's slot had: it is a live handle now.
    core.thread_registry.forget(@intFromPtr(handle));
    handle.* = make(wanted) catch |err| {
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

/// The options `arena` was made with (for a thread arena: the config it was
/// made from, not the config now in force).
export fn engram_arena_get_options(arena: ?*const Arena, out: ?*Options) i32 {
    const handle = arena orelse return code(.invalid_argument);
    const target = out orelse return code(.invalid_argument);
    if (gone(handle)) return code(.destroyed);
    target.* = writeOptions(handle.options);
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
    const fallbacks_before = handle.state.fallbacks;
    const bytes = handle.alloc(size, alignment_bytes) catch |err| switch (err) {
        // Counted by the arena, served by the host from its own memory.
        error.HostedFallback => {
            target.* = .{ .ptr = null, .offset = fallback_offset, .fallback = 1 };
            return code(.ok);
        },
        else => |other| return allocErrorCode(handle, other),
    };
    if (handle.state.fallbacks != fallbacks_before) {
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
    target.* = handle.getStats();
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

/// The size in bytes; 0 for NULL or a destroyed arena.
export fn engram_arena_size(arena: ?*const Arena) u64 {
    const handle = arena orelse return 0;
    if (gone(handle) or handle.isDestroyed()) return 0;
    return handle.state.size_bytes;
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

/// Three process-wide totals, the engram C API's original call; any pointer may be NULL.
export fn engram_arena_stats(total_resets: ?*u64, total_overflows: ?*u64, max_high_water_mark: ?*u64) void {
    const metrics = arena_metrics.snapshot();
    if (total_resets) |target| target.* = metrics.total_resets;
    if (total_overflows) |target| target.* = metrics.total_overflows;
    if (max_high_water_mark) |target| target.* = metrics.max_high_water_mark_bytes;
}

/// Copies every metric into `out` (NULL is a no-op).
export fn engram_get_metrics(out: ?*Metrics) void {
    const target = out orelse return;
    target.* = arena_metrics.snapshot();
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
