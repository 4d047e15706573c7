// Keeps `npm run bench` working: a smoke run with tiny counts. It checks what
// the benchmark prints, never how fast anything was.
import { expect, it } from 'vitest';
import { runBenchSmoke } from '../fixtures/run-fixture';

it('npm run bench runs every method at every size and the request workload', () => {
  const stdout = runBenchSmoke('alloc.mjs');
  for (const size of ['64 B', '4096 B', '65536 B', '1048576 B']) {
    expect(stdout).toContain(`${size}, not zeroed`);
    expect(stdout).toContain(`${size}, zeroed`);
  }
  for (const method of ['arena.alloc', 'threadArena().alloc', 'Buffer.allocUnsafe', 'Buffer.alloc', 'new Uint8Array', 'JS bump (floor)']) {
    expect(stdout).toContain(method);
  }
  for (const method of ['arena (zeroOnReset)', 'arena (no zeroing)']) expect(stdout).toContain(method);
  for (const series of ['epoch: reset + first alloc(64)', '64 B, a reset every 64', '4 KiB, a reset every 16', 'pool.run(alloc 64) vs async allocUnsafe(64)']) {
    expect(stdout).toMatch(new RegExp(`${series.replace(/[()+]/g, '\\$&')}\\s+\\d+\\s+\\d+\\s+\\d+\\s+[\\d.]+x`));
  }
  expect(stdout).toMatch(/Buffer\.allocUnsafe\s+\d+\s+[\d.]+\s+[\d.]+/);
});
