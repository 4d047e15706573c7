// The package as a user meets it: packed, installed into a fresh project on a
// machine without Zig, CMake or a compiler, then required, imported and typed.
import { execFile, type SpawnSyncOptions, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.join(__dirname, '..', '..');
const npmCli = fs.realpathSync(
  (process.env.PATH ?? '')
    .split(path.delimiter)
    .map((d) => path.join(d, 'npm'))
    .find((p) => fs.existsSync(p))!,
);
let work: string;
let project: string;
let tarball: string;
let packedFiles: string[];
let installLog: string;
let cleanEnv: NodeJS.ProcessEnv;

function run(command: string, args: string[], options: SpawnSyncOptions = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', ...options });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}:\n${output}`);
  return output;
}

/**
 * run() without blocking the event loop: the prebuild and the install take
 * long enough that a spawnSync starves vitest's worker RPC ("Timeout calling
 * onTaskUpdate").
 */
function runAsync(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }) {
  return new Promise<string>((resolve, reject) => {
    execFile(command, args, { ...options, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const output = `${stdout}${stderr}`;
      if (error) reject(new Error(`${command} ${args.join(' ')} failed (${error.code ?? error.message}):\n${output}`));
      else resolve(output);
    });
  });
}

/** npm pack --json prints lifecycle output too; the JSON is the last top-level array. */
function packJson(output: string) {
  return JSON.parse(output.slice(output.lastIndexOf('\n[') + 1, output.lastIndexOf(']') + 1));
}

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'engram-pack-'));
  await runAsync(process.execPath, [npmCli, 'run', 'prebuild'], { cwd: root });
  const packed = packJson(
    await runAsync(process.execPath, [npmCli, 'pack', '--json', '--pack-destination', work], { cwd: root }),
  );
  tarball = path.join(work, packed[0].filename);
  packedFiles = packed[0].files.map((f: { path: string }) => f.path);

  // A PATH with node and a shell (npm runs scripts through sh) and nothing
  // else: no zig, cmake, make, c++, g++ or cc.
  const bin = path.join(work, 'bin');
  fs.mkdirSync(bin);
  fs.symlinkSync(process.execPath, path.join(bin, 'node'));
  fs.symlinkSync('/bin/sh', path.join(bin, 'sh'));
  cleanEnv = { HOME: process.env.HOME, PATH: bin, npm_config_cache: path.join(work, 'npm-cache') };

  project = path.join(work, 'consumer');
  fs.cpSync(path.join(__dirname, '..', 'fixtures', 'consumer'), project, { recursive: true });
  fs.writeFileSync(
    path.join(project, 'package.json'),
    JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }),
  );
  // --strict-allow-scripts turns npm 11's notice about unapproved install
  // scripts into a failed install: the package must need none.
  installLog = await runAsync(
    process.execPath,
    [npmCli, 'install', '--no-audit', '--no-fund', '--strict-allow-scripts', tarball],
    {
      cwd: project,
      env: cleanEnv,
    },
  );
}, 300_000);

afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe('npm pack', () => {
  it('ships the build, the typings, the prebuild, the sources for a build from source and the notices', () => {
    for (const file of [
      'dist/index.js',
      'dist/index.d.ts',
      'dist/loader.js',
      'prebuilds/linux-x64/engram-arena.napi.glibc.node',
      'zig/src/allocator.zig',
      'zig/src/ffi.zig',
      'zig/src/abi.zig',
      'zig/include/engram_arena.h',
      'zig/include/engram_arena_abi.h',
      'dist/abi.js',
      'native/addon.cc',
      'build.zig',
      'CMakeLists.txt',
      'scripts/zig.js',
      'scripts/build.js',
      'scripts/which.js',
      'package.json',
      'README.md',
      'LICENSE',
      'CHANGELOG.md',
      'dist/index.d.ts.map',
      'lib/index.ts',
      'lib/arena.ts',
    ]) {
      expect(packedFiles).toContain(file);
    }
  });

  it('ships nothing else', () => {
    const unwanted = packedFiles.filter((f) =>
      /^(build|node_modules|zig-out|\.zig-cache|test|bench|examples|\.ci)\/|^zig\/(test|bench)\//.test(f),
    );
    expect(unwanted).toEqual([]);
  });

  it('ships every Zig file that a shipped Zig file imports', () => {
    // Zig loads every @import it sees, even inside `test` blocks that a
    // library build never runs, so a build from source in the installed
    // package fails on any imported file left out (the *_test.zig ones, once).
    const missing: string[] = [];
    for (const file of packedFiles.filter((f) => f.endsWith('.zig'))) {
      const text = fs.readFileSync(path.join(root, file), 'utf8');
      for (const [, imported] of text.matchAll(/@import\("([^"]+\.zig)"\)/g)) {
        const target = path.posix.join(path.posix.dirname(file), imported);
        if (!packedFiles.includes(target)) missing.push(`${file} imports ${target}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('has no script that runs when a user installs it', () => {
    const manifest = JSON.parse(
      fs.readFileSync(path.join(project, 'node_modules', 'engram-arena', 'package.json'), 'utf8'),
    );
    for (const hook of ['preinstall', 'install', 'postinstall', 'prepare'])
      expect(manifest.scripts?.[hook]).toBeUndefined();
    expect(manifest.gypfile).toBeUndefined();
    expect(fs.existsSync(path.join(project, 'node_modules', 'engram-arena', 'binding.gyp'))).toBe(false);
  });
});

describe('installed from the tarball without any build tools', () => {
  it('installed under --strict-allow-scripts without a word about this package, and compiled nothing', () => {
    expect(installLog).not.toMatch(/engram-arena/);
    expect(installLog).not.toMatch(/install-scripts|allowScripts/);
    const installed = path.join(project, 'node_modules', 'engram-arena');
    expect(fs.existsSync(path.join(installed, 'dist', 'index.js'))).toBe(true);
    expect(fs.existsSync(path.join(installed, 'build'))).toBe(false);
  });

  it('works through require, with a worker', () => {
    const out = run('node', ['smoke.cjs'], { cwd: project, env: cleanEnv });
    const result = JSON.parse(out.trim().split('\n').pop()!);
    expect(result).toMatchObject({ via: 'require', fromWorker: 4096, code: 0 });
    expect(result.totalResets).toBeGreaterThanOrEqual(2);
  });

  it('works through import, with a worker', () => {
    const out = run('node', ['smoke.mjs'], { cwd: project, env: cleanEnv });
    const result = JSON.parse(out.trim().split('\n').pop()!);
    expect(result).toEqual({ via: 'import', fromWorker: 4096, totalResets: 2 });
  });

  it('type-checks for ESM and CommonJS users', () => {
    fs.symlinkSync(path.join(root, 'node_modules', '@types'), path.join(project, 'node_modules', '@types'));
    const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], {
      cwd: project,
      encoding: 'utf8',
      env: cleanEnv,
    });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('names the platform, every path tried and the build command when no binary loads', () => {
    const installed = path.join(project, 'node_modules', 'engram-arena');
    const prebuilds = path.join(installed, 'prebuilds');
    const hidden = path.join(installed, 'prebuilds-hidden');
    fs.renameSync(prebuilds, hidden);
    try {
      const result = spawnSync('node', ['-e', "require('engram-arena')"], {
        cwd: project,
        encoding: 'utf8',
        env: cleanEnv,
      });
      expect(result.status).not.toBe(0);
      expect(result.stderr).toContain('ERR_ARENA_BINARY_NOT_FOUND');
      expect(result.stderr).toContain(`${process.platform}-${process.arch} (glibc)`);
      expect(result.stderr).toContain(`Node-API ${process.versions.napi}`);
      expect(result.stderr).toContain(path.join('prebuilds', 'linux-x64', 'engram-arena.napi.glibc.node'));
      expect(result.stderr).toContain(path.join('build', 'Release', 'engram_arena.node'));
      const command = `npm run build:native --prefix ${installed}`;
      expect(result.stderr).toContain(command);
      expect(result.stderr).not.toContain('reinstall');

      // That exact command, run where the user would run it, names every tool missing here.
      const build = spawnSync(process.execPath, [npmCli, ...command.split(' ').slice(1)], {
        cwd: project,
        encoding: 'utf8',
        env: cleanEnv,
      });
      expect(build.status).not.toBe(0);
      expect(build.stderr).toContain('building from source on linux-x64 needs:');
      expect(build.stderr).toMatch(/Zig 0\.14: .*ZIG environment variable/);
      expect(build.stderr).toContain('CMake 3.15 or newer');
      expect(build.stderr).toContain('a C++17 compiler');
      expect(build.stderr).toContain('make or ninja');
      expect(build.stderr).toContain('cmake-js, node-addon-api, node-api-headers');
      expect(fs.existsSync(path.join(installed, 'build'))).toBe(false);
    } finally {
      fs.renameSync(hidden, prebuilds);
    }
  });
});
