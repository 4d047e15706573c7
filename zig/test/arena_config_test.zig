//! Tests of arena_config.zig that run a child process, kept out of zig/src/
//! with the child-process helper they share with the allocator tests. They
//! reach the config through its public seams only.

const std = @import("std");
const arena_config = @import("../src/arena_config.zig");
const expectChildAborts = @import("allocator_test.zig").expectChildAborts;

/// A loader that claims the loading phase and never publishes: the thread
/// running it stands for a loader that vanished in mid-load.
const StuckLoader = struct {
    var entered = std.atomic.Value(bool).init(false);

    fn load() arena_config.EnvLoad {
        entered.store(true, .release);
        while (true) std.Thread.sleep(std.time.ns_per_s);
    }

    fn claim() void {
        _ = arena_config.getConfig();
    }

    /// In the child: one thread holds the loading phase for ever, this one
    /// then reads the config and must give up with a panic.
    fn waitForever() void {
        arena_config.resetConfig();
        arena_config.wait_rounds_limit = 1000;
        arena_config.env_loader = load;
        const loader = std.Thread.spawn(.{}, claim, .{}) catch return;
        loader.detach();
        while (!entered.load(.acquire)) std.Thread.yield() catch {};
        _ = arena_config.getConfig();
    }
};

test "a corrupt config word is a loud fault at once (child process)" {
    if (!std.process.can_spawn) return error.SkipZigTest;
    try expectChildAborts(struct {
        fn run() void {
            // Phase 3 exists in no build: read as "loading", it made every
            // caller wait for a loader that was never there.
            arena_config.storeWordForTest(3);
            _ = arena_config.getConfig();
        }
    }.run, "corrupt config word 0x0000000000000003");
}

test "a load that never ends is a loud fault, not an endless spin (child process)" {
    if (!std.process.can_spawn) return error.SkipZigTest;
    try expectChildAborts(StuckLoader.waitForever, "the loading phase never ended");
}
