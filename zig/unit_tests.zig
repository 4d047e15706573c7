//! Root of the unit tests `zig build test` runs (never part of the library).
//!
//! The library's sources in zig/src/ carry the tests that sit beside their
//! code; the test files in zig/test/ carry the rest. Zig runs only the tests
//! of the root module, and a module reaches only files under its root's
//! directory, so this root sits in zig/ to hold both in one module. Nothing
//! in zig/src/ imports a test file: the package ships zig/src/ alone.

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
