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
  for (const method of [
    'arena.alloc',
    'threadArena().alloc',
    'Buffer.allocUnsafe',
    'Buffer.alloc',
    'new Uint8Array',
    'JS bump (floor)',
  ]) {
    expect(stdout).toContain(method);
  }
  for (const method of ['arena (zeroOnReset)', 'arena (no zeroing)']) expect(stdout).toContain(method);
  for (const series of [
    'epoch: reset + first alloc(64)',
    '64 B, a reset every 64',
    '4 KiB, a reset every 16',
    'pool.run(alloc 64) vs async allocUnsafe(64)',
  ]) {
    expect(stdout).toMatch(new RegExp(`${series.replace(/[()+]/g, '\\$&')}\\s+\\d+\\s+\\d+\\s+\\d+\\s+[\\d.]+x`));
  }
  expect(stdout).toMatch(/Buffer\.allocUnsafe\s+\d+\s+[\d.]+\s+[\d.]+/);
});

it('node bench/scratch.mjs times the scratch shape with every method and prints tails and full GCs', () => {
  const stdout = runBenchSmoke('scratch.mjs');
  expect(stdout).toMatch(
    /^Scratch shape under Node v\d+\.\d+\.\d+: 50,000 live objects; a request takes 16 x 4 KiB \+ 1 x 64 KiB/m,
  );
  const num = String.raw`\d+(?:\.\d+)?`;
  expect(stdout).toMatch(
    /^node\s+method\s+total ms\s+p50 us\s+p99 us\s+p99\.9 us\s+max us\s+full GCs\s+full GC ms\s+other GCs\s+total\/baseline by round$/m,
  );
  // Each method against its baseline: the ratios are printed beside the arena rows only.
  for (const [method, ratio] of [
    ['arena', true],
    ['allocUnsafe', false],
    ['arena \\(zeroOnReset\\)', true],
    ['alloc', false],
  ] as const) {
    const x = ratio ? String.raw` \(${num}x\)` : '';
    const row = [
      String.raw`v\d+\.\d+\.\d+`,
      method,
      `${num}${x}`,
      num,
      `${num}${x}`,
      num,
      num,
      String.raw`\d+`,
      num,
      String.raw`\d+`,
    ];
    expect(stdout).toMatch(new RegExp(`^${row.join(String.raw`\s+`)}${ratio ? String.raw`\s+${num}` : ''}$`, 'm'));
  }
});
