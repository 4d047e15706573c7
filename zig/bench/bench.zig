//! `zig build bench`: the Zig core side by side with std.heap.FixedBufferAllocator
//! and the C allocator, and reset-with-zeroing against a plain @memset.
//!
//! Every cell runs the same sequence for each allocator: N allocations of one
//! size and alignment, each touched with one byte (a cache line further into
//! each than into the last, see `touch`), then one reset (malloc: N frees),
//! repeated. The machine may be shared and noisy, so the samples are
//! spread out: allocators alternate within a cell, and the whole table is
//! measured in several passes; each figure is the best sample of all passes.
//! The ratios are what counts, not the absolute times.
//!
//! `-Dbench-quick=true`, `zig build bench -- --quick` or ENGRAM_BENCH_QUICK=1
//! make a smoke run of a second or two.

const std = @import("std");
const builtin = @import("builtin");
const engram = @import("engram_arena");

const ArenaAllocator = engram.ArenaAllocator;
const FixedBufferAllocator = std.heap.FixedBufferAllocator;
const Allocator = std.mem.Allocator;

const KiB = 1024;
const MiB = 1024 * KiB;

const sizes = [_]usize{ 16, 64, 256, 1 * KiB, 4 * KiB, 16 * KiB, 64 * KiB };
const alignments = [_]usize{ 1, 8, 16, 64 };
const reset_sizes = [_]usize{ 64 * KiB, 1 * MiB, 16 * MiB };

/// The targets: arena/FBA at most the first, reset/@memset at least the second.
const alloc_ratio_limit = 1.2;
const reset_ratio_floor = 0.9;

/// Allocations per round: at most 512, and at most 4 MiB of requests.
const max_round_allocations = 512;
const max_round_bytes = 4 * MiB;
const alloc_buffer_bytes = max_round_bytes + max_round_allocations * 64;

const Settings = struct {
    /// Times the whole table is measured.
    passes: usize,
    /// Samples of each allocator per cell and pass.
    samples: usize,
    /// Each sample runs whole rounds for at least this long.
    sample_ns: u64,
    /// Bytes zeroed per reset sample.
    reset_sample_bytes: usize,

    const full: Settings = .{ .passes = 3, .samples = 5, .sample_ns = 2_000_000, .reset_sample_bytes = 128 * MiB };
    const quick: Settings = .{ .passes = 1, .samples = 3, .sample_ns = 100_000, .reset_sample_bytes = 16 * MiB };
};

/// The columns of the allocation table, in order.
const Kind = enum { arena, fba, arena_dynamic, fba_dynamic, malloc };
const kinds = std.enums.values(Kind);

const Cell = struct {
    size: usize,
    alignment: usize,
    count: usize,
};

const cell_count = sizes.len * alignments.len;

/// The allocators under test, over one shared buffer (malloc: the heap).
const Subjects = struct {
    arena: *ArenaAllocator,
    fba: *FixedBufferAllocator,
    pointers: [][*]u8,

    /// Runs `rounds` rounds of the cell and returns the elapsed nanoseconds.
    fn run(subjects: *const Subjects, kind: Kind, cell: Cell, rounds: usize) u64 {
        var timer = std.time.Timer.start() catch fail("no monotonic timer");
        switch (kind) {
            .arena => arenaRounds(subjects.arena, cell, rounds),
            .fba => interfaceRounds(FixedBufferAllocator, subjects.fba, cell, rounds),
            .arena_dynamic => opaqueRounds(ArenaAllocator, subjects.arena, cell, rounds),
            .fba_dynamic => opaqueRounds(FixedBufferAllocator, subjects.fba, cell, rounds),
            .malloc => mallocRounds(subjects.pointers[0..cell.count], cell, rounds),
        }
        return timer.read();
    }
};

fn fail(comptime message: []const u8) noreturn {
    @branchHint(.cold);
    @panic(message);
}

/// How far apart, in bytes, `touch` writes in successive allocations: a cache line.
const touch_stride_bytes = 64;

/// Writes one byte of the allocation and keeps its address alive. The address
/// goes to doNotOptimizeAway as an integer (a register operand): given the
/// pointer itself, it would spill it and clobber all memory at every
/// allocation, two extra stores per iteration that would crowd the store
/// ports and weigh more than some allocators' own work.
///
/// The byte moves one cache line on per allocation, wrapped inside the
/// allocation by `spread` (see `touchSpread`). Allocations of 4 KiB and up
/// from a page-aligned buffer all start at one offset in a page, so their
/// first bytes share one L1 set: more stores in flight to it than it has
/// ways evict each other's lines before they commit, and the time per
/// allocation then falls as the loop does more other stores, so the
/// leaner allocator came out slower. Both sides still write one byte each.
fn touch(ptr: [*]u8, index: usize, spread: usize) void {
    ptr[(index *% touch_stride_bytes) & spread] = @truncate(index);
    std.mem.doNotOptimizeAway(@intFromPtr(ptr));
}

/// The mask `touch` wraps its offset with: the largest power of two that
/// fits in `size` bytes, less one, so that the byte stays inside the allocation.
fn touchSpread(size: usize) usize {
    return std.math.floorPowerOfTwo(usize, @max(size, 1)) - 1;
}

/// The core's own API: `alloc(size, alignment)` and `reset()`.
noinline fn arenaRounds(arena: *ArenaAllocator, cell: Cell, rounds: usize) align(code_alignment) void {
    const size, const alignment, const count = .{ cell.size, cell.alignment, cell.count };
    const spread = touchSpread(size);
    for (0..rounds) |_| {
        for (0..count) |index| {
            const bytes = arena.alloc(size, alignment) catch fail("arena: out of room");
            touch(bytes.ptr, index, spread);
        }
        arena.reset();
    }
}

/// Where the measured loops and the dynamic column's callees start. A loop
/// of two nanoseconds per iteration speeds up or slows down with where its
/// code falls in the fetch blocks, which any unrelated edit shifts; on a
/// 64-byte line each starts at the same place in every build.
const code_alignment = 64;

/// Through `std.mem.Allocator` made in the loop's function, so that the
/// compiler sees the vtable and may inline the allocator (the only API of
/// FixedBufferAllocator).
noinline fn interfaceRounds(comptime T: type, subject: *T, cell: Cell, rounds: usize) align(code_alignment) void {
    const allocator = subject.allocator();
    const size, const count = .{ cell.size, cell.count };
    const log2_align: u8 = std.math.log2_int(usize, cell.alignment);
    const spread = touchSpread(size);
    for (0..rounds) |_| {
        for (0..count) |index| {
            const ptr = allocator.rawAlloc(size, log2_align, @returnAddress()) orelse fail("out of room");
            touch(ptr, index, spread);
        }
        subject.reset();
    }
}

/// Through a `std.mem.Allocator` as generic code receives it: one indirect
/// call per allocation. Both allocators run the one `opaqueRound` below,
/// the same instructions at the same place, and call entries that differ
/// only in the allocator inlined into them; each then resets as in `interfaceRounds`.
noinline fn opaqueRounds(comptime T: type, subject: *T, cell: Cell, rounds: usize) void {
    const allocator = Allocator{ .ptr = subject, .vtable = &AlignedVTable(T).vtable };
    const log2_align: u8 = std.math.log2_int(usize, cell.alignment);
    const spread = touchSpread(cell.size);
    for (0..rounds) |_| {
        opaqueRound(allocator, cell.size, log2_align, cell.count, spread);
        subject.reset();
    }
}

/// One round of `count` allocations through `allocator`, whose vtable is a
/// runtime argument that differs by caller, so the compiler cannot see through it.
noinline fn opaqueRound(allocator: Allocator, size: usize, log2_align: u8, count: usize, spread: usize) align(code_alignment) void {
    for (0..count) |index| {
        const ptr = allocator.rawAlloc(size, log2_align, @returnAddress()) orelse fail("out of room");
        touch(ptr, index, spread);
    }
}

/// `T`'s own vtable with its `alloc` inlined into an entry on a
/// `code_alignment` boundary: the functions std and the core compile sit
/// wherever the linker puts them, and each build would move the ratio.
fn AlignedVTable(comptime T: type) type {
    return struct {
        const own = T.allocator(undefined).vtable;
        const vtable: Allocator.VTable = .{ .alloc = alloc, .resize = own.resize, .free = own.free };

        fn alloc(context: *anyopaque, len: usize, log2_align: u8, return_address: usize) align(code_alignment) ?[*]u8 {
            return @call(.always_inline, own.alloc, .{ context, len, log2_align, return_address });
        }
    };
}

/// malloc for alignments malloc guarantees, posix_memalign above; then free all.
noinline fn mallocRounds(pointers: [][*]u8, cell: Cell, rounds: usize) void {
    const malloc_alignment = 2 * @sizeOf(usize);
    const size, const alignment = .{ cell.size, cell.alignment };
    const spread = touchSpread(size);
    for (0..rounds) |_| {
        for (pointers, 0..) |*slot, index| {
            const raw: ?*anyopaque = if (alignment <= malloc_alignment)
                std.c.malloc(size)
            else blk: {
                var out: ?*anyopaque = null;
                if (std.c.posix_memalign(&out, alignment, size) != 0) fail("posix_memalign failed");
                break :blk out;
            };
            const ptr: [*]u8 = @ptrCast(raw orelse fail("malloc failed"));
            touch(ptr, index, spread);
            slot.* = ptr;
        }
        for (pointers) |ptr| std.c.free(ptr);
    }
}

/// A value the optimiser cannot see through: sizes and alignments stay runtime values.
fn opaqueValue(value: usize) usize {
    var copy = value;
    std.mem.doNotOptimizeAway(&copy);
    return copy;
}

/// Grows the rounds until one run lasts `sample_ns` (this also warms up).
fn calibrate(subjects: *const Subjects, kind: Kind, cell: Cell, sample_ns: u64) usize {
    var rounds: usize = 1;
    while (true) {
        const elapsed = subjects.run(kind, cell, rounds);
        if (elapsed >= sample_ns) return rounds;
        if (elapsed * 8 < sample_ns) rounds *= 8 else rounds *= 2;
    }
}

/// Best ns per allocation of each allocator in each cell.
const AllocTable = struct {
    cells: [cell_count]Cell,
    rounds: [cell_count][kinds.len]usize,
    best: [cell_count][kinds.len]f64,

    fn measure(subjects: *const Subjects, settings: Settings) AllocTable {
        var table: AllocTable = undefined;
        var index: usize = 0;
        for (sizes) |size| {
            for (alignments) |alignment| {
                const count = @min(max_round_allocations, max_round_bytes / size);
                const cell = Cell{ .size = opaqueValue(size), .alignment = opaqueValue(alignment), .count = opaqueValue(count) };
                table.cells[index] = cell;
                for (kinds, 0..) |kind, k| {
                    table.rounds[index][k] = calibrate(subjects, kind, cell, settings.sample_ns);
                    table.best[index][k] = std.math.inf(f64);
                }
                index += 1;
            }
        }
        for (0..settings.passes) |_| {
            for (&table.cells, &table.rounds, &table.best) |cell, rounds, *best| {
                for (0..settings.samples) |sample| {
                    // Rotate which allocator goes first, so none always follows the same one.
                    for (0..kinds.len) |step| {
                        const k = (sample + step) % kinds.len;
                        const elapsed: f64 = @floatFromInt(subjects.run(kinds[k], cell, rounds[k]));
                        const allocations: f64 = @floatFromInt(rounds[k] * cell.count);
                        best[k] = @min(best[k], elapsed / allocations);
                    }
                }
            }
        }
        return table;
    }
};

/// One reset of `used` zeroed bytes: allocate them, reset.
noinline fn arenaResetRounds(arena: *ArenaAllocator, used: usize, rounds: usize) void {
    for (0..rounds) |_| {
        const bytes = arena.alloc(used, 1) catch fail("arena: out of room");
        std.mem.doNotOptimizeAway(bytes.ptr);
        arena.reset();
    }
}

/// The limit: the same bytes zeroed by a plain @memset.
noinline fn memsetRounds(buffer: []u8, used: usize, rounds: usize) void {
    for (0..rounds) |_| {
        @memset(buffer[0..used], 0);
        std.mem.doNotOptimizeAway(buffer.ptr);
    }
}

/// Best nanoseconds per sample of the arena's zeroing reset and of @memset
/// over the same bytes of the same buffer, alternating which goes first.
fn measureReset(arena: *ArenaAllocator, used: usize, rounds: usize, samples: usize, best_ns: *[2]u64) void {
    for (0..samples) |sample| {
        for (0..2) |step| {
            const which = (sample + step) % 2;
            var timer = std.time.Timer.start() catch fail("no monotonic timer");
            if (which == 0) arenaResetRounds(arena, used, rounds) else memsetRounds(arena.buffer, used, rounds);
            best_ns[which] = @min(best_ns[which], timer.read());
        }
    }
}

fn quickRequested() bool {
    var args = std.process.args();
    while (args.next()) |arg| {
        if (std.mem.eql(u8, arg, "--quick")) return true;
    }
    const env = std.posix.getenv("ENGRAM_BENCH_QUICK") orelse return false;
    return env.len > 0 and !std.mem.eql(u8, env, "0") and !std.mem.eql(u8, env, "false");
}

fn formatSize(buf: []u8, bytes: usize) []const u8 {
    if (bytes >= MiB and bytes % MiB == 0) return std.fmt.bufPrint(buf, "{d} MiB", .{bytes / MiB}) catch unreachable;
    if (bytes >= KiB and bytes % KiB == 0) return std.fmt.bufPrint(buf, "{d} KiB", .{bytes / KiB}) catch unreachable;
    return std.fmt.bufPrint(buf, "{d} B", .{bytes}) catch unreachable;
}

/// A page-aligned buffer, every page faulted in.
fn reserve(bytes: usize) []u8 {
    const buffer = std.heap.page_allocator.alignedAlloc(u8, std.mem.page_size, bytes) catch fail("cannot reserve bench buffers");
    @memset(buffer, 0x5A);
    return buffer;
}

/// The spread of one ratio column over the cells.
const RatioStats = struct {
    worst: f64 = 0,
    worst_cell: Cell = undefined,
    log_sum: f64 = 0,
    cells: usize = 0,
    above_limit: usize = 0,

    fn add(stats: *RatioStats, ratio: f64, cell: Cell) void {
        if (ratio > stats.worst) {
            stats.worst = ratio;
            stats.worst_cell = cell;
        }
        stats.log_sum += @log(ratio);
        stats.cells += 1;
        if (ratio > alloc_ratio_limit) stats.above_limit += 1;
    }

    fn print(stats: *const RatioStats, out: anytype, label: []const u8) !void {
        var size_text: [16]u8 = undefined;
        const geomean = @exp(stats.log_sum / @as(f64, @floatFromInt(stats.cells)));
        try out.print("  {s} worst {d:.3} ({s}, align {d}), geometric mean {d:.3}, {d} of {d} cells above {d:.1} -> {s}\n", .{
            label,                                                      stats.worst,
            formatSize(&size_text, stats.worst_cell.size),              stats.worst_cell.alignment,
            geomean,                                                    stats.above_limit,
            stats.cells,                                                alloc_ratio_limit,
            if (stats.worst <= alloc_ratio_limit) "met" else "NOT met",
        });
    }
};

pub fn main() !void {
    const quick = quickRequested();
    const settings = if (quick) Settings.quick else Settings.full;
    var total_timer = try std.time.Timer.start();

    var stdout_buffer = std.io.bufferedWriter(std.io.getStdOut().writer());
    const out = stdout_buffer.writer();

    try out.print(
        \\engram-arena Zig core benchmark ({s}, {s}-{s}, {s} run: best of {d} passes x {d} samples, interleaved)
        \\
        \\Allocation: N allocations of one size and alignment, each touched with one byte
        \\(the Nth at N cache lines in, wrapped inside the allocation), then one reset
        \\(malloc: N frees); ns per allocation, reset or frees included.
        \\  arena      ArenaAllocator.alloc(size, alignment), reset()   (zero_on_reset = false)
        \\  FBA        std.heap.FixedBufferAllocator through allocator().rawAlloc, made in the
        \\             loop's function so the compiler sees through it (its only API), reset()
        \\  arena dyn  the arena through a std.mem.Allocator the loop cannot see into
        \\  FBA dyn    the same for FixedBufferAllocator (one indirect call each, as in generic code)
        \\  malloc     malloc (align <= 16) or posix_memalign (align 64), then free
        \\
        \\
    , .{
        @tagName(builtin.mode),         @tagName(builtin.cpu.arch), @tagName(builtin.os.tag),
        if (quick) "quick" else "full", settings.passes,            settings.samples,
    });
    try stdout_buffer.flush();

    const alloc_buffer = reserve(alloc_buffer_bytes);
    defer std.heap.page_allocator.free(alloc_buffer);
    var arena = ArenaAllocator.initOptions(alloc_buffer, .{
        .size_bytes = alloc_buffer.len,
        .overflow_strategy = .error_return,
        .zero_on_reset = false,
    });
    defer arena.deinit();
    var fba = FixedBufferAllocator.init(alloc_buffer);
    var pointers: [max_round_allocations][*]u8 = undefined;
    const subjects = Subjects{ .arena = &arena, .fba = &fba, .pointers = &pointers };

    const table = AllocTable.measure(&subjects, settings);
    try out.print("    size  align    N    arena      FBA  arena dyn    FBA dyn    malloc  arena/FBA  arena/FBA (dyn)\n", .{});
    var direct: RatioStats = .{};
    var dynamic: RatioStats = .{};
    for (table.cells, table.best) |cell, ns| {
        const ratio = ns[@intFromEnum(Kind.arena)] / ns[@intFromEnum(Kind.fba)];
        const dynamic_ratio = ns[@intFromEnum(Kind.arena_dynamic)] / ns[@intFromEnum(Kind.fba_dynamic)];
        direct.add(ratio, cell);
        dynamic.add(dynamic_ratio, cell);
        var size_text: [16]u8 = undefined;
        try out.print("{s:>8}  {d:>5}  {d:>3}  {d:>7.2}  {d:>7.2}  {d:>9.2}  {d:>9.2}  {d:>8.2}  {d:>9.2}  {d:>15.2}\n", .{
            formatSize(&size_text, cell.size), cell.alignment, cell.count, ns[0], ns[1], ns[2], ns[3], ns[4], ratio, dynamic_ratio,
        });
    }
    try stdout_buffer.flush();

    // Reset with zeroing: an arena that zeroes, against @memset of the same
    // bytes of the same buffer (so both see the same pages and caches).
    const reset_capacity = reset_sizes[reset_sizes.len - 1];
    const reset_buffer = reserve(reset_capacity);
    defer std.heap.page_allocator.free(reset_buffer);
    var zeroing = ArenaAllocator.initOptions(reset_buffer, .{
        .size_bytes = reset_capacity,
        .overflow_strategy = .error_return,
        .zero_on_reset = true,
    });
    defer zeroing.deinit();

    var reset_best: [reset_sizes.len][2]u64 = undefined;
    var reset_rounds: [reset_sizes.len]usize = undefined;
    for (reset_sizes, &reset_best, &reset_rounds) |used, *best, *rounds| {
        best.* = .{ std.math.maxInt(u64), std.math.maxInt(u64) };
        rounds.* = @max(1, settings.reset_sample_bytes / used);
        measureReset(&zeroing, opaqueValue(used), 1, 1, best); // warm-up
        best.* = .{ std.math.maxInt(u64), std.math.maxInt(u64) };
    }
    for (0..settings.passes) |_| {
        for (reset_sizes, &reset_best, reset_rounds) |used, *best, rounds| {
            measureReset(&zeroing, opaqueValue(used), rounds, settings.samples, best);
        }
    }

    try out.print(
        \\
        \\Reset with zeroing (zero_on_reset = true): allocate `used` bytes, reset; GB/s of bytes zeroed,
        \\against a plain @memset of the same bytes (the limit).
        \\
        \\    used   reset GB/s  @memset GB/s  reset/@memset
        \\
    , .{});
    var worst_reset_ratio: f64 = std.math.inf(f64);
    var worst_reset_used: usize = 0;
    for (reset_sizes, reset_best, reset_rounds) |used, best, rounds| {
        const bytes: f64 = @floatFromInt(used * rounds);
        const reset_gbps = bytes / @as(f64, @floatFromInt(best[0]));
        const memset_gbps = bytes / @as(f64, @floatFromInt(best[1]));
        const ratio = reset_gbps / memset_gbps;
        if (ratio < worst_reset_ratio) {
            worst_reset_ratio = ratio;
            worst_reset_used = used;
        }
        var size_text: [16]u8 = undefined;
        try out.print("{s:>8}  {d:>11.2}  {d:>12.2}  {d:>12.1}%\n", .{ formatSize(&size_text, used), reset_gbps, memset_gbps, ratio * 100 });
    }

    var reset_text: [16]u8 = undefined;
    try out.print("\nTargets, from this run{s}:\n", .{if (quick) " (a smoke run, too short to judge them)" else ""});
    try direct.print(out, "core alloc within 1.2x of FBA (arena/FBA):");
    try dynamic.print(out, "the same through an opaque Allocator:     ");
    try out.print("  reset zeroing at >= 90% of @memset:        worst {d:.1}% ({s}) -> {s}\n\n(total {d:.1} s)\n", .{
        worst_reset_ratio * 100,                                          formatSize(&reset_text, worst_reset_used),
        if (worst_reset_ratio >= reset_ratio_floor) "met" else "NOT met", @as(f64, @floatFromInt(total_timer.read())) / 1e9,
    });
    try stdout_buffer.flush();
}
