import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.join(__dirname, '..', '..');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
// The CommonJS exports as `require` sees them (an ESM namespace would add `default`).
const lib = createRequire(__filename)(path.join(root, 'dist', 'index.js')) as Record<string, unknown>;

/** The fenced code block that follows `<!-- example: <file> -->` in the README. */
function readmeBlock(file: string): string | undefined {
  const marker = `<!-- example: ${file} -->\n`;
  const at = readme.indexOf(marker);
  if (at < 0) return undefined;
  const match = /^```[a-z]*\n([\s\S]*?)^```$/m.exec(readme.slice(at + marker.length));
  return match?.[1];
}

function run(file: string): { status: number | null; stdout: string; stderr: string } {
  const env = { ...process.env };
  // Keep ENGRAM_ARENA_BINARY: the suite tests the binary just built.
  for (const key of Object.keys(env)) if (key.startsWith('ENGRAM_') && key !== 'ENGRAM_ARENA_BINARY') delete env[key];
  // Run from the examples folder, as a reader would: `engram-arena` resolves to this package by its name.
  return spawnSync(process.execPath, [path.basename(file)], {
    cwd: path.join(root, path.dirname(file)),
    env,
    encoding: 'utf8',
    timeout: 60_000,
  });
}

// Each README example with the exact output it must print.
const EXAMPLES: Array<[string, string]> = [
  ['examples/quick-start.js', 'bytes in use: 8016\nlast sample: 499.5\nheader length after reset: 0\n'],
  ['examples/esm.mjs', 'resets: 1, allocations: 1\n'],
  [
    'examples/pool.js',
    'intact: true true true true true\nsecond release: ERR_ARENA_POOL_DOUBLE_RELEASE\nacquired 6, waited 3, peak in use 2\n',
  ],
  [
    'examples/metrics.js',
    'engram_arena_resets_total 1\n' +
      'engram_arena_pool_high_water_mark_bytes{pool="web"} 1000\n' +
      'engram_arena_pool_acquisitions_total{pool="web"} 1\n',
  ],
  ['examples/workers.js', 'sums: 1000 2000 3000 4000\n'],
];

describe('README examples', () => {
  it.each(EXAMPLES)('%s is in the README as written and prints what it should', (file, expected) => {
    const source = fs.readFileSync(path.join(root, file), 'utf8');
    expect(readmeBlock(file)).toBe(source);
    const child = run(file);
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    expect(child.stdout).toBe(expected);
  });

  it('every example file in the README exists, and every README example is tested', () => {
    const marked = [...readme.matchAll(/<!-- example: (\S+) -->/g)].map((m) => m[1]);
    expect(marked.sort()).toEqual(EXAMPLES.map(([file]) => file).sort());
  });
});

describe('README API reference', () => {
  it('documents every runtime export', () => {
    const reference = readme.slice(readme.indexOf('## API reference'), readme.indexOf('## Safety model'));
    const missing = Object.keys(lib).filter((name) => !reference.includes(`\`${name}`));
    expect(missing).toEqual([]);
  });

  it('documents every exported type', () => {
    const index = fs.readFileSync(path.join(root, 'dist', 'index.d.ts'), 'utf8');
    const types = [...index.matchAll(/export type \{([^}]*)\}/g)].flatMap((m) =>
      m[1]
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    );
    expect(types.length).toBeGreaterThan(10);
    const reference = readme.slice(readme.indexOf('## API reference'), readme.indexOf('## Safety model'));
    expect(types.filter((name) => !reference.includes(`\`${name}\``))).toEqual([]);
  });

  it('lists every error code the pool and the metrics throw', () => {
    const sources = ['pool.js', 'prometheus.js']
      .map((f) => fs.readFileSync(path.join(root, 'dist', f), 'utf8'))
      .join('\n');
    const codes = new Set(sources.match(/ERR_[A-Z_]+/g));
    expect([...codes].filter((code) => !readme.includes(code))).toEqual([]);
  });

  it('has the install, benchmark and platform sections, filled in', () => {
    for (const section of ['## Installing', '## Benchmarks', '## Supported platforms'])
      expect(readme).toContain(section);
    expect(readme).not.toMatch(/placeholder/i);
    expect(readme).toContain('npm install engram-arena');
  });
});
