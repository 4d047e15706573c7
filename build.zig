//! `zig build` installs zig-out/lib/libengram_arena.a and
//! zig-out/include/engram_arena.h from zig/src/ and zig/include/ alone (what
//! the package ships); `zig build test` runs the Zig unit tests (root
//! zig/unit_tests.zig), the randomised model test and the C ABI test program,
//! all from zig/test/. For a foreign target add -fqemu, and for a glibc one
//! --glibc-runtimes DIR with DIR/<triple>/lib holding its loader, e.g.
//! `zig build test -Dtarget=arm-linux-gnueabihf -fqemu --glibc-runtimes /usr`
//! with Debian's qemu-user and libc6-armhf-cross.
//! `node zig/test/mutants.js` checks that those tests catch known regressions.

const std = @import("std");

pub fn build(b: *std.Build) void {
    const target = b.standardTargetOptions(.{});
    const optimize = libraryOptimizeMode(b);

    const lib = b.addStaticLibrary(.{
        .name = "engram_arena",
        .root_source_file = b.path("zig/src/ffi.zig"),
        .target = target,
        .optimize = optimize,
        .link_libc = true,
        // A Node addon is a shared object: every object linked into it must be PIC.
        .pic = true,
    });
    // The host linker (for a .node file, the C++ toolchain) does not know
    // Zig's builtins, so they travel inside the archive.
    // Hosts without Zig's builtins (a C++ toolchain's linker) need them in the
    // archive. A host with its own (gcc's libgcc) may leave them out: bundled,
    // compiler_rt's memset and memcpy would shadow libc's faster ones in the
    // whole addon (measured: reset zeroing 1.6x slower).
    lib.bundle_compiler_rt = b.option(bool, "bundle-compiler-rt", "Put Zig's compiler_rt in the archive (default true)") orelse true;
    lib.installHeader(b.path("zig/include/engram_arena.h"), "engram_arena.h");
    lib.installHeader(b.path("zig/include/engram_arena_abi.h"), "engram_arena_abi.h");
    b.installArtifact(lib);

    const test_step = b.step("test", "Run the Zig unit tests, the model test and the C ABI test");
    addUnitTests(b, test_step, target);
    addModelTests(b, test_step, target);
    addCAbiTests(b, test_step, target, lib);
    addLinkChecks(b, test_step, target, lib);
    addAbiGen(b, test_step);

    addBench(b, target);
}

/// `zig build gen` writes zig/include/engram_arena_abi.h and lib/abi.ts from
/// zig/src/abi.zig; `zig build test` fails when they differ from what it
/// would write. Both are committed: users build without Zig's help.
fn addAbiGen(b: *std.Build, test_step: *std.Build.Step) void {
    const generator = b.addExecutable(.{
        .name = "gen_abi",
        .root_source_file = b.path("zig/tools/gen_abi.zig"),
        .target = b.graph.host,
        .optimize = .Debug,
    });
    generator.root_module.addAnonymousImport("abi", .{ .root_source_file = b.path("zig/src/abi.zig") });
    const outputs = [_][]const u8{ "zig/src/abi.zig", "zig/include/engram_arena_abi.h", "lib/abi.ts" };
    inline for (.{ "write", "check" }, .{ b.step("gen", "Write the header and the TypeScript generated from zig/src/abi.zig"), test_step }) |mode, step| {
        const run = b.addRunArtifact(generator);
        run.addArg(mode);
        for (outputs) |path| run.addArg(b.pathFromRoot(path));
        // The files are inputs of the check and outputs of the write: rerun every time.
        run.has_side_effects = true;
        step.dependOn(&run.step);
    }
}

/// ReleaseFast unless -Doptimize or --release says otherwise: the library is
/// built for users, while `zig build test` always builds its tests in Debug.
fn libraryOptimizeMode(b: *std.Build) std.builtin.OptimizeMode {
    const chosen = b.option(std.builtin.OptimizeMode, "optimize", "Optimisation of the library (default ReleaseFast)");
    if (chosen) |mode| return mode;
    return switch (b.release_mode) {
        .off, .any, .fast => .ReleaseFast,
        .safe => .ReleaseSafe,
        .small => .ReleaseSmall,
    };
}

/// `zig build bench`: the core against FixedBufferAllocator and malloc, and
/// reset zeroing against @memset, always in ReleaseFast. A timing, not a test.
fn addBench(b: *std.Build, target: std.Build.ResolvedTarget) void {
    const quick = b.option(bool, "bench-quick", "Make `zig build bench` a smoke run of a second or two") orelse false;
    const core = b.createModule(.{
        .root_source_file = b.path("zig/src/allocator.zig"),
        .target = target,
        .optimize = .ReleaseFast,
        .link_libc = true,
    });
    const exe = b.addExecutable(.{
        .name = "engram_arena_bench",
        .root_source_file = b.path("zig/bench/bench.zig"),
        .target = target,
        .optimize = .ReleaseFast,
        .link_libc = true,
    });
    exe.root_module.addImport("engram_arena", core);
    const run = b.addRunArtifact(exe);
    run.has_side_effects = true;
    if (quick) run.addArg("--quick");
    if (b.args) |args| run.addArgs(args);
    const bench_step = b.step("bench", "Benchmark the core against FixedBufferAllocator, malloc and @memset");
    bench_step.dependOn(&run.step);
}

/// The tests beside the code in zig/src/ and the files of zig/test/, from one
/// root that only this step uses: the library and the package never see them.
fn addUnitTests(b: *std.Build, test_step: *std.Build.Step, target: std.Build.ResolvedTarget) void {
    const unit_tests = b.addTest(.{
        .name = "engram_arena_unit",
        .root_source_file = b.path("zig/unit_tests.zig"),
        .target = target,
        .optimize = .Debug,
        .link_libc = true,
    });
    test_step.dependOn(&b.addRunArtifact(unit_tests).step);
}

fn addModelTests(b: *std.Build, test_step: *std.Build.Step, target: std.Build.ResolvedTarget) void {
    const core = b.createModule(.{
        .root_source_file = b.path("zig/src/allocator.zig"),
        .target = target,
        .link_libc = true,
    });
    for ([_]std.builtin.OptimizeMode{ .Debug, .ReleaseSafe }) |mode| {
        const model_tests = b.addTest(.{
            .name = b.fmt("engram_arena_model_{s}", .{@tagName(mode)}),
            .root_source_file = b.path("zig/test/model_test.zig"),
            .target = target,
            .optimize = mode,
            .link_libc = true,
        });
        model_tests.root_module.addImport("engram_arena", core);
        test_step.dependOn(&b.addRunArtifact(model_tests).step);
    }
}

fn addCAbiTests(
    b: *std.Build,
    test_step: *std.Build.Step,
    target: std.Build.ResolvedTarget,
    lib: *std.Build.Step.Compile,
) void {
    const exe = b.addExecutable(.{
        .name = "c_abi_test",
        .target = target,
        .optimize = .Debug,
        .link_libc = true,
    });
    exe.addCSourceFile(.{
        .file = b.path("zig/test/c_abi_test.c"),
        .flags = &.{ "-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic" },
    });
    exe.addIncludePath(b.path("zig/include"));
    exe.linkLibrary(lib);

    const plain = cAbiRun(b, exe, "plain", &.{});
    plain.expectExitCode(0);
    test_step.dependOn(&plain.step);

    const from_env = cAbiRun(b, exe, "env", &.{
        .{ "ENGRAM_ARENA_SIZE", "2097152" },
        .{ "ENGRAM_ARENA_ZERO", "false" },
        .{ "ENGRAM_ARENA_OVERFLOW", "fallback" },
    });
    from_env.expectExitCode(0);
    test_step.dependOn(&from_env.step);

    const bad_env = cAbiRun(b, exe, "bad-env", &.{
        .{ "ENGRAM_ARENA_SIZE", "1k" },
        .{ "ENGRAM_ARENA_ZERO", "yes" },
        .{ "ENGRAM_ARENA_OVERFLOW", "explode" },
    });
    bad_env.expectExitCode(0);
    test_step.dependOn(&bad_env.step);

    // The panic strategy must abort the host with the request in the message.
    const panics = cAbiRun(b, exe, "panic", &.{});
    panics.addCheck(.{ .expect_stderr_match = "engram arena overflow: requested 4096 bytes aligned to 64, arena size 65536 bytes" });
    panics.addCheck(.{ .expect_term = .{ .Signal = std.posix.SIG.ABRT } });
    test_step.dependOn(&panics.step);

    // A corrupt config word must abort the host at once, in the shipped build too.
    const corrupt = cAbiRun(b, exe, "corrupt-config", &.{});
    corrupt.addCheck(.{ .expect_stderr_match = "engram arena config: corrupt config word 0x0000000000000003" });
    corrupt.addCheck(.{ .expect_term = .{ .Signal = std.posix.SIG.ABRT } });
    test_step.dependOn(&corrupt.step);
}

const EnvVar = struct { []const u8, []const u8 };

/// Runs the C test in `mode` with exactly the given ENGRAM_ARENA_* variables.
fn cAbiRun(b: *std.Build, exe: *std.Build.Step.Compile, mode: []const u8, env: []const EnvVar) *std.Build.Step.Run {
    const run = b.addRunArtifact(exe);
    run.setName(b.fmt("c_abi_test {s}", .{mode}));
    run.addArg(mode);
    for ([_][]const u8{ "ENGRAM_ARENA_SIZE", "ENGRAM_ARENA_ZERO", "ENGRAM_ARENA_OVERFLOW" }) |name| {
        run.removeEnvironmentVariable(name);
    }
    for (env) |pair| run.setEnvironmentVariable(pair[0], pair[1]);
    return run;
}

/// The archive exports every function the header declares, and a shared
/// object built from it (as a Node addon is) needs no static TLS.
fn addLinkChecks(
    b: *std.Build,
    test_step: *std.Build.Step,
    target: std.Build.ResolvedTarget,
    lib: *std.Build.Step.Compile,
) void {
    if (target.result.ofmt != .elf) return;
    // CheckObject reads ELF64 headers only (Zig 0.14): on a 32-bit target
    // such as armv7 it misreads the archive and crashes the build runner.
    if (target.result.ptrBitWidth() != 64) return;
    const symbols = lib.checkObject();
    // Each check scans the symbol table from its start: the order differs.
    for (headerFunctionNames(b)) |name| {
        symbols.checkInArchiveSymtab();
        symbols.checkContains(name);
    }
    test_step.dependOn(&symbols.step);

    const probe = b.addSharedLibrary(.{
        .name = "engram_tls_probe",
        .target = target,
        .optimize = .ReleaseFast,
        .link_libc = true,
    });
    probe.addCSourceFile(.{ .file = b.path("zig/test/tls_probe.c"), .flags = &.{"-std=c11"} });
    probe.addIncludePath(b.path("zig/include"));
    probe.linkLibrary(lib);
    const tls = probe.checkObject();
    tls.checkInDynamicSection();
    tls.checkNotPresent("STATIC_TLS");
    test_step.dependOn(&tls.step);
}

/// Names of the functions zig/include/engram_arena.h declares: every
/// `engram_*` identifier directly followed by an opening parenthesis.
fn headerFunctionNames(b: *std.Build) []const []const u8 {
    const header = b.build_root.handle.readFileAlloc(b.allocator, "zig/include/engram_arena.h", 1 << 20) catch
        @panic("cannot read zig/include/engram_arena.h");
    var names = std.ArrayList([]const u8).init(b.allocator);
    var index: usize = 0;
    while (std.mem.indexOfPos(u8, header, index, "engram_")) |start| {
        var end = start;
        while (end < header.len and (std.ascii.isAlphanumeric(header[end]) or header[end] == '_')) end += 1;
        index = end;
        if (end < header.len and header[end] == '(') names.append(header[start..end]) catch @panic("OOM");
    }
    return names.items;
}
