// Prebuilds for every platform, cross-compiled by Zig from this machine
// (`npm run prebuild:all`): each binary is checked without running it (file
// format, CPU, exported Node-API entry point, imports, glibc versions, debug
// info), the linux-x64 glibc one is loaded by this Node, the linux-arm64 and
// linux-arm glibc ones for real by official Node builds under qemu-user, and
// (when wine is set up) the win32-x64 one by Node for Windows under wine, also
// renamed. win32-arm64 is checked statically only: wine runs x64 code alone.
//
// beforeAll runs scripts/prebuild-all.js (cmake-js per target, with
// cmake/zig-toolchain.cmake): Zig's and CMake's caches make that about 5 s
// when nothing changed, a few minutes after a change to the Zig or C++
// sources, and up to about 15 minutes on a machine whose Zig cache is empty
// (libc++ is compiled once per target).
import { execFile, type SpawnSyncOptions, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { prebuildPath } from '../../dist/loader.js';
import { prebuildScripts, type Report } from '../fixtures/prebuild-scripts';

const root = path.join(__dirname, '..', '..');
const load = createRequire(__filename);

const { TARGETS, outputPath, workPath, verifyPrebuild, formatReport, compareVersions } = prebuildScripts;

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  error?: Error;
}
type RunOptions = { env?: Record<string, string | undefined>; timeout?: number };
const qemu = load('../fixtures/qemu/qemu.js') as {
  GUESTS: Record<'arm64' | 'armhf', { node: { pkg: string; version: string } }>;
  guestNodeName: (arch: 'arm64' | 'armhf') => string;
  smokePrerequisites: (arch?: 'arm64' | 'armhf') => { missing: string; fix: string } | null;
  runGuestNodeAsync: (arch: 'arm64' | 'armhf', args: string[], options?: RunOptions) => Promise<Run>;
};
const wine = load('../fixtures/wine/wine.js') as {
  smokePrerequisites: () => { missing: string; fix: string } | null;
  runWindowsNodeAsync: (args: string[], options?: RunOptions & { executable?: string }) => Promise<Run>;
  renamedNodeExe: () => string;
};

const FORMAT = { linux: 'elf', darwin: 'macho', win32: 'pe' } as const;
const MiB = 1024 * 1024;

function run(command: string, args: string[], options: SpawnSyncOptions = {}) {
  const started = Date.now();
  const result = spawnSync(command, args, { cwd: root, encoding: 'utf8', maxBuffer: 64 * MiB, ...options });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  return { ...result, output, seconds: (Date.now() - started) / 1000 };
}

/**
 * Runs a command without blocking the event loop: a long spawnSync starves
 * vitest's worker RPC ("Timeout calling onTaskUpdate").
 */
function runAsync(command: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  const started = Date.now();
  return new Promise<{ status: number | null; output: string; stdout: string; seconds: number }>((resolve) => {
    execFile(command, args, { cwd: root, env, encoding: 'utf8', maxBuffer: 64 * MiB }, (error, stdout, stderr) => {
      const status = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({
        status,
        stdout,
        output: `${stdout}${stderr}${error && status === null ? error.message : ''}`,
        seconds: (Date.now() - started) / 1000,
      });
    });
  });
}

/** This process's environment without the suite's build/Release override. */
function envWithout(...names: string[]): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of names) delete env[name];
  return env;
}

const reports = new Map<string, Report>();

beforeAll(async () => {
  const build = await runAsync(process.execPath, [path.join(root, 'scripts', 'prebuild-all.js'), '--no-verify']);
  if (build.status !== 0)
    throw new Error(`scripts/prebuild-all.js failed (exit ${build.status}):\n${build.output.slice(-6000)}`);
  console.log(`prebuild-all: ${build.seconds.toFixed(1)} s`);
  for (const target of TARGETS) {
    // The linker's own output: nothing else writes there (npm run prebuild
    // also writes prebuilds/linux-x64/, with the host compiler).
    const report = verifyPrebuild(workPath(target), target);
    reports.set(target.id, report);
    console.log(formatReport(report));
  }
}, 45 * 60_000);

describe('npm run prebuild:all', () => {
  describe.each(TARGETS.map((t) => [t.id, t] as const))('%s', (_id, target) => {
    it('is where the loader looks, identical to what the linker wrote', () => {
      const shipped = prebuildPath(target.platform, target.arch, target.libc, root);
      expect(fs.existsSync(shipped)).toBe(true);
      // linux-x64 glibc may have been replaced meanwhile by `npm run prebuild` (pack.test.ts).
      if (target.id !== 'linux-x64-glibc')
        expect(fs.readFileSync(shipped).equals(fs.readFileSync(workPath(target)))).toBe(true);
    });

    it("has the platform's file format and the target CPU", () => {
      const report = reports.get(target.id)!;
      expect(report.format).toBe(FORMAT[target.platform]);
      expect(report.arch).toBe(target.arch);
    });

    it('exports the Node-API registration symbol', () => {
      expect(reports.get(target.id)!.exports).toContain('napi_register_module_v1');
    });

    it('imports only libc, the C++ runtime and Node-API, and carries no debug info', () => {
      const report = reports.get(target.id)!;
      expect(report.problems).toEqual([]);
      expect(report.debugSections).toEqual([]);
      // The C++ runtime is linked in: no libstdc++/libc++ to find at run time.
      expect(
        report.libraries.filter((lib) => /libstdc\+\+|libc\+\+|libgcc_s|libunwind|libwinpthread/i.test(lib)),
      ).toEqual([]);
      // Arena memory is the engine's: the binary asks for an ArrayBuffer's
      // bytes and never makes an external buffer (which Electron refuses).
      const external = /^napi_create_external_(arraybuffer|buffer)$/;
      if (target.platform === 'win32') {
        // Node-API comes from the host executable, looked up by name at load time.
        expect(
          report.imports.filter((imp) => /^(napi_|node_api_)/.test(imp.name) || /\.exe$/i.test(imp.from ?? '')),
        ).toEqual([]);
        // Every Node-API 8 name is looked up there (scripts/node-api-host.js), used or not.
        expect(report.hostLookups).toContain('napi_get_arraybuffer_info');
      } else {
        expect(report.imports.some((imp) => imp.name === 'napi_get_arraybuffer_info')).toBe(true);
        expect(report.imports.filter((imp) => external.test(imp.name))).toEqual([]);
      }
      expect(report.size!).toBeLessThan(2 * MiB);
    });

    if (target.libc === 'glibc') {
      it(`needs no glibc symbol version newer than ${target.glibc}`, () => {
        const report = reports.get(target.id)!;
        expect(report.glibcMax).toBeTruthy();
        expect(compareVersions(report.glibcMax!, target.glibc!)).toBeLessThanOrEqual(0);
        const versions = report.imports.map((imp) => imp.version).filter((v): v is string => Boolean(v));
        expect(versions.length).toBeGreaterThan(0);
        for (const version of versions) expect(version).toMatch(/^GLIBC_2\.(1[0-7]|[0-9])(\.[0-9]+)?$/);
      });
    }
  });

  it("builds armv7 (linux-arm-glibc) as Debian's armhf ABI with the glibc 2.17 floor", () => {
    const arm = TARGETS.find((t) => t.id === 'linux-arm-glibc');
    expect(arm).toMatchObject({
      platform: 'linux',
      arch: 'arm',
      libc: 'glibc',
      zig: 'arm-linux-gnueabihf.2.17',
      glibc: '2.17',
    });
  });

  it('the verifier rejects binaries that would not load', () => {
    // Each binary checked against the wrong target (test/unit/host-binary.test.ts
    // checks this Node, an executable without the registration symbol).
    const arm = verifyPrebuild(workPath(TARGETS.find((t) => t.id === 'linux-arm64-glibc')!), {
      platform: 'linux',
      arch: 'x64',
      libc: 'glibc',
    });
    expect(arm.problems).toContain('machine is arm64, expected x64');
    const mac = verifyPrebuild(workPath(TARGETS.find((t) => t.id === 'darwin-x64')!), {
      platform: 'linux',
      arch: 'x64',
      libc: 'musl',
    });
    expect(mac.problems).toContain('format is macho, expected elf');
    const windowsArm = verifyPrebuild(workPath(TARGETS.find((t) => t.id === 'win32-arm64')!), {
      platform: 'win32',
      arch: 'x64',
    });
    expect(windowsArm.problems).toContain('machine is arm64, expected x64');
    const musl = verifyPrebuild(workPath(TARGETS.find((t) => t.id === 'linux-x64-musl')!), {
      platform: 'linux',
      arch: 'x64',
      libc: 'glibc',
    });
    expect(musl.problems.join('\n')).toMatch(/needs library libc\.so,|unversioned/);
  });

  it('keeps the packed tarball under 10 MiB with all nine prebuilds', () => {
    const npm = (process.env.PATH ?? '')
      .split(path.delimiter)
      .map((d) => path.join(d, 'npm'))
      .find((p) => fs.existsSync(p));
    expect(npm, 'npm on PATH').toBeTruthy();
    const packed = run(process.execPath, [fs.realpathSync(npm!), 'pack', '--dry-run', '--json', '--ignore-scripts'], {
      env: envWithout('npm_config_dry_run'),
    });
    expect(packed.status, packed.output).toBe(0);
    const out = packed.stdout as string;
    const [info] = JSON.parse(out.slice(out.indexOf('['), out.lastIndexOf(']') + 1));
    const files = info.files.map((f: { path: string }) => f.path);
    for (const target of TARGETS)
      expect(files).toContain(path.relative(root, outputPath(target)).split(path.sep).join('/'));
    console.log(`npm pack: ${info.size} bytes packed, ${info.unpackedSize} unpacked, ${info.entryCount} files`);
    expect(info.size).toBeLessThan(10 * MiB);
  }, 120_000);
});

describe('loading the cross-compiled binaries', () => {
  const hostGlibc =
    process.platform === 'linux' &&
    process.arch === 'x64' &&
    Boolean(
      (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } })?.header?.glibcVersionRuntime,
    );

  it.skipIf(!hostGlibc)('the linux-x64 glibc prebuild runs in this Node', async () => {
    const smoke = await runAsync(process.execPath, [path.join(__dirname, '..', 'fixtures', 'qemu', 'smoke.cjs')], {
      ...process.env,
      ENGRAM_ARENA_BINARY: workPath(TARGETS.find((t) => t.id === 'linux-x64-glibc')!),
      ENGRAM_ARENA_SIZE: '2097152',
    });
    expect(smoke.status, smoke.output).toBe(0);
    const result = JSON.parse(smoke.stdout);
    expect(result).toMatchObject({ ok: true, arch: 'x64', size: 2097152, fromWorker: 3 * 4096 });
    expect(result.binary).toBe(path.join('build', 'cross', 'linux-x64-glibc', 'engram-arena.napi.glibc.node'));
  });

  // The official Node build pinned for each ARM guest (qemu.js GUESTS), under
  // qemu-user; no ENGRAM_ARENA_BINARY: the loader itself must pick
  // prebuilds/<platform>-<arch>/*.glibc.node.
  const guests = [
    { guest: 'arm64', arch: 'arm64', id: 'linux-arm64-glibc', platform: 'linux-arm64' },
    { guest: 'armhf', arch: 'arm', id: 'linux-arm-glibc', platform: 'linux-arm (armv7)' },
  ] as const;
  for (const { guest, arch, id, platform } of guests) {
    const title = `the ${platform} glibc prebuild runs in the official ${qemu.guestNodeName(guest)} under qemu-user, found by the loader`;
    const blocker = qemu.smokePrerequisites(guest);
    if (blocker) {
      console.warn(
        `prebuilds.test: skipping the ${id} qemu smoke test: ${blocker.missing} is missing. Set it up with: ${blocker.fix}`,
      );
    }
    it.skipIf(Boolean(blocker))(
      blocker ? `${title} (SKIPPED: ${blocker.missing} is missing; run ${blocker.fix})` : title,
      async () => {
        const started = Date.now();
        const smoke = await qemu.runGuestNodeAsync(
          guest,
          [path.join(__dirname, '..', 'fixtures', 'qemu', 'smoke.cjs')],
          {
            env: { ENGRAM_ARENA_BINARY: undefined, ENGRAM_ARENA_SIZE: '2097152' },
            timeout: 240_000,
          },
        );
        console.log(`qemu ${guest} smoke: ${((Date.now() - started) / 1000).toFixed(1)} s: ${smoke.stdout.trim()}`);
        expect(smoke.error).toBeUndefined();
        expect(smoke.status, `${smoke.stdout}${smoke.stderr}`).toBe(0);
        const result = JSON.parse(smoke.stdout.trim().split('\n').pop()!);
        expect(result).toMatchObject({
          ok: true,
          arch,
          node: `v${qemu.GUESTS[guest].node.version}`,
          size: 2097152,
          fromWorker: 3 * 4096,
        });
        expect(result.binary).toBe(path.relative(root, prebuildPath('linux', arch, 'glibc', root)));
        expect(result.totalResets).toBeGreaterThanOrEqual(2);
      },
      300_000,
    );
  }

  // Optional: wine is no Windows, but it runs the real node.exe, so the DLL's
  // imports from NODE.EXE, its SEH unwinding and GetEnvironmentVariableW are
  // exercised.
  const wineBlocker = wine.smokePrerequisites();
  if (wineBlocker) {
    console.warn(
      `prebuilds.test: skipping the win32-x64 wine smoke test: ${wineBlocker.missing} is missing. Set it up with: ${wineBlocker.fix}`,
    );
  }
  const wineTitle = 'the win32-x64 prebuild runs in Node for Windows under wine, found by the loader';
  it.skipIf(Boolean(wineBlocker))(
    wineBlocker ? `${wineTitle} (SKIPPED: ${wineBlocker.missing} is missing; run ${wineBlocker.fix})` : wineTitle,
    async () => {
      const started = Date.now();
      const smoke = await wine.runWindowsNodeAsync([path.join('test', 'fixtures', 'qemu', 'smoke.cjs')], {
        env: { ENGRAM_ARENA_BINARY: undefined, ENGRAM_ARENA_SIZE: '2097152' },
        timeout: 240_000,
      });
      console.log(`wine smoke: ${((Date.now() - started) / 1000).toFixed(1)} s`);
      expect(smoke.error).toBeUndefined();
      expect(smoke.status, `${smoke.stdout}${smoke.stderr}`).toBe(0);
      const result = JSON.parse(smoke.stdout.trim().split('\n').pop()!);
      expect(result).toMatchObject({ ok: true, arch: 'x64', size: 2097152, fromWorker: 3 * 4096 });
      expect(result.binary).toBe(path.win32.join('prebuilds', 'win32-x64', 'engram-arena.napi.node'));
    },
    300_000,
  );

  // Electron, a single-executable application or a renamed node.exe: the DLL
  // must find Node-API in whatever executable loaded it.
  const renamedTitle = 'the win32-x64 prebuild also runs in a copy of node.exe under another name';
  it.skipIf(Boolean(wineBlocker))(
    wineBlocker ? `${renamedTitle} (SKIPPED: ${wineBlocker.missing} is missing)` : renamedTitle,
    async () => {
      const executable = wine.renamedNodeExe();
      expect(path.basename(executable).toLowerCase()).not.toBe('node.exe');
      const smoke = await wine.runWindowsNodeAsync([path.join('test', 'fixtures', 'qemu', 'smoke.cjs')], {
        executable,
        env: { ENGRAM_ARENA_BINARY: undefined, ENGRAM_ARENA_SIZE: '2097152' },
        timeout: 240_000,
      });
      expect(smoke.error).toBeUndefined();
      expect(smoke.status, `${smoke.stdout}${smoke.stderr}`).toBe(0);
      const result = JSON.parse(smoke.stdout.trim().split('\n').pop()!);
      expect(result).toMatchObject({ ok: true, arch: 'x64', size: 2097152, fromWorker: 3 * 4096 });
      expect(result.binary).toBe(path.win32.join('prebuilds', 'win32-x64', 'engram-arena.napi.node'));
    },
    300_000,
  );
});
