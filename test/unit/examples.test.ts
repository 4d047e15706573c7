import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.join(__dirname, '..', '..');
// The README and the pages of docs/: an example may live in any of them.
const readme = ['README.md', ...fs.readdirSync(path.join(root, 'docs')).map((name) => path.join('docs', name))]
  .filter((file) => file.endsWith('.md'))
  .map((file) => fs.readFileSync(path.join(root, file), 'utf8'))
  .join('\n');
const apiReference = fs.readFileSync(path.join(root, 'docs', 'api.md'), 'utf8');
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
    const reference = apiReference;
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
    const reference = apiReference;
    expect(types.filter((name) => !reference.includes(`\`${name}\``))).toEqual([]);
  });

  it('lists every error code the pool and the metrics throw', () => {
    const sources = ['pool.js', 'prometheus.js']
      .map((f) => fs.readFileSync(path.join(root, 'dist', f), 'utf8'))
      .join('\n');
    const codes = new Set(sources.match(/ERR_[A-Z_]+/g));
    expect([...codes].filter((code) => !readme.includes(code))).toEqual([]);
  });

  it('is a front page: what, install, quick start, when to use it, and a link to every page of docs/', () => {
    const front = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    for (const section of ['## When to use it', '## Installing', '## Quick start', '## Documentation']) {
      expect(front).toContain(section);
    }
    for (const page of fs.readdirSync(path.join(root, 'docs'))) expect(front).toContain(`](docs/${page})`);
    expect(readme).not.toMatch(/placeholder/i);
    expect(front).toContain('npm install engram-arena');
  });

  it('every relative link of the README and docs/ reaches a file, and every #anchor a heading there', () => {
    const pages = ['README.md', ...fs.readdirSync(path.join(root, 'docs')).map((name) => path.join('docs', name))];
    const slug = (heading: string) =>
      heading
        .trim()
        .toLowerCase()
        .replace(/[^\w\- ]/g, '')
        .replace(/ /g, '-');
    const anchors = (file: string) =>
      new Set([...fs.readFileSync(file, 'utf8').matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1])));
    const broken: string[] = [];
    for (const page of pages) {
      const text = fs.readFileSync(path.join(root, page), 'utf8');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^(https?:|mailto:)/.test(target)) continue;
        const [file, anchor] = target.split('#');
        const resolved = file === '' ? path.join(root, page) : path.join(root, path.dirname(page), file);
        if (!fs.existsSync(resolved)) broken.push(`${page}: ${target}`);
        else if (anchor !== undefined && resolved.endsWith('.md') && !anchors(resolved).has(anchor)) {
          broken.push(`${page}: ${target}`);
        }
      }
    }
    expect(broken).toEqual([]);
  });
});
