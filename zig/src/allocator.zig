//! A bump-pointer arena over one buffer, and the per-thread arena built on it.
//!
//! An allocation moves `state.offset` forward; `reset` moves it back to zero
//! and hands the whole buffer out again. An arena belongs to one thread at a
//! time: the allocation path uses plain fields, never atomics, and touches the
//! process-wide metrics only at reset and destroy.
//!
//! The buffer is the caller's (`init`), the arena's own (`create`, the thread
//! arena) or a host's (`createHosted`): a host that owns the memory lends the
//! arena a block at each `bind`, possibly at another address each time, and
//! the arena never frees it.

const std = @import("std");
const builtin = @import("builtin");
const assert = std.debug.assert;
const Allocator = std.mem.Allocator;
/// The global config this module reads (re-exported for tests and hosts).
pub const arena_config = @import("arena_config.zig");
/// The global metrics this module folds into.
pub const arena_metrics = @import("arena_metrics.zig");
/// The records this module shares with hosts.
pub const abi = @import("abi.zig");
/// Which thread arena slots belong to threads that have exited.
pub const thread_registry = @import("thread_registry.zig");

/// What an arena does with a request that does not fit.
pub const OverflowStrategy = arena_config.OverflowStrategy;

/// The largest alignment `alloc` and the C ABI accept: one page. Requests
/// through `allocator()` may ask for any power of two, as std's allocators do.
pub const max_alignment: usize = abi.limits.max_alignment;
/// The largest single request, in the arena or in the fallback heap.
pub const max_alloc_bytes: usize = abi.limits.max_alloc_bytes;
/// The largest capacity `create` reserves.
pub const max_size_bytes: usize = abi.limits.max_size_bytes;
/// A hosted arena's bytes start on a boundary of this many bytes in the
/// host's block, so that every alignment `alloc` accepts costs no padding at
/// the start, wherever the host's allocator put the block.
pub const hosted_base_alignment: usize = max_alignment;
/// How many bytes a hosted arena's block needs beyond the capacity: room to
/// move the start up to the next `hosted_base_alignment` boundary.
pub const hosted_slack_bytes: usize = abi.limits.hosted_slack_bytes;

/// Errors of `alloc`.
pub const Error = error{
    /// Zero, not a power of two, or above `max_alignment`.
    InvalidAlignment,
    /// Above `max_alloc_bytes` (or, for `create`, a capacity out of range).
    InvalidSize,
    /// The request does not fit, or the memory behind it could not be reserved.
    OutOfMemory,
    /// A hosted arena with the fallback strategy counted the request as a
    /// fallback (in every counter, as a heap fallback) that its host serves
    /// from its own memory: the arena hands out no bytes for it.
    HostedFallback,
};

/// The hot counters of one arena, in one fixed-layout place so that a host
/// can read and bump them in place (see `abi.ArenaState`).
pub const State = abi.ArenaState;

/// Per-arena behaviour, fixed when the arena is created: the global config's
/// type, whose values are the defaults of every arena.
pub const Options = arena_config.ArenaConfig;

/// One arena's figures, as the C header presents them.
pub const Stats = abi.ArenaStats;

var refused_reservations = std.atomic.Value(u32).init(0);

/// Testing seam: the next `count` reservations (arena buffers, fallbacks, the
/// thread arena, hosted arenas and their fallbacks) fail as if the system had
/// refused the memory, in any thread.
pub fn failReservations(count: u32) void {
    refused_reservations.store(count, .monotonic);
}

fn reservationRefused() bool {
    var pending = refused_reservations.load(.monotonic);
    while (pending > 0) {
        pending = refused_reservations.cmpxchgWeak(pending, pending - 1, .monotonic, .monotonic) orelse return true;
    }
    return false;
}

/// The heap for fallbacks: malloc when libc is linked (the library always
/// links it), pages otherwise.
pub const default_fallback_allocator: Allocator = if (builtin.link_libc) std.heap.c_allocator else std.heap.page_allocator;

/// Header in front of each fallback block; the blocks form a list freed at reset.
const FallbackBlock = struct {
    next: ?*FallbackBlock,
    total_len: usize,
    log2_align: u8,
};

/// Arena buffers start on a page, so every alignment up to `max_alignment`
/// costs no padding at the start of a fresh arena.
const buffer_log2_align: u8 = std.math.log2_int(usize, std.mem.page_size);

/// Darwin's MADV_FREE (<sys/mman.h>): the pages may be reclaimed, the range stays mapped.
const darwin_madv_free: c_int = 5;

/// Gives the whole pages that lie inside `memory` back to the system but
/// leaves them mapped and writable: a write lands in a fresh zero page instead
/// of faulting, and the bytes stop counting towards the process's memory.
/// The bytes of a page only partly inside `memory` may belong to someone
/// else, so they stay. Best effort: where the system refuses (memory that is
/// not anonymous mapped pages, a page larger than `std.mem.page_size`), the
/// pages stay until their owner frees them.
pub fn discardPages(memory: []u8) void {
    const address = @intFromPtr(memory.ptr);
    // Saturating: a range that claims to run past the end of the address
    // space ends there, and the start cannot pass it.
    const end = std.mem.alignBackward(usize, address +| memory.len, std.mem.page_size);
    if (address > end) return;
    const start = std.mem.alignForward(usize, address, std.mem.page_size);
    if (start >= end) return;
    const length_bytes = end - start;
    assert(start % std.mem.page_size == 0 and length_bytes % std.mem.page_size == 0);
    const pages: [*]align(std.mem.page_size) u8 = @ptrFromInt(start);
    switch (builtin.os.tag) {
        .linux => std.posix.madvise(pages, length_bytes, std.posix.MADV.DONTNEED) catch {},
        .macos, .ios => _ = std.c.madvise(pages, length_bytes, darwin_madv_free),
        // MEM_RESET keeps the range committed: contents may go, access stays valid.
        .windows => _ = std.os.windows.VirtualAlloc(pages, length_bytes, std.os.windows.MEM_RESET, std.os.windows.PAGE_READWRITE) catch {},
        else => {},
    }
}

/// A bump-pointer allocator over one buffer.
pub const ArenaAllocator = struct {
    state: State,
    buffer: []u8,
    options: Options,
    /// Newest first.
    fallbacks: ?*FallbackBlock = null,
    /// Serves the `fallback` strategy; tests swap in a leak-checking allocator.
    fallback_allocator: Allocator = default_fallback_allocator,
    /// Set when `create` reserved the buffer, which `destroy` then frees.
    backing: ?Allocator = null,
    destroyed: bool = false,
    /// Set for a thread's arena slot, whose address is thread-local storage:
    /// `engram_arena_destroy` must never hand it to free. Once set it stays
    /// set for the thread's life, so another thread can read it safely.
    thread_owned: bool = false,
    /// Bytes from the start that a host may have written since the last reset,
    /// beyond the offset too (it handed out views wider than the allocations).
    exposed_bytes: usize = 0,
    /// The buffer of an arena retired by `retireKeepingMemory`, until
    /// `releaseKept` frees it; empty otherwise.
    kept: []u8 = &.{},
    /// Set by `createHosted`: the memory is a host's, lent at each `bind`,
    /// and the arena never frees it. Fallbacks are the host's to serve too.
    hosted: bool = false,
    /// Where a hosted arena's bytes start in the block of its last `bind`
    /// (the base offset); null until the first bind, while it has no memory.
    hosted_base_offset: ?usize = null,
    /// Bytes from the start that a zeroing hosted arena's reset left to zero:
    /// it zeroes them when it next hands memory out. A host's native code may
    /// hold a pointer taken before the reset and write through it after (a
    /// `Buffer#fill` whose `valueOf` resets the arena); zeroed then, those
    /// writes would reach the next allocation.
    unzeroed_bytes: usize = 0,

    /// An arena over a caller-owned buffer, with the global config's strategy
    /// and zeroing. Pair with `deinit`.
    pub fn init(buffer: []u8) ArenaAllocator {
        return initOptions(buffer, Options.fromConfig(buffer.len));
    }

    /// An arena over the first `options.size_bytes` bytes of `buffer`. When it
    /// zeroes on reset it zeroes the buffer now too, so every allocation
    /// starts zeroed, not only those after the first reset.
    pub fn initOptions(buffer: []u8, options: Options) ArenaAllocator {
        // A real check: in ReleaseFast the slice below is not bounds-checked,
        // and an arena past its buffer would hand out someone else's memory.
        if (options.size_bytes > buffer.len) @panic("engram arena: capacity larger than the buffer");
        const used = buffer[0..options.size_bytes];
        if (options.zero_on_reset) @memset(used, 0);
        return .{ .state = .{ .size_bytes = used.len }, .buffer = used, .options = options };
    }

    /// An arena whose buffer comes from the page allocator (page-aligned and
    /// already zero). Pair with `destroy`.
    pub fn create(options: Options) error{ InvalidSize, OutOfMemory }!ArenaAllocator {
        return createIn(std.heap.page_allocator, options);
    }

    /// As `create`, reserving the buffer from `backing`.
    pub fn createIn(backing: Allocator, options: Options) error{ InvalidSize, OutOfMemory }!ArenaAllocator {
        if (options.size_bytes == 0 or options.size_bytes > max_size_bytes) return error.InvalidSize;
        if (reservationRefused()) return error.OutOfMemory;
        // rawAlloc, because Allocator.alloc fills memory with 0xAA in Debug
        // and would undo the zero pages the page allocator maps.
        const raw = backing.rawAlloc(options.size_bytes, buffer_log2_align, @returnAddress()) orelse
            return error.OutOfMemory;
        const buffer = raw[0..options.size_bytes];
        const fresh_pages_are_zero = backing.vtable == std.heap.page_allocator.vtable;
        if (options.zero_on_reset and !fresh_pages_are_zero) @memset(buffer, 0);
        arena_metrics.recordArenaReserved(buffer.len);
        return .{ .state = .{ .size_bytes = buffer.len }, .buffer = buffer, .options = options, .backing = backing };
    }

    /// An arena over memory it does not own: a host lends it a block at each
    /// `bind` and frees that block itself. It reserves nothing, yet counts in
    /// the gauges (live arenas, reserved bytes) from now until `destroy`, as
    /// `create` does, because the host's block is this arena's memory. Until
    /// its first `bind` it has no memory and serves nothing. Pair with
    /// `destroy`.
    pub fn createHosted(options: Options) error{ InvalidSize, OutOfMemory }!ArenaAllocator {
        if (options.size_bytes == 0 or options.size_bytes > max_size_bytes) return error.InvalidSize;
        // Nothing is reserved, but the seam still refuses: a host's tests
        // simulate an arena that cannot start this way.
        if (reservationRefused()) return error.OutOfMemory;
        arena_metrics.recordArenaReserved(options.size_bytes);
        const arena = ArenaAllocator{
            .state = .{ .size_bytes = options.size_bytes },
            .buffer = &.{},
            .options = options,
            .hosted = true,
        };
        assert(arena.isUnbound());
        return arena;
    }

    /// Whether this is a hosted arena that no `bind` has given memory yet.
    pub fn isUnbound(self: *const ArenaAllocator) bool {
        return self.hosted and self.hosted_base_offset == null;
    }

    /// Lends a hosted arena its memory until the next `bind`: its bytes
    /// become `memory[base..][0..capacity]`, where `base` (returned) moves the
    /// start up to the next `hosted_base_alignment` boundary. The block must
    /// hold `capacity + hosted_slack_bytes` bytes, else `error.InvalidSize`.
    /// `memory_is_zero` says that every byte of the block is zero.
    ///
    /// The counters stay as they are: the host moved the same bytes to this
    /// block (or lends the same block again). When the base differs from the
    /// last bind's, a move byte for byte shifted the bytes handed out to
    /// other offsets, some of them past the offset, which the arena hands out
    /// later as fresh; so a zeroing arena then zeroes the whole block, unless
    /// the host says it is already zero. The first bind counts as such a
    /// move, so that every allocation starts zeroed, as `initOptions` does.
    pub fn bind(self: *ArenaAllocator, memory: []u8, memory_is_zero: bool) error{InvalidSize}!usize {
        if (!self.hosted) @panic("engram arena: bind of an arena not made by createHosted");
        if (self.destroyed) @panic("engram arena: bind of a destroyed arena");
        const capacity = self.options.size_bytes;
        assert(capacity > 0 and capacity <= max_size_bytes);
        if (memory.len < capacity + hosted_slack_bytes) return error.InvalidSize;
        // Wrapping, as `bump` computes padding: no intermediate can overflow.
        const base_offset = (0 -% @intFromPtr(memory.ptr)) & (hosted_base_alignment - 1);
        const moved = if (self.hosted_base_offset) |previous| previous != base_offset else true;
        if (moved and !memory_is_zero and self.options.zero_on_reset) @memset(memory, 0);
        // A block that is all zero, or was just zeroed, has nothing left to zero.
        if (memory_is_zero or (moved and self.options.zero_on_reset)) self.unzeroed_bytes = 0;
        self.buffer = memory[base_offset..][0..capacity];
        self.hosted_base_offset = base_offset;
        assert(@intFromPtr(self.buffer.ptr) % hosted_base_alignment == 0);
        assert(base_offset + capacity <= memory.len);
        self.assertInvariants();
        return base_offset;
    }

    /// Retires an arena made by `init`: frees its fallbacks and folds its
    /// counters into the metrics. The buffer stays the caller's.
    pub fn deinit(self: *ArenaAllocator) void {
        if (self.backing != null) @panic("engram arena: deinit of an arena made by create (use destroy)");
        if (self.hosted) @panic("engram arena: deinit of an arena made by createHosted (use destroy)");
        self.retire();
    }

    /// Retires an arena made by `create` and frees its buffer. For an arena
    /// made by `createHosted` it only retires and releases the gauges: the
    /// memory stays the host's.
    pub fn destroy(self: *ArenaAllocator) void {
        if (self.hosted) return self.retireHosted();
        // `.?` is unchecked in ReleaseFast: a second destroy would free twice.
        const backing = self.backing orelse @panic("engram arena: destroy of an arena not made by create, or destroyed twice");
        const buffer = self.buffer;
        self.retire();
        backing.rawFree(buffer, buffer_log2_align, @returnAddress());
        arena_metrics.recordArenaReleased(buffer.len);
        self.backing = null;
    }

    /// Retires an arena made by `create` now, as `destroy` does (it serves
    /// nothing, its counters are folded, it no longer counts as live), but
    /// keeps its buffer mapped until `releaseKept`: a host's native code may
    /// still be writing to memory it took before the arena was destroyed.
    /// An arena made by `createHosted` keeps nothing (the host's memory was
    /// only lent): this is its `destroy`.
    pub fn retireKeepingMemory(self: *ArenaAllocator) void {
        if (self.hosted) return self.retireHosted();
        if (self.backing == null) @panic("engram arena: retireKeepingMemory of an arena not made by create");
        const buffer = self.buffer;
        self.retire();
        arena_metrics.recordArenaReleased(buffer.len);
        // The mapping stays for late writers; its pages need not. A loop that
        // destroys arenas runs to its end before any kept buffer is released,
        // and would otherwise hold every one of them in memory until then.
        // The page allocator maps whole pages, the tail after the capacity too.
        if (self.backing.?.vtable == std.heap.page_allocator.vtable) {
            discardPages(buffer.ptr[0..std.mem.alignForward(usize, buffer.len, std.mem.page_size)]);
        }
        self.kept = buffer;
        assert(self.destroyed and self.buffer.len == 0);
    }

    /// Retires a hosted arena and stops counting it in the gauges. Its memory
    /// was only ever lent, so nothing is freed or kept.
    fn retireHosted(self: *ArenaAllocator) void {
        assert(self.hosted and self.backing == null);
        self.retire();
        // The capacity of creation: `state.size_bytes` is host-writable.
        arena_metrics.recordArenaReleased(self.options.size_bytes);
        assert(self.destroyed and self.kept.len == 0);
    }

    /// Frees the buffer that `retireKeepingMemory` kept.
    pub fn releaseKept(self: *ArenaAllocator) void {
        const backing = self.backing orelse @panic("engram arena: releaseKept without a kept buffer");
        if (!self.destroyed) @panic("engram arena: releaseKept of a live arena");
        backing.rawFree(self.kept, buffer_log2_align, @returnAddress());
        self.kept = &.{};
        self.backing = null;
    }

    fn retire(self: *ArenaAllocator) void {
        if (self.destroyed) @panic("engram arena: retired twice");
        self.assertInvariants();
        self.releaseFallbacks();
        arena_metrics.recordRetire(self.sample());
        self.state = .{ .high_water_mark = self.highWaterMark() };
        self.buffer = self.buffer[0..0];
        self.destroyed = true;
    }

    /// Whether `deinit` or `destroy` ran; such an arena serves nothing.
    pub fn isDestroyed(self: *const ArenaAllocator) bool {
        return self.destroyed;
    }

    /// Returns `size_bytes` bytes whose address is a multiple of `alignment`.
    /// Size 0 yields an empty slice at an aligned position. On any error the
    /// offset is unchanged.
    pub fn alloc(self: *ArenaAllocator, size_bytes: usize, alignment: usize) Error![]u8 {
        if (!isValidAlignment(alignment)) return error.InvalidAlignment;
        return self.allocAligned(size_bytes, alignment);
    }

    /// `alloc` for any power-of-two `alignment`, as `std.mem.Allocator`
    /// asks: the padding aligns the address, so an alignment above the
    /// buffer's own costs padding but is still honoured. Small enough to
    /// inline: the common case is the bump, everything else is `allocSlow`.
    fn allocAligned(self: *ArenaAllocator, size_bytes: usize, alignment: usize) Error![]u8 {
        assert(std.math.isPowerOfTwo(alignment));
        assert(!self.destroyed and !self.isUnbound());
        if (size_bytes <= max_alloc_bytes and self.unzeroed_bytes == 0) {
            if (self.bump(size_bytes, alignment)) |bytes| return bytes;
        }
        return self.allocSlow(size_bytes, alignment);
    }

    /// Every request the bump did not serve at once: an invalid size, bytes
    /// a hosted reset left to zero, and overflow with its strategies.
    noinline fn allocSlow(self: *ArenaAllocator, size_bytes: usize, alignment: usize) Error![]u8 {
        const before = self.state;
        defer self.assertProgress(before);
        if (size_bytes > max_alloc_bytes) return error.InvalidSize;
        if (self.unzeroed_bytes != 0) self.zeroUnzeroed();
        if (self.bump(size_bytes, alignment)) |bytes| return bytes;
        return self.overflow(size_bytes, alignment);
    }

    /// Zeroes what the last reset left to zero (see `unzeroed_bytes`), from
    /// the offset on: a host that bumped in its own code before this call
    /// (which the header forbids) already handed out the bytes below, and
    /// zeroing them now would wipe live data.
    fn zeroUnzeroed(self: *ArenaAllocator) void {
        @branchHint(.unlikely);
        assert(self.hosted and self.options.zero_on_reset);
        const end = @min(self.unzeroed_bytes, self.buffer.len);
        const start: usize = @min(std.math.cast(usize, self.state.offset) orelse end, end);
        @memset(self.buffer[start..end], 0);
        self.unzeroed_bytes = 0;
    }

    /// Returns room for `count` values of `T`, aligned for `T`.
    pub fn allocArray(self: *ArenaAllocator, comptime T: type, count: usize) Error![]T {
        comptime assert(@alignOf(T) <= max_alignment);
        const size_bytes = std.math.mul(usize, @sizeOf(T), count) catch return error.InvalidSize;
        const bytes = try self.alloc(size_bytes, @alignOf(T));
        const items: [*]T = @ptrCast(@alignCast(bytes.ptr));
        return items[0..count];
    }

    /// The hot path: moves the offset and returns the bytes, or
    /// null when they do not fit. The size is at most `max_alloc_bytes` and
    /// the padding below `alignment`, at most 2^(bits - 1), so
    /// `padding + size_bytes` cannot wrap.
    ///
    /// `state.offset` lives in memory a host may write (the header documents
    /// it), so it is never trusted: an offset past the capacity, up to 2^64 - 1,
    /// makes the end either wrap (the carry) or land past the buffer, and the
    /// request is out of capacity. This costs the carry test of an add the
    /// path needs anyway.
    ///
    /// Two counters and the offset, nothing else: the high-water mark is
    /// derived from the offset where it is read (`highWaterMark`).
    fn bump(self: *ArenaAllocator, size_bytes: usize, alignment: usize) ?[]u8 {
        assert(std.math.isPowerOfTwo(alignment) and size_bytes <= max_alloc_bytes);
        const offset: usize = std.math.cast(usize, self.state.offset) orelse return null;
        // Alignment 1 needs no padding; skipping the arithmetic shortens the
        // chain from one offset to the next (FixedBufferAllocator does the same).
        // Wrapping arithmetic: the address of an untrusted offset may wrap.
        const padding = if (alignment == 1) 0 else (0 -% (@intFromPtr(self.buffer.ptr) +% offset)) & (alignment - 1);
        // A wrapped end is below the offset: the carry, read without the
        // overflow tuple, which this compiler spills to the stack.
        const end = offset +% (padding + size_bytes);
        if (end < offset or end > self.buffer.len) return null;
        const start = end - size_bytes;
        assert(alignedOffset(@intFromPtr(self.buffer.ptr), offset, alignment, self.buffer.len) == start);
        // Taken before the barrier below, which would make the compiler load
        // the buffer's address again on the way out.
        const bytes = self.buffer[start..][0..size_bytes];
        self.state.offset = end;
        self.state.allocations += 1;
        // Kept apart: merged, the two adjacent counters become one 16-byte
        // vector load-add-store, more work than two adds to memory.
        asm volatile ("" ::: "memory");
        self.state.bytes_allocated += size_bytes;
        assert(end <= self.buffer.len and @intFromPtr(bytes.ptr) % alignment == 0);
        return bytes;
    }

    /// The arena's high-water mark: the recorded mark, or the offset if it is
    /// higher. An offset past the capacity is a host's bug, not use, and
    /// never raises the mark (nor did any allocation reach it).
    pub fn highWaterMark(self: *const ArenaAllocator) u64 {
        const offset = self.state.offset;
        if (offset > self.options.size_bytes) return self.state.high_water_mark;
        return @max(self.state.high_water_mark, offset);
    }

    /// Records the offset in the high-water mark before the offset goes down.
    fn foldHighWaterMark(self: *ArenaAllocator) void {
        self.state.high_water_mark = self.highWaterMark();
        assert(self.state.high_water_mark >= self.state.offset or self.state.offset > self.options.size_bytes);
    }

    fn overflow(self: *ArenaAllocator, size_bytes: usize, alignment: usize) Error![]u8 {
        @branchHint(.cold);
        // Checked here, off the hot path: a destroyed arena has an empty
        // buffer, so every request that could touch memory ends up here.
        if (self.destroyed) @panic("engram arena: alloc on a destroyed arena");
        self.state.overflows += 1;
        switch (self.options.overflow_strategy) {
            .error_return => return error.OutOfMemory,
            .fallback => return if (self.hosted) self.countHostedFallback(size_bytes) else self.allocFallback(size_bytes, alignment),
            .panic => std.debug.panic(
                "engram arena overflow: requested {d} bytes aligned to {d}, arena size {d} bytes, {d} bytes in use",
                .{ size_bytes, alignment, self.buffer.len, self.state.offset },
            ),
        }
    }

    /// Serves a request from the heap, with a header in front of the bytes so
    /// that one reservation per fallback both holds the data and links it.
    fn allocFallback(self: *ArenaAllocator, size_bytes: usize, alignment: usize) Error![]u8 {
        if (reservationRefused()) return error.OutOfMemory;
        // Heaps honour alignments up to a page (std's page allocator no
        // more); above that the bytes are padded inside the block, from its
        // address. Checked: through `allocator()` the alignment may be any
        // power of two, and a padding of 2^63 bytes wraps.
        const heap_alignment = @max(@min(alignment, std.mem.page_size), @alignOf(FallbackBlock));
        const log2_align: u8 = std.math.log2_int(usize, heap_alignment);
        const latest_start = if (alignment <= heap_alignment)
            std.mem.alignForward(usize, @sizeOf(FallbackBlock), alignment)
        else
            std.math.add(usize, @sizeOf(FallbackBlock), alignment - 1) catch return error.OutOfMemory;
        const total_len = std.math.add(usize, latest_start, size_bytes) catch return error.OutOfMemory;
        const raw = self.fallback_allocator.rawAlloc(total_len, log2_align, @returnAddress()) orelse
            return error.OutOfMemory;
        const start = std.mem.alignForward(usize, @intFromPtr(raw) + @sizeOf(FallbackBlock), alignment) - @intFromPtr(raw);
        assert(start <= latest_start and start >= @sizeOf(FallbackBlock));
        const block: *FallbackBlock = @ptrCast(@alignCast(raw));
        block.* = .{ .next = self.fallbacks, .total_len = total_len, .log2_align = log2_align };
        self.fallbacks = block;
        const bytes = raw[start..][0..size_bytes];
        // Always zeroed, whatever zero_on_reset says: heap memory may hold any
        // earlier user's bytes, while arena memory only ever held this arena's.
        @memset(bytes, 0);
        self.state.fallbacks += 1;
        self.state.fallback_bytes += size_bytes;
        self.state.allocations += 1;
        self.state.bytes_allocated += size_bytes;
        return bytes;
    }

    /// A hosted arena's fallback: counted as a heap fallback is, but the host
    /// serves the bytes from memory it owns, so nothing is reserved here and
    /// nothing is freed at reset. The seam refuses it as it refuses a heap
    /// fallback, so that a host can test its refused path.
    fn countHostedFallback(self: *ArenaAllocator, size_bytes: usize) Error![]u8 {
        assert(self.hosted and self.fallbacks == null);
        if (reservationRefused()) return error.OutOfMemory;
        self.state.fallbacks += 1;
        self.state.fallback_bytes += size_bytes;
        self.state.allocations += 1;
        self.state.bytes_allocated += size_bytes;
        return error.HostedFallback;
    }

    /// Frees every fallback block. A zeroing arena zeroes each block first,
    /// header included: the heap hands the same bytes to its next caller, and
    /// zero_on_reset promises that nothing the arena held outlives a reset.
    /// `secureZero` (volatile stores), because a plain @memset right before
    /// free is a dead store the optimiser may delete.
    fn releaseFallbacks(self: *ArenaAllocator) void {
        while (self.fallbacks) |block| {
            self.fallbacks = block.next;
            const total_len = block.total_len;
            const log2_align = block.log2_align;
            const raw: [*]u8 = @ptrCast(block);
            if (self.options.zero_on_reset) std.crypto.secureZero(u8, raw[0..total_len]);
            self.fallback_allocator.rawFree(raw[0..total_len], log2_align, @returnAddress());
        }
    }

    /// Hands the whole buffer out again: zeroes the used bytes if the arena
    /// zeroes, frees fallbacks, folds counters into the metrics. The
    /// high-water mark is kept.
    pub fn reset(self: *ArenaAllocator) void {
        if (self.destroyed) @panic("engram arena: reset of a destroyed arena");
        if (self.isUnbound()) @panic("engram arena: reset of a hosted arena before its first bind");
        self.assertInvariants();
        // Clamped, a real check: the offset comes from memory a host may
        // write, and the slice below is not bounds-checked in ReleaseFast.
        const offset: usize = std.math.cast(usize, self.state.offset) orelse self.buffer.len;
        const used: usize = @min(@max(offset, self.exposed_bytes), self.buffer.len);
        if (self.options.zero_on_reset) {
            // A hosted arena zeroes when it next hands memory out (see unzeroed_bytes).
            if (self.hosted) self.unzeroed_bytes = @max(self.unzeroed_bytes, used) else @memset(self.buffer[0..used], 0);
        }
        self.exposed_bytes = 0;
        self.releaseFallbacks();
        arena_metrics.recordReset(self.sample());
        self.state = .{ .size_bytes = self.state.size_bytes, .high_water_mark = self.highWaterMark() };
        self.assertInvariants();
    }

    /// Records that a host may write the first `end_bytes` bytes (up to the
    /// capacity), so that a zeroing reset zeroes them even past the offset.
    pub fn expose(self: *ArenaAllocator, end_bytes: usize) void {
        assert(!self.destroyed);
        self.exposed_bytes = @max(self.exposed_bytes, @min(end_bytes, self.buffer.len));
        assert(self.exposed_bytes <= self.buffer.len);
    }

    /// Bytes left after the offset, before any alignment padding (0 when a
    /// host wrote an offset past the capacity).
    pub fn remaining(self: *const ArenaAllocator) usize {
        const offset: usize = std.math.cast(usize, self.state.offset) orelse return 0;
        return self.buffer.len -| offset;
    }

    /// The used fraction of the capacity, 0.0 to 1.0 (0.0 for no capacity).
    pub fn utilization(self: *const ArenaAllocator) f64 {
        if (self.state.size_bytes == 0) return 0.0;
        const used: f64 = @floatFromInt(self.state.offset);
        const capacity: f64 = @floatFromInt(self.state.size_bytes);
        return used / capacity;
    }

    /// The arena's figures since its last reset (high-water mark: since creation).
    pub fn getStats(self: *const ArenaAllocator) Stats {
        var stats: Stats = undefined;
        inline for (@typeInfo(Stats).@"struct".fields) |field| {
            if (comptime @hasField(State, field.name)) {
                @field(stats, field.name) = @field(self.state, field.name);
            } else comptime assert(isDerivedStat(field.name));
        }
        stats.current_usage_bytes = self.state.offset;
        stats.high_water_mark_bytes = self.highWaterMark();
        stats.utilization = self.utilization();
        return stats;
    }

    /// The figures of `Stats` that are not `State` counters copied by name.
    fn isDerivedStat(comptime name: []const u8) bool {
        for ([_][]const u8{ "current_usage_bytes", "high_water_mark_bytes", "utilization" }) |derived| {
            if (std.mem.eql(u8, name, derived)) return true;
        }
        return false;
    }

    fn sample(self: *const ArenaAllocator) arena_metrics.Sample {
        var folded = self.state;
        folded.high_water_mark = self.highWaterMark();
        return folded;
    }

    /// The invariants of fields only this code writes. The offset and the
    /// high-water mark are left out: a host may write them (see `bump`), so
    /// they are checked where they are used, in every build mode.
    fn assertInvariants(self: *const ArenaAllocator) void {
        // An unbound hosted arena has its capacity but no memory yet.
        if (self.isUnbound()) assert(self.buffer.len == 0) else assert(self.state.size_bytes == self.buffer.len);
        assert(self.exposed_bytes <= self.buffer.len);
        assert(self.unzeroed_bytes == 0 or (self.hosted and self.options.zero_on_reset));
        assert(self.state.fallbacks <= self.state.allocations);
        if (self.hosted) {
            // Its fallbacks are counted but the host holds them: no blocks.
            assert(self.fallbacks == null and self.backing == null);
        } else {
            assert((self.fallbacks == null) == (self.state.fallbacks == 0));
        }
    }

    /// Counters only grow between resets; the capacity never changes.
    fn assertProgress(self: *const ArenaAllocator, before: State) void {
        self.assertInvariants();
        assert(self.state.size_bytes == before.size_bytes);
        assert(self.state.high_water_mark >= before.high_water_mark);
        assert(self.state.overflows >= before.overflows);
        assert(self.state.allocations >= before.allocations);
        assert(self.state.bytes_allocated >= before.bytes_allocated);
        assert(self.state.fallbacks >= before.fallbacks);
        assert(self.state.fallback_bytes >= before.fallback_bytes);
    }

    /// A `std.mem.Allocator` over the arena. Only the newest allocation can be
    /// freed or resized in place; anything else is released at reset.
    pub fn allocator(self: *ArenaAllocator) Allocator {
        return .{
            .ptr = self,
            .vtable = &.{ .alloc = vtableAlloc, .resize = vtableResize, .free = vtableFree },
        };
    }

    fn vtableAlloc(context: *anyopaque, len: usize, log2_align: u8, return_address: usize) ?[*]u8 {
        _ = return_address;
        const self: *ArenaAllocator = @ptrCast(@alignCast(context));
        // Any power of two: `Allocator.Log2Align` holds every one a usize can.
        const alignment = @as(usize, 1) << @as(Allocator.Log2Align, @intCast(log2_align));
        // Inlined: otherwise this is a second call, returning the error union through memory.
        const bytes = @call(.always_inline, allocAligned, .{ self, len, alignment }) catch return null;
        return bytes.ptr;
    }

    fn vtableResize(context: *anyopaque, buf: []u8, log2_align: u8, new_len: usize, return_address: usize) bool {
        _ = log2_align;
        _ = return_address;
        const self: *ArenaAllocator = @ptrCast(@alignCast(context));
        // As FixedBufferAllocator: a slice from elsewhere is the caller's bug.
        // Debug only, since a foreign slice is never newest and so is ignored.
        if (std.debug.runtime_safety) assert(self.ownsSlice(buf));
        if (!self.isNewest(buf)) return new_len <= buf.len;
        if (new_len <= buf.len) {
            self.retreat(buf.len - new_len);
            return true;
        }
        const growth_bytes = new_len - buf.len;
        if (growth_bytes > self.remaining()) return false;
        const before = self.state;
        self.state.offset += growth_bytes;
        self.state.bytes_allocated += growth_bytes;
        self.assertProgress(before);
        return true;
    }

    fn vtableFree(context: *anyopaque, buf: []u8, log2_align: u8, return_address: usize) void {
        _ = log2_align;
        _ = return_address;
        const self: *ArenaAllocator = @ptrCast(@alignCast(context));
        if (std.debug.runtime_safety) assert(self.ownsSlice(buf));
        if (self.isNewest(buf)) self.retreat(buf.len);
    }

    /// Whether `buf` lies in the buffer or in the data of a fallback block.
    fn ownsSlice(self: *const ArenaAllocator, buf: []u8) bool {
        if (within(self.buffer, buf)) return true;
        var next = self.fallbacks;
        while (next) |block| : (next = block.next) {
            const raw: [*]u8 = @ptrCast(block);
            if (within(raw[@sizeOf(FallbackBlock)..block.total_len], buf)) return true;
        }
        return false;
    }

    /// Whether `buf` ends at the offset inside the buffer (fallbacks never
    /// do). The offset bound is a real check: the offset is host-writable,
    /// and a newest slice past the buffer would let resize move into memory
    /// the arena does not own.
    fn isNewest(self: *const ArenaAllocator, buf: []u8) bool {
        const offset: usize = std.math.cast(usize, self.state.offset) orelse return false;
        if (offset > self.buffer.len) return false;
        const base = @intFromPtr(self.buffer.ptr);
        const start = @intFromPtr(buf.ptr);
        return start >= base and start + buf.len == base + offset;
    }

    /// Gives back the last `len` bytes, zeroing them when the arena zeroes so
    /// that the bytes after the offset stay zero.
    fn retreat(self: *ArenaAllocator, len: usize) void {
        const end: usize = @intCast(self.state.offset);
        assert(len <= end);
        if (self.options.zero_on_reset) @memset(self.buffer[end - len .. end], 0);
        self.foldHighWaterMark();
        self.state.offset = end - len;
        self.assertInvariants();
    }
};

/// Whether `inner` lies entirely within `outer`.
fn within(outer: []const u8, inner: []const u8) bool {
    const outer_start = @intFromPtr(outer.ptr);
    const inner_start = @intFromPtr(inner.ptr);
    return inner_start >= outer_start and inner_start - outer_start <= outer.len and
        inner.len <= outer.len - (inner_start - outer_start);
}

/// Whether `alloc` accepts `alignment`: a power of two up to `max_alignment`
/// (zero wraps to a huge `alignment - 1` and fails the first test).
fn isValidAlignment(alignment: usize) bool {
    const mask = alignment -% 1;
    return mask < max_alignment and alignment & mask == 0;
}

/// The offset at which an allocation aligned to `alignment` starts, counting
/// the padding that aligns the address `base_address + offset`; null when the
/// address arithmetic would wrap or the start lies past `capacity`.
pub fn alignedOffset(base_address: usize, offset: usize, alignment: usize, capacity: usize) ?usize {
    assert(std.math.isPowerOfTwo(alignment));
    const address = std.math.add(usize, base_address, offset) catch return null;
    const bumped = std.math.add(usize, address, alignment - 1) catch return null;
    const aligned = bumped & ~(alignment - 1);
    const start = std.math.add(usize, offset, aligned - address) catch return null;
    if (start > capacity) return null;
    return start;
}

/// The calling thread's arena slot. `initializing` guards against the
/// backing allocator calling back into `getThreadArena` while it runs.
const ThreadSlot = struct {
    arena: ArenaAllocator = undefined,
    live: bool = false,
    initializing: bool = false,
};

threadlocal var thread_slot: ThreadSlot = .{};

/// Where thread arenas reserve their buffers. Tests swap it, single-threaded,
/// to inject failures or re-entry.
pub var thread_arena_backing: Allocator = std.heap.page_allocator;

/// Errors of `getThreadArena`.
pub const ThreadArenaError = error{ InvalidSize, OutOfMemory, ReentrantInit };

/// The calling thread's arena, created on first use from the global config.
/// A refused reservation or a re-entrant call is an error, never a panic: the
/// host process (a Node service) must survive it.
pub fn getThreadArena() ThreadArenaError!*ArenaAllocator {
    if (thread_slot.live) return &thread_slot.arena;
    if (thread_slot.initializing) return error.ReentrantInit;
    thread_slot.initializing = true;
    defer thread_slot.initializing = false;

    var arena = try ArenaAllocator.createIn(thread_arena_backing, arena_config.getConfig());
    arena.thread_owned = true;
    // Registered before it is handed out: at the thread's exit the slot's
    // storage goes, and a handle to it must then answer as gone.
    thread_registry.register(@intFromPtr(&thread_slot.arena), releaseExitedThreadArena) catch {
        arena.destroy();
        return error.OutOfMemory;
    };
    // The backing allocator may have re-entered and won; keep the first arena.
    assert(!thread_slot.live);
    thread_slot.arena = arena;
    thread_slot.live = true;
    return &thread_slot.arena;
}

/// At the exit of a thread that made an arena: frees the arena, which no
/// one can reach any more (its handle answers as gone from now on).
fn releaseExitedThreadArena(slot_address: usize) void {
    assert(slot_address == @intFromPtr(&thread_slot.arena));
    deinitThreadArena();
}

/// Whether `arena` is the slot of a thread arena whose thread has exited:
/// its storage is gone, and nothing may be read through it.
pub fn isExitedThreadArena(arena: *const ArenaAllocator) bool {
    return thread_registry.isExited(@intFromPtr(arena));
}

/// Whether `arena` is the calling thread's arena slot (live or not).
pub fn isThreadArena(arena: *const ArenaAllocator) bool {
    return arena == &thread_slot.arena;
}

/// Resets the calling thread's arena if it exists.
pub fn resetThreadArena() void {
    if (thread_slot.live) thread_slot.arena.reset();
}

/// The calling thread's arena figures, or null when it has none.
pub fn getThreadArenaStats() ?Stats {
    if (!thread_slot.live) return null;
    return thread_slot.arena.getStats();
}

/// Takes the calling thread's arena out of its slot without freeing it; the
/// caller owns it from then on (`destroy` frees it), and the next
/// `getThreadArena` makes a fresh one. Null when the thread has none.
///
/// The slot is left destroyed and empty, not merely unlisted: a C host may
/// still hold the slot's address as a handle, and that handle must answer
/// "destroyed" rather than serve the buffer the new owner now hands out.
pub fn disownThreadArena() ?ArenaAllocator {
    if (!thread_slot.live) return null;
    var owned = thread_slot.arena;
    owned.thread_owned = false;
    thread_slot.live = false;
    thread_slot.arena = .{
        .state = .{},
        .buffer = &.{},
        .options = owned.options,
        .destroyed = true,
        .thread_owned = true,
    };
    assert(!owned.destroyed and owned.buffer.len == owned.state.size_bytes);
    assert(thread_slot.arena.isDestroyed() and thread_slot.arena.buffer.len == 0);
    return owned;
}

/// Frees the calling thread's arena; the next `getThreadArena` makes a fresh
/// one. A second call is a no-op.
pub fn deinitThreadArena() void {
    if (!thread_slot.live) return;
    thread_slot.live = false;
    thread_slot.arena.destroy();
}
