//! Root of the unit tests `zig build test` runs (never part of the library).
//!
//! Where a Zig test lives, one rule: a module's tests sit at the bottom of
//! zig/src/<module>.zig, beside the code (std's style), unless they would
//! more than double the file; then they move whole to zig/test/<module>_test.zig
//! (allocator, ffi, and arena_config's child-process tests, which share the
//! allocator tests' child-process helper). Suites that span modules are in
//! zig/test/ under the name of what they check: conformance_test.zig
//! (against FixedBufferAllocator, call by call), model_test.zig (a randomised
//! model, built in Debug and ReleaseSafe) and c_abi_test.c (the header, from
//! C, against the ReleaseFast library).
//!
//! Zig runs only the tests of the root module, and a module reaches only
//! files under its root's directory, so this root sits in zig/ to hold both
//! folders in one module. Nothing in zig/src/ imports a test file: the
//! package ships zig/src/ alone.

test {
    _ = @import("src/ffi.zig");
    _ = @import("src/allocator.zig");
    _ = @import("src/arena_config.zig");
    _ = @import("src/arena_metrics.zig");
    _ = @import("src/atomic_u64.zig");
    _ = @import("src/thread_registry.zig");
    _ = @import("test/allocator_test.zig");
    _ = @import("test/conformance_test.zig");
    _ = @import("test/ffi_test.zig");
    _ = @import("test/arena_config_test.zig");
}
