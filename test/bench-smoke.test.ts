// Keeps `npm run bench` working: a smoke run with tiny counts. It checks what
// the benchmark prints, never how fast anything was.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { expect, it } from 'vitest';

it('npm run bench runs every method at every size and the request workload', () => {
  const root = path.join(__dirname, '..');
  const result = spawnSync(process.execPath, ['bench/alloc.mjs'], {
    cwd: root,
    env: { ...process.env, ENGRAM_BENCH_SMOKE: '1' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  for (const size of ['64 B', '4096 B', '65536 B', '1048576 B']) {
    expect(result.stdout).toContain(`${size}, not zeroed`);
    expect(result.stdout).toContain(`${size}, zeroed`);
  }
  for (const method of ['arena.alloc', 'threadArena().alloc', 'Buffer.allocUnsafe', 'Buffer.alloc', 'new Uint8Array', 'JS bump (floor)']) {
    expect(result.stdout).toContain(method);
  }
  for (const method of ['arena (zeroOnReset)', 'arena (no zeroing)']) expect(result.stdout).toContain(method);
  for (const series of ['epoch: reset + first alloc(64)', '64 B, a reset every 64', '4 KiB, a reset every 16', 'pool.run(alloc 64) vs async allocUnsafe(64)']) {
    expect(result.stdout).toMatch(new RegExp(`${series.replace(/[()+]/g, '\\$&')}\\s+\\d+\\s+\\d+\\s+\\d+\\s+[\\d.]+x`));
  }
  expect(result.stdout).toMatch(/Buffer\.allocUnsafe\s+\d+\s+[\d.]+\s+[\d.]+/);
});
