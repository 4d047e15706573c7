// The checks of the prebuild machinery that need no cross-compiled binary, so
// that `npm test` runs them on every change: where the loader looks for each
// target, and the verifier (scripts/verify/) reading this machine's own build
// and this Node. test/prebuilds.test.ts (`npm run test:release`) checks the
// cross-compiled binaries themselves.
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { prebuildPath } from '../../dist/loader.js';
import { prebuildScripts, type Target } from '../fixtures/prebuild-scripts';

const root = path.join(__dirname, '..', '..');
const { TARGETS, outputPath, verifyPrebuild } = prebuildScripts;

describe('prebuild targets', () => {
  it('names the nine targets, each where the loader looks', () => {
    expect(TARGETS.map((t) => t.id).sort()).toEqual([
      'darwin-arm64',
      'darwin-x64',
      'linux-arm-glibc',
      'linux-arm64-glibc',
      'linux-arm64-musl',
      'linux-x64-glibc',
      'linux-x64-musl',
      'win32-arm64',
      'win32-x64',
    ]);
    for (const target of TARGETS) {
      expect(outputPath(target)).toBe(prebuildPath(target.platform, target.arch, target.libc, root));
    }
    expect(path.relative(root, prebuildPath('linux', 'arm64', 'musl', root))).toBe(
      path.join('prebuilds', 'linux-arm64', 'engram-arena.napi.musl.node'),
    );
    expect(path.relative(root, prebuildPath('win32', 'x64', undefined, root))).toBe(
      path.join('prebuilds', 'win32-x64', 'engram-arena.napi.node'),
    );
  });
});

const hostTarget = { platform: process.platform, arch: process.arch, libc: 'glibc', glibc: '2.17' } as Omit<
  Target,
  'id' | 'zig'
>;
const onLinuxX64 = process.platform === 'linux' && process.arch === 'x64';

describe.skipIf(!onLinuxX64)('the verifier on this machine', () => {
  it('reads the build under test: this CPU, and only the two Node-API entry points exported (CMakeLists.txt link rules)', () => {
    const report = verifyPrebuild(process.env.ENGRAM_ARENA_BINARY!, hostTarget);
    expect(report.format).toBe('elf');
    expect(report.arch).toBe('x64');
    expect([...report.exports].sort()).toEqual(['napi_register_module_v1', 'node_api_module_get_api_version_v1']);
  });

  it('refuses an executable without the registration symbol (this Node)', () => {
    const report = verifyPrebuild(process.execPath, hostTarget);
    expect(report.problems.join('\n')).toMatch(/napi_register_module_v1 is not exported/);
  });
});
