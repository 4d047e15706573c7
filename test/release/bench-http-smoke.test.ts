// Keeps `npm run bench:http` working: a smoke run with three servers, a few
// requests each. It checks what the benchmark prints, never how fast anything was.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, it } from 'vitest';
import { runBenchSmoke } from '../fixtures/run-fixture';

const root = path.join(__dirname, '..', '..');
const num = String.raw`\d+(?:\.\d+)?`;

it('npm run bench:http serves every workload three ways, checks bodies and prints every column', () => {
  const written = ['http.json', 'http.svg'].map((f) => path.join(root, 'bench', f));
  const before = written.map((f) => (fs.existsSync(f) ? fs.statSync(f).mtimeMs : null));
  const stdout = runBenchSmoke('http.mjs');
  for (const workload of ['report', 'frames', 'scratch']) {
    const at = stdout.indexOf(`workload ${workload}: GET /${workload}?seed=…&n=…, 5 bodies identical across servers`);
    expect(at).toBeGreaterThanOrEqual(0);
    const section = stdout.slice(at).split('\n\n')[0];
    expect(section).toMatch(
      /^method\s+req\/s\s+CPU us\/req\s+CPU vs allocUnsafe\s+p50 ms\s+p99 ms\s+p99\.9 ms\s+max ms\s+server p99 ms\s+server p99\.9 ms\s+full GCs\s+per 10k req\s+full GC ms\s+RSS MiB$/m,
    );
    for (const method of ['arena', 'allocUnsafe', 'alloc']) {
      const cells = [
        String.raw`\d+`,
        num,
        `${num}x`,
        num,
        num,
        num,
        num,
        num,
        num,
        String.raw`\d+`,
        num,
        String.raw`\d+`,
        num,
      ];
      expect(section).toMatch(new RegExp(`^${method}\\s+${cells.join(String.raw`\s+`)}\\s*$`, 'm'));
    }
    expect(section).toMatch(/^allocUnsafe\s+\d+\s+\S+\s+1\.00x/m);
    expect(section).toMatch(new RegExp(`^arena/allocUnsafe CPU per round: ${num}$`, 'm'));
    for (const method of [
      'arena \\(zeroOnReset\\)',
      'arena \\(no zeroing\\)',
      'allocUnsafe',
      'alloc',
      'bump \\(floor\\)',
    ]) {
      expect(section).toMatch(new RegExp(`^handler alone, in-process, CPU us/req: .*\\b${method} ${num}`, 'm'));
    }
    expect(section).toMatch(
      new RegExp(`^allocUnsafe server less its handler \\(HTTP's share, roughly\\): -?${num} us/req$`, 'm'),
    );
    expect(section).toMatch(
      new RegExp(`^best CPU ratio any allocator could reach, handler alone \\(bump/allocUnsafe\\): ${num}x$`, 'm'),
    );
  }
  // A smoke run writes nothing.
  expect(written.map((f) => (fs.existsSync(f) ? fs.statSync(f).mtimeMs : null))).toEqual(before);
});
