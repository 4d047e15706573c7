//! Which thread-arena handles lead to storage that is gone.
//!
//! A thread arena's C handle is the address of a thread-local slot. When its
//! thread exits, that storage is freed, and may later hold anything, another
//! thread's slot included. A C host may still hold the handle, so the C ABI
//! asks `isExited` before it reads through any handle: an address recorded
//! at a thread's exit and not reused since answers yes.
//!
//! Addresses are registered when a thread makes its arena (the only moment
//! this module allocates, so that the exit hook never has to) and marked at
//! the thread's exit by a POSIX thread-specific-data destructor. Elsewhere
//! (Windows) no exit is seen, and a handle keeps its old behaviour.
//!
//! The check costs one atomic load while no thread with an arena has
//! exited; after that, a lock and a hash lookup.

const std = @import("std");
const builtin = @import("builtin");
const assert = std.debug.assert;

/// Whether this target runs a hook at each thread's exit.
pub const sees_thread_exit = builtin.link_libc and builtin.os.tag != .windows and builtin.os.tag != .wasi;

const Status = enum { live, exited };

const Registry = struct {
    mutex: std.Thread.Mutex = .{},
    slots: std.AutoHashMapUnmanaged(usize, Status) = .{},
    /// Slots marked `exited`; read without the lock for the fast answer.
    exited_count: std.atomic.Value(u32) = std.atomic.Value(u32).init(0),
    /// The key whose destructor marks a slot at its thread's exit.
    exit_key: if (sees_thread_exit) ?std.c.pthread_key_t else void = if (sees_thread_exit) null else {},
};

var registry: Registry = .{};

const backing_allocator: std.mem.Allocator = if (builtin.link_libc) std.heap.c_allocator else std.heap.page_allocator;

/// Called at the exit of a thread whose slot `register` recorded, with the
/// slot's address; set by `register`'s caller.
pub const ExitHook = *const fn (slot_address: usize) void;

var exit_hook: ?ExitHook = null;

fn onThreadExit(value: *anyopaque) callconv(.C) void {
    const slot_address = @intFromPtr(value);
    if (exit_hook) |hook| hook(slot_address);
    markExited(slot_address);
}

/// Records the calling thread's slot at `slot_address` as live, and arranges
/// for `hook` and then `markExited` to run at the thread's exit. Fails only
/// when the record cannot be reserved.
pub fn register(slot_address: usize, hook: ExitHook) error{OutOfMemory}!void {
    assert(slot_address != 0);
    registry.mutex.lock();
    defer registry.mutex.unlock();
    const entry = try registry.slots.getOrPut(backing_allocator, slot_address);
    if (entry.found_existing and entry.value_ptr.* == .exited) {
        // A new thread's storage where an exited one's was: live again.
        _ = registry.exited_count.fetchSub(1, .release);
    }
    entry.value_ptr.* = .live;
    exit_hook = hook;
    if (!sees_thread_exit) return;
    const key = registry.exit_key orelse blk: {
        var key: std.c.pthread_key_t = undefined;
        if (std.c.pthread_key_create(&key, onThreadExit) != .SUCCESS) {
            _ = registry.slots.remove(slot_address);
            return error.OutOfMemory;
        }
        registry.exit_key = key;
        break :blk key;
    };
    if (std.c.pthread_setspecific(key, @ptrFromInt(slot_address)) != 0) {
        _ = registry.slots.remove(slot_address);
        return error.OutOfMemory;
    }
}

/// Records that the storage at `slot_address` is gone. Allocates nothing:
/// the record exists since `register`.
pub fn markExited(slot_address: usize) void {
    registry.mutex.lock();
    defer registry.mutex.unlock();
    const status = registry.slots.getPtr(slot_address) orelse return;
    if (status.* == .exited) return;
    status.* = .exited;
    _ = registry.exited_count.fetchAdd(1, .release);
    assert(registry.exited_count.load(.monotonic) <= registry.slots.count());
}

/// Whether `address` is a slot whose thread has exited, so that nothing may
/// be read through it.
pub fn isExited(address: usize) bool {
    if (registry.exited_count.load(.acquire) == 0) return false;
    registry.mutex.lock();
    defer registry.mutex.unlock();
    const status = registry.slots.get(address) orelse return false;
    return status == .exited;
}

/// Forgets `address`: memory there now holds something else (a new heap
/// handle), which is valid whatever was there before.
pub fn forget(address: usize) void {
    if (registry.exited_count.load(.acquire) == 0) return;
    registry.mutex.lock();
    defer registry.mutex.unlock();
    const removed = registry.slots.fetchRemove(address) orelse return;
    if (removed.value == .exited) _ = registry.exited_count.fetchSub(1, .release);
}

const testing = std.testing;

fn noHook(_: usize) void {}

test "an address is exited from markExited until it is registered again or forgotten" {
    var slots: [2]u64 = undefined;
    const first = @intFromPtr(&slots[0]);
    const second = @intFromPtr(&slots[1]);
    try testing.expect(!isExited(first));
    try register(first, noHook);
    try register(second, noHook);
    try testing.expect(!isExited(first));
    markExited(first);
    markExited(first);
    try testing.expect(isExited(first));
    try testing.expect(!isExited(second));
    try register(first, noHook);
    try testing.expect(!isExited(first));
    markExited(first);
    markExited(second);
    forget(first);
    try testing.expect(!isExited(first));
    try testing.expect(isExited(second));
    forget(second);
    try testing.expectEqual(@as(u32, 0), registry.exited_count.load(.monotonic));
    if (sees_thread_exit) _ = std.c.pthread_setspecific(registry.exit_key.?, null);
}
