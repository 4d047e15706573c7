//! The process-wide arena configuration: the defaults for the thread arena and
//! for arenas created without explicit options.
//!
//! The config is loaded from the environment on first use, exactly once even
//! when several threads race for it (a 0/1/2 state machine). It is stored
//! packed in one atomic word so that a reader never sees half of a concurrent
//! `setConfig`.

const std = @import("std");
const builtin = @import("builtin");
const assert = std.debug.assert;

/// What an arena does with a request that does not fit. The values are the
/// ENGRAM_OVERFLOW_* constants of the C header.
pub const OverflowStrategy = enum(u8) {
    /// Abort the process with a message naming the request and the capacity.
    panic = 0,
    /// Return `error.OutOfMemory` to the caller.
    error_return = 1,
    /// Serve the request from the general heap until the arena's next reset.
    fallback = 2,

    /// Parses the name used by ENGRAM_ARENA_OVERFLOW; null for anything else.
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

/// Smallest pool size accepted from the environment or `setConfig`.
pub const min_pool_size_bytes: usize = 64 * 1024;
/// Largest pool size (and arena capacity) accepted anywhere.
pub const max_pool_size_bytes: usize = 1024 * 1024 * 1024;

/// Bits of `envErrors()`: variables that were present but invalid.
pub const EnvError = struct {
    /// ENGRAM_ARENA_SIZE was not a decimal byte count within the limits.
    pub const size: u32 = 1;
    /// ENGRAM_ARENA_OVERFLOW named no strategy.
    pub const overflow: u32 = 2;
    /// ENGRAM_ARENA_ZERO was not one of true, false, 1, 0.
    pub const zero: u32 = 4;
};

/// Global defaults for new arenas.
pub const ArenaConfig = struct {
    /// Capacity of the thread arena and of arenas created from the config.
    pool_size: usize,
    overflow_strategy: OverflowStrategy,
    /// Whether reset zeroes the bytes handed out since the previous reset.
    zero_on_reset: bool,

    /// 1 MiB, errors on overflow, zeroes on reset: safe before fast.
    pub const DEFAULT = ArenaConfig{
        .pool_size = 1024 * 1024,
        .overflow_strategy = .error_return,
        .zero_on_reset = true,
    };

    /// Errors `validate` reports.
    pub const Error = error{ InvalidSize, InvalidArgument };

    /// Checks the limits `setConfig` enforces.
    pub fn validate(config: ArenaConfig) Error!void {
        if (config.pool_size < min_pool_size_bytes or config.pool_size > max_pool_size_bytes) {
            return error.InvalidSize;
        }
    }

    /// The config the process environment asks for; invalid variables keep
    /// their default.
    pub fn fromEnv() ArenaConfig {
        return loadEnv().config;
    }
};

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
            load.config.pool_size = size_bytes;
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
    if (size_bytes < min_pool_size_bytes or size_bytes > max_pool_size_bytes) return null;
    return @intCast(size_bytes);
}

fn parseBool(text: []const u8) ?bool {
    if (std.mem.eql(u8, text, "true") or std.mem.eql(u8, text, "1")) return true;
    if (std.mem.eql(u8, text, "false") or std.mem.eql(u8, text, "0")) return false;
    return null;
}

/// The config as one word: 30 bits of size would do, a u32 is simpler.
const Packed = packed struct(u64) {
    pool_size: u32,
    overflow_strategy: OverflowStrategy,
    zero_on_reset: bool,
    unused: u23 = 0,

    fn pack(config: ArenaConfig) u64 {
        return @bitCast(Packed{
            .pool_size = @intCast(config.pool_size),
            .overflow_strategy = config.overflow_strategy,
            .zero_on_reset = config.zero_on_reset,
        });
    }

    fn unpack(word: u64) ArenaConfig {
        const fields: Packed = @bitCast(word);
        return .{
            .pool_size = fields.pool_size,
            .overflow_strategy = fields.overflow_strategy,
            .zero_on_reset = fields.zero_on_reset,
        };
    }
};

comptime {
    assert(max_pool_size_bytes <= std.math.maxInt(u32));
}

const State = enum(u8) { unloaded = 0, busy = 1, ready = 2 };

var config_state = std.atomic.Value(State).init(.unloaded);
var config_word = std.atomic.Value(u64).init(0);
var env_errors = std.atomic.Value(u32).init(0);

/// The config in force, loaded from the environment on first use.
pub fn getConfig() ArenaConfig {
    if (config_state.load(.acquire) == .ready) return Packed.unpack(config_word.load(.acquire));
    if (config_state.cmpxchgStrong(.unloaded, .busy, .acquire, .acquire) == null) {
        const load = loadEnv();
        env_errors.store(load.invalid, .release);
        config_word.store(Packed.pack(load.config), .release);
        config_state.store(.ready, .release);
        return load.config;
    }
    // Another thread loads or writes the config: that takes microseconds.
    while (config_state.load(.acquire) != .ready) {
        if (config_state.load(.acquire) == .unloaded) return getConfig();
        std.atomic.spinLoopHint();
    }
    return Packed.unpack(config_word.load(.acquire));
}

/// Replaces the whole config after validating it; arenas created later use it.
pub fn setConfig(config: ArenaConfig) ArenaConfig.Error!void {
    try config.validate();
    lockForWrite();
    config_word.store(Packed.pack(config), .release);
    config_state.store(.ready, .release);
}

/// Forgets the config, so that the next read loads the environment again.
pub fn resetConfig() void {
    lockForWrite();
    env_errors.store(0, .release);
    config_state.store(.unloaded, .release);
}

/// `EnvError` bits of the variables rejected at the last load from the
/// environment (0 when the config was set without loading it).
pub fn envErrors() u32 {
    _ = getConfig();
    return env_errors.load(.acquire);
}

/// Writers take the `busy` state as a tiny spin lock, from either stable state.
fn lockForWrite() void {
    while (true) {
        const current = config_state.load(.acquire);
        if (current != .busy and config_state.cmpxchgWeak(current, .busy, .acquire, .acquire) == null) return;
        std.atomic.spinLoopHint();
    }
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
    try testing.expectEqual(@as(usize, 1024 * 1024), ArenaConfig.DEFAULT.pool_size);
    try testing.expectEqual(OverflowStrategy.error_return, ArenaConfig.DEFAULT.overflow_strategy);
    try testing.expect(ArenaConfig.DEFAULT.zero_on_reset);
    const load = parseEnv(lookupNothing);
    try testing.expectEqual(ArenaConfig.DEFAULT, load.config);
    try testing.expectEqual(@as(u32, 0), load.invalid);
}

test "config from env: valid values" {
    const load = parseEnv(lookupValid);
    try testing.expectEqual(@as(usize, 2 * 1024 * 1024), load.config.pool_size);
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
    try testing.expectEqual(@as(usize, 2097152), config.pool_size);
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
    const custom = ArenaConfig{ .pool_size = 128 * 1024, .overflow_strategy = .fallback, .zero_on_reset = false };
    try setConfig(custom);
    try testing.expectEqual(custom, getConfig());

    const too_small = ArenaConfig{ .pool_size = 100, .overflow_strategy = .panic, .zero_on_reset = true };
    try testing.expectError(error.InvalidSize, setConfig(too_small));
    const too_large = ArenaConfig{ .pool_size = max_pool_size_bytes + 1, .overflow_strategy = .panic, .zero_on_reset = true };
    try testing.expectError(error.InvalidSize, setConfig(too_large));
    try testing.expectEqual(custom, getConfig());

    resetConfig();
    try testing.expectEqual(ArenaConfig.fromEnv(), getConfig());
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
    try testing.expectEqual(State.ready, config_state.load(.acquire));
}
