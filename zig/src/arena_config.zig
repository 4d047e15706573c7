//! The process-wide arena configuration: the defaults for the thread arena and
//! for arenas created without explicit options.
//!
//! The config is loaded from the environment on first use, exactly once even
//! when several threads race for it (unloaded, loading, ready). The phase and
//! the config share one atomic word, so that a reader never sees half of a
//! concurrent `setConfig`, nor a ready phase before its config.

const std = @import("std");
const builtin = @import("builtin");
const assert = std.debug.assert;
const AtomicU64 = @import("atomic_u64.zig").AtomicU64;
const abi = @import("abi.zig");

/// What an arena does with a request that does not fit.
pub const OverflowStrategy = abi.OverflowStrategy;

/// Smallest size accepted from the environment or `setConfig`.
pub const min_config_size_bytes: usize = abi.limits.min_config_size_bytes;
/// Largest size accepted anywhere.
pub const max_size_bytes: usize = abi.limits.max_size_bytes;

/// Bits of `envErrors()`: variables that were present but invalid.
pub const EnvError = abi.env_errors;

/// An arena's options, and the global config: the defaults of the thread
/// arena and of arenas created without options. The fields are those of
/// `abi.ArenaOptions` (checked below), in Zig's types.
pub const ArenaConfig = struct {
    /// Bytes of the arena (the thread arena's, for the config).
    size_bytes: usize,
    overflow_strategy: OverflowStrategy,
    /// Whether reset zeroes the bytes handed out since the previous reset.
    zero_on_reset: bool,

    /// 1 MiB, errors on overflow, zeroes on reset: safe before fast.
    pub const DEFAULT = ArenaConfig{
        .size_bytes = 1024 * 1024,
        .overflow_strategy = .error_return,
        .zero_on_reset = true,
    };

    /// Errors `validate` reports.
    pub const Error = error{ InvalidSize, InvalidArgument };

    /// Checks the limits `setConfig` enforces.
    pub fn validate(config: ArenaConfig) Error!void {
        if (config.size_bytes < min_config_size_bytes or config.size_bytes > max_size_bytes) {
            return error.InvalidSize;
        }
    }

    /// The config the process environment asks for; invalid variables keep
    /// their default.
    pub fn fromEnv() ArenaConfig {
        return loadEnv().config;
    }

    /// The options the global config gives an arena of `size_bytes` bytes.
    pub fn fromConfig(size_bytes: usize) ArenaConfig {
        var options = getConfig();
        options.size_bytes = size_bytes;
        return options;
    }
};

comptime {
    // One field here for each of the C struct's, padding aside: hosts copy
    // options field by field between the two (see ffi.zig).
    const fields = @typeInfo(ArenaConfig).@"struct".fields;
    assert(fields.len + 1 == @typeInfo(abi.ArenaOptions).@"struct".fields.len);
    for (fields) |field| assert(@hasField(abi.ArenaOptions, field.name));
}

/// A config parsed from variables, with the variables that were rejected.
pub const EnvLoad = struct {
    config: ArenaConfig,
    /// `EnvError` bits.
    invalid: u32,
};

/// Reads ENGRAM_ARENA_* from the real environment of a host process whose
/// start-up code was not Zig's: through libc on POSIX systems, and through the
/// Win32 environment block on Windows, where Node's `process.env` writes and
/// the C runtime only keeps a copy taken when it started.
pub fn loadEnv() EnvLoad {
    return parseEnv(if (builtin.os.tag == .windows) win32Getenv else libcGetenv);
}

fn libcGetenv(name: [*:0]const u8) ?[]const u8 {
    const value = std.c.getenv(name) orelse return null;
    return std.mem.sliceTo(value, 0);
}

/// Longer than any value the variables accept ("1073741824", "error_return").
const max_win32_value = 32;
/// The value `win32Getenv` returned last on this thread: `parseEnv` parses
/// each value before it looks up the next one.
threadlocal var win32_value: [max_win32_value]u8 = undefined;

/// GetEnvironmentVariableW, narrowed to ASCII. A value that is too long or not
/// ASCII comes back as "", which every variable rejects just as it would
/// reject the real value.
fn win32Getenv(name: [*:0]const u8) ?[]const u8 {
    const kernel32 = std.os.windows.kernel32;
    const key = std.mem.sliceTo(name, 0);
    var wide_key: [64:0]u16 = undefined;
    assert(key.len < wide_key.len);
    for (key, 0..) |char, i| wide_key[i] = char;
    wide_key[key.len] = 0;

    var wide_value: [max_win32_value + 1]u16 = undefined;
    kernel32.SetLastError(.SUCCESS);
    const len = kernel32.GetEnvironmentVariableW(&wide_key, &wide_value, wide_value.len);
    // 0 is both "unset" and "set to the empty string"; the error tells them apart.
    if (len == 0) return if (kernel32.GetLastError() == .ENVVAR_NOT_FOUND) null else "";
    if (len >= wide_value.len) return "";
    for (wide_value[0..len], 0..) |unit, i| {
        if (unit > 0x7f) return "";
        win32_value[i] = @intCast(unit);
    }
    return win32_value[0..len];
}

/// Parses the three variables from `lookup`, which returns a variable's value
/// or null when it is unset. Separated from `loadEnv` so tests need no setenv.
pub fn parseEnv(comptime lookup: fn ([*:0]const u8) ?[]const u8) EnvLoad {
    var load = EnvLoad{ .config = ArenaConfig.DEFAULT, .invalid = 0 };
    if (lookup("ENGRAM_ARENA_SIZE")) |text| {
        if (parseSize(text)) |size_bytes| {
            load.config.size_bytes = size_bytes;
        } else load.invalid |= EnvError.size;
    }
    if (lookup("ENGRAM_ARENA_OVERFLOW")) |text| {
        if (OverflowStrategy.fromName(text)) |strategy| {
            load.config.overflow_strategy = strategy;
        } else load.invalid |= EnvError.overflow;
    }
    if (lookup("ENGRAM_ARENA_ZERO")) |text| {
        if (parseBool(text)) |zero| {
            load.config.zero_on_reset = zero;
        } else load.invalid |= EnvError.zero;
    }
    return load;
}

/// Plain decimal digits only: `std.fmt.parseInt` would also take a sign and
/// underscores, which no shell user means by a byte count.
fn parseSize(text: []const u8) ?usize {
    if (text.len == 0 or text.len > 19) return null;
    for (text) |char| if (!std.ascii.isDigit(char)) return null;
    const size_bytes = std.fmt.parseInt(u64, text, 10) catch return null;
    if (size_bytes < min_config_size_bytes or size_bytes > max_size_bytes) return null;
    return @intCast(size_bytes);
}

fn parseBool(text: []const u8) ?bool {
    if (std.mem.eql(u8, text, "true") or std.mem.eql(u8, text, "1")) return true;
    if (std.mem.eql(u8, text, "false") or std.mem.eql(u8, text, "0")) return false;
    return null;
}

/// Where the config is in its life: the low bits of the config word.
const Phase = enum(u2) {
    /// Never loaded, or forgotten by `resetConfig`: the next read loads it.
    unloaded = 0,
    /// One thread reads the environment; readers and writers wait for it.
    loading = 1,
    /// The word's config is the one in force.
    ready = 2,
};

/// The phase, the config and the load's rejected variables in one atomic
/// word. One location is the point: a reader cannot pair a ready phase with a
/// config from another moment, whatever the interleaving, because both are
/// published by a single store.
const Word = packed struct(u64) {
    phase: Phase,
    /// `EnvError` bits of the load that produced this config (kept by `setConfig`).
    env_errors: u3,
    zero_on_reset: bool,
    overflow_strategy: OverflowStrategy,
    /// 32 bits hold every valid size (`max_size_bytes` is 2^30).
    size_bytes: u32,
    unused: u18 = 0,

    const unloaded = Word{
        .phase = .unloaded,
        .env_errors = 0,
        .zero_on_reset = false,
        .overflow_strategy = .panic,
        .size_bytes = 0,
    };

    /// The claim of the thread that reads the environment: nothing but the phase.
    const loading = Word{
        .phase = .loading,
        .env_errors = 0,
        .zero_on_reset = false,
        .overflow_strategy = .panic,
        .size_bytes = 0,
    };

    fn ready(in_force: ArenaConfig, env_errors: u32) Word {
        assert(in_force.size_bytes >= min_config_size_bytes and in_force.size_bytes <= max_size_bytes);
        assert(env_errors <= std.math.maxInt(u3));
        return .{
            .phase = .ready,
            .env_errors = @intCast(env_errors),
            .zero_on_reset = in_force.zero_on_reset,
            .overflow_strategy = in_force.overflow_strategy,
            .size_bytes = @intCast(in_force.size_bytes),
        };
    }

    fn toConfig(word: Word) ArenaConfig {
        assert(word.phase == .ready);
        return .{
            .size_bytes = word.size_bytes,
            .overflow_strategy = word.overflow_strategy,
            .zero_on_reset = word.zero_on_reset,
        };
    }

    /// The word as stored. Every store and compare-and-swap goes through
    /// here, so every word ever published is checked: a ready phase always
    /// carries a valid config (a reader that sees ready trusts the rest).
    /// A check in every build, not an assert: in ReleaseFast an assert is a
    /// promise to the optimiser, and a store that broke it compiled to an
    /// endless loop in the shipped library instead of a message. Stores are
    /// rare (a load, a set, a reset), so one compare each costs nothing.
    fn bits(word: Word) u64 {
        const raw: u64 = @bitCast(word);
        if (word.phase == .ready and
            (word.size_bytes < min_config_size_bytes or word.size_bytes > max_size_bytes))
        {
            unpublishable(raw);
        }
        return raw;
    }

    /// The word in force. One that no store could have published (a stray
    /// write, a torn copy) is a fault reported at once: a phase or a
    /// strategy outside its enum is undefined behaviour in ReleaseFast, where
    /// it read as "loading" and left every caller waiting for a loader that
    /// does not exist.
    fn load() Word {
        const raw = config_word.load(.acquire);
        return decode(raw) orelse corrupt(raw);
    }

    /// `raw` as a word if `bits` could have returned it, else null. Reads the
    /// fields as plain integers, so no enum ever holds a value it lacks.
    fn decode(raw: u64) ?Word {
        const fields: RawWord = @bitCast(raw);
        const word: Word = switch (fields.phase) {
            @intFromEnum(Phase.unloaded) => unloaded,
            @intFromEnum(Phase.loading) => loading,
            @intFromEnum(Phase.ready) => {
                if (fields.unused != 0) return null;
                if (OverflowStrategy.fromInt(fields.overflow_strategy) == null) return null;
                const size_bytes = fields.size_bytes;
                if (size_bytes < min_config_size_bytes or size_bytes > max_size_bytes) return null;
                return @bitCast(raw);
            },
            else => return null,
        };
        // The two other phases carry nothing: every other bit is zero.
        return if (raw == word.bits()) word else null;
    }
};

/// `Word`'s layout with integer fields, to check a word before trusting it.
const RawWord = packed struct(u64) {
    phase: u2,
    env_errors: u3,
    zero_on_reset: u1,
    overflow_strategy: u8,
    size_bytes: u32,
    unused: u18,
};

comptime {
    for (@typeInfo(Word).@"struct".fields, @typeInfo(RawWord).@"struct".fields) |word_field, raw_field| {
        assert(std.mem.eql(u8, word_field.name, raw_field.name));
        assert(@bitOffsetOf(Word, word_field.name) == @bitOffsetOf(RawWord, raw_field.name));
        assert(@bitSizeOf(word_field.type) == @bitSizeOf(raw_field.type));
    }
}

/// Stops the process: a config word no store published means memory that is
/// not what this code wrote, and any config read from it would be a guess.
fn corrupt(raw: u64) noreturn {
    @branchHint(.cold);
    std.debug.panic("engram arena config: corrupt config word 0x{x:0>16}", .{raw});
}

/// Stops the process: a ready word without a valid config is a bug in this
/// file, and once stored, a reader would take it for the config in force.
fn unpublishable(raw: u64) noreturn {
    @branchHint(.cold);
    std.debug.panic("engram arena config: a ready config word without a valid config 0x{x:0>16}", .{raw});
}

comptime {
    assert(max_size_bytes <= std.math.maxInt(u32));
    assert(EnvError.size | EnvError.overflow | EnvError.zero <= std.math.maxInt(u3));
    assert(Word.unloaded.bits() == 0);
}

/// Acquire and release although the config is one word and coherence alone
/// would order it: they cost nothing on x86, one barrier elsewhere, and keep
/// anything a loader does before publishing visible to every reader after.
/// On targets without 64-bit atomics (armv7) the word sits behind a spin
/// lock (`atomic_u64.Locked`): still one location, so the argument holds.
var config_word = AtomicU64.init(0);

/// Testing seam: what `getConfig` calls to load the environment. Tests swap
/// it, before any thread races, for a loader that counts its calls and holds
/// the loading phase open until the other threads have arrived.
pub var env_loader: *const fn () EnvLoad = loadEnv;

var wait_starts = AtomicU64.init(0);

/// Testing seam: how many calls so far found another thread loading and
/// began to wait for it. Counted once per call, on the slow path only.
pub fn waitStarts() u64 {
    return wait_starts.load(.monotonic);
}

/// Testing seam: called by a thread that found the config unloaded, between
/// reading the word and claiming the load. Tests use it to hold every racing
/// thread at that point, so the claim is raced by all of them on every run,
/// not only when the scheduler happens to line them up. Cold: first use only.
pub var before_claim: ?*const fn () void = null;

/// Rounds of `spinLoopHint` before a waiter starts yielding its core: a load
/// takes microseconds, unless the loading thread lost its core.
const wait_spin_rounds: u32 = 128;
/// Rounds after which a wait is a fault, not a delay. A load that never ends
/// means the word is corrupt or its loader vanished (a fork() in mid-load);
/// spinning forever would hide that. At least seconds of yields.
pub var wait_rounds_limit: u32 = 1 << 22;

/// One round of waiting for the thread that holds the loading phase.
/// Iterative by design: a waiter re-reads the word in its caller's loop
/// and never re-enters `getConfig`.
fn waitForLoader(rounds: *u32) void {
    if (rounds.* == 0) _ = wait_starts.fetchAdd(1, .monotonic);
    rounds.* += 1;
    if (rounds.* > wait_rounds_limit) @panic("engram arena config: the loading phase never ended (corrupt state or a vanished loader)");
    if (rounds.* <= wait_spin_rounds) {
        std.atomic.spinLoopHint();
    } else {
        std.Thread.yield() catch std.atomic.spinLoopHint();
    }
}

/// The ready word, loading the environment first if no config is in force.
fn readyWord() Word {
    var rounds: u32 = 0;
    while (true) {
        const word = Word.load();
        switch (word.phase) {
            .ready => return word,
            .loading => waitForLoader(&rounds),
            .unloaded => {
                if (before_claim) |hook| hook();
                // The claim and the check are one step: exactly one thread
                // leaves `unloaded` for `loading` and reads the environment.
                if (config_word.cmpxchgStrong(word.bits(), Word.loading.bits(), .acquire, .monotonic) == null) {
                    return publishLoad();
                }
            },
        }
    }
}

/// Reads the environment and publishes the result; called only by the thread
/// that holds the loading phase, which no one else writes meanwhile.
fn publishLoad() Word {
    assert(Word.load().phase == .loading);
    const load = env_loader();
    const ready = Word.ready(load.config, load.invalid);
    config_word.store(ready.bits(), .release);
    return ready;
}

/// Replaces the word by `next(current)` once no thread is loading: writers
/// wait for a load in progress, so a load never overwrites a write.
fn writeWord(comptime next: fn (current: Word, context: ArenaConfig) Word, context: ArenaConfig) void {
    var rounds: u32 = 0;
    while (true) {
        const word = Word.load();
        if (word.phase == .loading) {
            waitForLoader(&rounds);
            continue;
        }
        const wanted = next(word, context);
        if (config_word.cmpxchgWeak(word.bits(), wanted.bits(), .release, .monotonic) == null) return;
    }
}

/// The config in force, loaded from the environment on first use. When
/// threads race for the first use, one loads and the others wait for it.
pub fn getConfig() ArenaConfig {
    return readyWord().toConfig();
}

/// Replaces the whole config after validating it; arenas created later use it.
/// Waits for a load in progress, so the set config is the one that stays.
pub fn setConfig(config: ArenaConfig) ArenaConfig.Error!void {
    try config.validate();
    writeWord(struct {
        fn next(current: Word, wanted: ArenaConfig) Word {
            // Errors of the last load stay reported; 0 if nothing was loaded.
            return Word.ready(wanted, if (current.phase == .ready) current.env_errors else 0);
        }
    }.next, config);
}

/// Forgets the config, so that the next read loads the environment again.
pub fn resetConfig() void {
    writeWord(struct {
        fn next(_: Word, _: ArenaConfig) Word {
            return Word.unloaded;
        }
    }.next, ArenaConfig.DEFAULT);
}

/// Testing seam: stores `raw` as the config word, as a stray write would.
pub fn storeWordForTest(raw: u64) void {
    config_word.store(raw, .release);
}

/// `EnvError` bits of the variables rejected at the last load from the
/// environment (0 when the config was set without loading it).
pub fn envErrors() u32 {
    return readyWord().env_errors;
}

const testing = std.testing;

fn lookupNothing(_: [*:0]const u8) ?[]const u8 {
    return null;
}

fn lookupValid(name: [*:0]const u8) ?[]const u8 {
    const key = std.mem.sliceTo(name, 0);
    if (std.mem.eql(u8, key, "ENGRAM_ARENA_SIZE")) return "2097152";
    if (std.mem.eql(u8, key, "ENGRAM_ARENA_OVERFLOW")) return "fallback";
    if (std.mem.eql(u8, key, "ENGRAM_ARENA_ZERO")) return "false";
    return null;
}

fn lookupInvalid(name: [*:0]const u8) ?[]const u8 {
    const key = std.mem.sliceTo(name, 0);
    if (std.mem.eql(u8, key, "ENGRAM_ARENA_SIZE")) return "+65536";
    if (std.mem.eql(u8, key, "ENGRAM_ARENA_OVERFLOW")) return "PANIC";
    if (std.mem.eql(u8, key, "ENGRAM_ARENA_ZERO")) return "";
    return null;
}

extern "c" fn setenv(name: [*:0]const u8, value: [*:0]const u8, overwrite: c_int) c_int;
extern "c" fn unsetenv(name: [*:0]const u8) c_int;

const env_names = [_][*:0]const u8{ "ENGRAM_ARENA_SIZE", "ENGRAM_ARENA_OVERFLOW", "ENGRAM_ARENA_ZERO" };

/// Sets (or, with null, unsets) the three variables in the real environment.
fn setEnvForTest(values: [3]?[*:0]const u8) !void {
    for (env_names, values) |name, value| {
        if (builtin.os.tag == .windows) {
            try win32SetenvForTest(name, value);
            continue;
        }
        const rc = if (value) |text| setenv(name, text, 1) else unsetenv(name);
        try testing.expectEqual(@as(c_int, 0), rc);
    }
}

/// What Node's `process.env` does on Windows: SetEnvironmentVariableW.
fn win32SetenvForTest(name: [*:0]const u8, value: ?[*:0]const u8) !void {
    var wide_name: [64:0]u16 = undefined;
    var wide_value: [64:0]u16 = undefined;
    for ([_]?[*:0]const u8{ name, value }, [_]*[64:0]u16{ &wide_name, &wide_value }) |text, wide| {
        const narrow = std.mem.sliceTo(text orelse "", 0);
        for (narrow, 0..) |char, i| wide[i] = char;
        wide[narrow.len] = 0;
    }
    const ok = std.os.windows.kernel32.SetEnvironmentVariableW(&wide_name, if (value == null) null else &wide_value);
    try testing.expect(ok != 0);
}

test "config defaults" {
    try testing.expectEqual(@as(usize, 1024 * 1024), ArenaConfig.DEFAULT.size_bytes);
    try testing.expectEqual(OverflowStrategy.error_return, ArenaConfig.DEFAULT.overflow_strategy);
    try testing.expect(ArenaConfig.DEFAULT.zero_on_reset);
    const load = parseEnv(lookupNothing);
    try testing.expectEqual(ArenaConfig.DEFAULT, load.config);
    try testing.expectEqual(@as(u32, 0), load.invalid);
}

test "config from env: valid values" {
    const load = parseEnv(lookupValid);
    try testing.expectEqual(@as(usize, 2 * 1024 * 1024), load.config.size_bytes);
    try testing.expectEqual(OverflowStrategy.fallback, load.config.overflow_strategy);
    try testing.expect(!load.config.zero_on_reset);
    try testing.expectEqual(@as(u32, 0), load.invalid);
}

test "config from env: invalid values are reported and keep the defaults" {
    const load = parseEnv(lookupInvalid);
    try testing.expectEqual(ArenaConfig.DEFAULT, load.config);
    try testing.expectEqual(EnvError.size | EnvError.overflow | EnvError.zero, load.invalid);
}

test "config from env: size limits and strict digits" {
    try testing.expectEqual(@as(?usize, 65536), parseSize("65536"));
    try testing.expectEqual(@as(?usize, 1 << 30), parseSize("1073741824"));
    try testing.expectEqual(@as(?usize, null), parseSize("65535"));
    try testing.expectEqual(@as(?usize, null), parseSize("1073741825"));
    try testing.expectEqual(@as(?usize, null), parseSize("1_048_576"));
    try testing.expectEqual(@as(?usize, null), parseSize("-65536"));
    try testing.expectEqual(@as(?usize, null), parseSize("99999999999999999999999"));
    try testing.expectEqual(@as(?bool, true), parseBool("1"));
    try testing.expectEqual(@as(?bool, false), parseBool("0"));
    try testing.expectEqual(@as(?bool, null), parseBool("yes"));
}

test "config from the real process environment, through libc" {
    defer resetConfig();
    defer setEnvForTest(.{ null, null, null }) catch {};

    try setEnvForTest(.{ "2097152", "panic", "0" });
    resetConfig();
    const config = getConfig();
    try testing.expectEqual(@as(usize, 2097152), config.size_bytes);
    try testing.expectEqual(OverflowStrategy.panic, config.overflow_strategy);
    try testing.expect(!config.zero_on_reset);
    try testing.expectEqual(@as(u32, 0), envErrors());

    try setEnvForTest(.{ "12", "sometimes", "maybe" });
    resetConfig();
    try testing.expectEqual(ArenaConfig.DEFAULT, getConfig());
    try testing.expectEqual(EnvError.size | EnvError.overflow | EnvError.zero, envErrors());
}

test "setConfig validates and replaces; resetConfig reloads" {
    defer resetConfig();
    resetConfig();
    const custom = ArenaConfig{ .size_bytes = 128 * 1024, .overflow_strategy = .fallback, .zero_on_reset = false };
    try setConfig(custom);
    try testing.expectEqual(custom, getConfig());

    const too_small = ArenaConfig{ .size_bytes = 100, .overflow_strategy = .panic, .zero_on_reset = true };
    try testing.expectError(error.InvalidSize, setConfig(too_small));
    const too_large = ArenaConfig{ .size_bytes = max_size_bytes + 1, .overflow_strategy = .panic, .zero_on_reset = true };
    try testing.expectError(error.InvalidSize, setConfig(too_large));
    try testing.expectEqual(custom, getConfig());

    resetConfig();
    try testing.expectEqual(ArenaConfig.fromEnv(), getConfig());
}

test "a config word no store could publish is refused, every published one is read back" {
    const valid = Word.ready(.{ .size_bytes = 128 * 1024, .overflow_strategy = .fallback, .zero_on_reset = true }, EnvError.zero);
    for ([_]Word{ Word.unloaded, Word.loading, valid }) |word| {
        try testing.expectEqual(word, Word.decode(word.bits()).?);
    }
    const phase_three: u64 = 3;
    const loading_with_a_size = Word.loading.bits() | (@as(u64, 1) << 20);
    const unloaded_with_errors = Word.unloaded.bits() | (@as(u64, 1) << 2);
    var no_strategy: RawWord = @bitCast(valid.bits());
    no_strategy.overflow_strategy = 7;
    var no_size: RawWord = @bitCast(valid.bits());
    no_size.size_bytes = 0;
    var too_large: RawWord = @bitCast(valid.bits());
    too_large.size_bytes = max_size_bytes + 1;
    var stray_bits: RawWord = @bitCast(valid.bits());
    stray_bits.unused = 1;
    const corrupt_words = [_]u64{
        phase_three,           loading_with_a_size,  unloaded_with_errors,
        @bitCast(no_strategy), @bitCast(no_size),    @bitCast(too_large),
        @bitCast(stray_bits),  std.math.maxInt(u64),
    };
    for (corrupt_words) |raw| try testing.expectEqual(@as(?Word, null), Word.decode(raw));
}

test "strategy names and values" {
    try testing.expectEqual(OverflowStrategy.panic, OverflowStrategy.fromName("panic").?);
    try testing.expectEqual(OverflowStrategy.error_return, OverflowStrategy.fromName("error_return").?);
    try testing.expectEqual(OverflowStrategy.fallback, OverflowStrategy.fromName("fallback").?);
    try testing.expectEqual(@as(?OverflowStrategy, null), OverflowStrategy.fromName("Fallback"));
    try testing.expectEqual(OverflowStrategy.fallback, OverflowStrategy.fromInt(2).?);
    try testing.expectEqual(@as(?OverflowStrategy, null), OverflowStrategy.fromInt(3));
}

test "getConfig from many threads loads once and agrees" {
    defer resetConfig();
    resetConfig();
    var seen: [8]ArenaConfig = undefined;
    var threads: [8]std.Thread = undefined;
    for (&threads, &seen) |*thread, *slot| {
        thread.* = try std.Thread.spawn(.{}, struct {
            fn run(out: *ArenaConfig) void {
                out.* = getConfig();
            }
        }.run, .{slot});
    }
    for (threads) |thread| thread.join();
    for (seen) |config| try testing.expectEqual(seen[0], config);
    try testing.expectEqual(Phase.ready, Word.load().phase);
}

// ---- racing the first load, through the `env_loader` seam ----

/// The tests' loader: counts its calls and holds the loading phase open until
/// every other racing thread has either begun to wait for it (correct), or
/// returned without waiting, or started a load of its own (both bugs). What
/// the tests assert is the count and the configs returned, never a duration.
const SeamLoader = struct {
    var loads = std.atomic.Value(u32).init(0);
    var entered = std.atomic.Value(bool).init(false);
    /// Threads of the current race that returned from their call.
    var finished = std.atomic.Value(u32).init(0);
    /// Set by the test before each race (published by its release store).
    var others: u32 = 0;
    var wait_starts_base: u64 = 0;
    var result: ArenaConfig = ArenaConfig.DEFAULT;

    /// A bound for a broken build only, so that a bug fails the test rather
    /// than hanging it; a correct build never comes near it.
    const give_up_rounds = 1 << 24;

    fn load() EnvLoad {
        _ = loads.fetchAdd(1, .acq_rel);
        entered.store(true, .release);
        var rounds: u32 = 0;
        while (rounds < give_up_rounds) : (rounds += 1) {
            if (loads.load(.acquire) > 1) break;
            const arrived = (waitStarts() - wait_starts_base) + finished.load(.acquire);
            if (arrived >= others) break;
            std.Thread.yield() catch {};
        }
        return .{ .config = result, .invalid = EnvError.overflow };
    }

    /// Threads of the current race that read the word as unloaded.
    var claimers = std.atomic.Value(u32).init(0);

    /// Holds each thread that found the config unloaded until every racing
    /// thread has: none can claim meanwhile, so all of them read `unloaded`
    /// and then race the claim itself.
    fn holdBeforeClaim() void {
        _ = claimers.fetchAdd(1, .acq_rel);
        var rounds: u32 = 0;
        while (claimers.load(.acquire) < others + 1 and rounds < give_up_rounds) : (rounds += 1) {
            std.Thread.yield() catch {};
        }
    }

    /// Prepares one race: the caller then releases the threads.
    fn arm(config: ArenaConfig, other_threads: u32) void {
        resetConfig();
        claimers.store(0, .monotonic);
        loads.store(0, .monotonic);
        entered.store(false, .monotonic);
        finished.store(0, .monotonic);
        others = other_threads;
        wait_starts_base = waitStarts();
        result = config;
    }
};

fn raceConfig(round: u32) ArenaConfig {
    return .{
        .size_bytes = min_config_size_bytes * (1 + round % 3),
        .overflow_strategy = if (round % 2 == 0) .fallback else .panic,
        .zero_on_reset = round % 2 == 1,
    };
}

const race_threads = 8;
const race_rounds = 2000;

/// State of the 8-thread race, shared by the test and its workers.
const Race = struct {
    var go = std.atomic.Value(u32).init(0);
    var done = std.atomic.Value(u32).init(0);
    var wrong_configs = std.atomic.Value(u32).init(0);
    var wrong_errors = std.atomic.Value(u32).init(0);
    /// Set when the test stopped waiting for a race: the workers leave
    /// rather than wait for a round that will not come.
    var gave_up = std.atomic.Value(bool).init(false);

    fn worker() void {
        var round: u32 = 1;
        while (round <= race_rounds) : (round += 1) {
            var rounds: u32 = 0;
            while (go.load(.acquire) < round) : (rounds += 1) {
                if (gave_up.load(.acquire) or rounds == SeamLoader.give_up_rounds) return;
                std.Thread.yield() catch {};
            }
            const config = getConfig();
            if (!std.meta.eql(config, raceConfig(round))) _ = wrong_configs.fetchAdd(1, .monotonic);
            if (envErrors() != EnvError.overflow) _ = wrong_errors.fetchAdd(1, .monotonic);
            _ = SeamLoader.finished.fetchAdd(1, .acq_rel);
            _ = done.fetchAdd(1, .acq_rel);
        }
    }
};

test "8 threads racing the first getConfig: one load, every thread gets its config (2,000 races)" {
    const saved_loader = env_loader;
    defer env_loader = saved_loader;
    defer resetConfig();
    env_loader = SeamLoader.load;
    before_claim = SeamLoader.holdBeforeClaim;
    defer before_claim = null;
    Race.go.store(0, .monotonic);
    Race.done.store(0, .monotonic);
    Race.wrong_configs.store(0, .monotonic);
    Race.wrong_errors.store(0, .monotonic);
    Race.gave_up.store(false, .monotonic);

    var threads: [race_threads]std.Thread = undefined;
    for (&threads) |*thread| thread.* = try std.Thread.spawn(.{}, Race.worker, .{});
    var races_with_extra_loads: u32 = 0;
    var round: u32 = 1;
    while (round <= race_rounds) : (round += 1) {
        SeamLoader.arm(raceConfig(round), race_threads - 1);
        Race.go.store(round, .release);
        var rounds: u32 = 0;
        while (Race.done.load(.acquire) < round * race_threads) : (rounds += 1) {
            if (rounds == SeamLoader.give_up_rounds) break;
            std.Thread.yield() catch {};
        }
        if (rounds == SeamLoader.give_up_rounds) {
            Race.gave_up.store(true, .release);
            break;
        }
        if (SeamLoader.loads.load(.acquire) != 1) races_with_extra_loads += 1;
    }
    for (threads) |thread| thread.join();
    // Fewer means a worker never returned from a race, or the test gave up.
    try testing.expectEqual(@as(u32, race_rounds * race_threads), Race.done.load(.acquire));
    try testing.expectEqual(@as(u32, 0), races_with_extra_loads);
    try testing.expectEqual(@as(u32, 0), Race.wrong_configs.load(.monotonic));
    try testing.expectEqual(@as(u32, 0), Race.wrong_errors.load(.monotonic));
}

fn getConfigInto(out: *ArenaConfig) void {
    out.* = getConfig();
    _ = SeamLoader.finished.fetchAdd(1, .acq_rel);
}

test "setConfig and resetConfig during the first load wait for it, and their write stays" {
    const saved_loader = env_loader;
    defer env_loader = saved_loader;
    defer resetConfig();
    env_loader = SeamLoader.load;
    const loaded = raceConfig(1);
    const wanted = raceConfig(2);
    for (0..50) |round| {
        // One other thread: this one, writing while the loader holds the phase.
        SeamLoader.arm(loaded, 1);
        var seen: ArenaConfig = undefined;
        const thread = try std.Thread.spawn(.{}, getConfigInto, .{&seen});
        var rounds: u32 = 0;
        while (!SeamLoader.entered.load(.acquire)) : (rounds += 1) {
            if (rounds == SeamLoader.give_up_rounds) {
                thread.join();
                return error.TestLoaderNeverEntered;
            }
            std.Thread.yield() catch {};
        }
        const write_resets = round % 2 == 1;
        if (write_resets) resetConfig() else try setConfig(wanted);
        _ = SeamLoader.finished.fetchAdd(1, .acq_rel);
        thread.join();
        try testing.expectEqual(loaded, seen);
        try testing.expectEqual(@as(u32, 1), SeamLoader.loads.load(.acquire));
        if (write_resets) {
            try testing.expectEqual(Phase.unloaded, Word.load().phase);
        } else {
            try testing.expectEqual(wanted, getConfig());
            // The load's errors stay reported after the set.
            try testing.expectEqual(EnvError.overflow, envErrors());
        }
    }
}
