// The published typings catch mistakes: test/types/pass/ must compile under
// strict settings, and in test/types/fail/ exactly the lines marked
// `// error TSxxxx` must fail, each with that code. tsc checks them against
// dist/*.d.ts through the package's own name and exports map, as a user's
// project would (run `tsc -p .` first, as `npm test` does).
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ABI_HASH,
  ARENA_METRICS_FIELDS,
  ARENA_OPTIONS_FIELDS,
  ARENA_STATE_FIELDS,
  ARENA_STATS_FIELDS,
  STATE_WORD_BYTES_ALLOCATED,
  STATE_WORD_OFFSET,
  STATE_WORD_SIZE_BYTES,
} from '../../dist/abi.js';
import { Arena, getConfig, metrics } from '../../dist/index.js';
import { checkAbi } from '../../dist/state-words.js';

const root = path.join(__dirname, '..', '..');
const typesDir = path.join(__dirname, '..', 'types');
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');

interface Diagnostic {
  file: string;
  line: number;
  code: string;
  message: string;
}

let diagnostics: Diagnostic[] = [];
let output = '';

function sourceFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.[cm]?ts$/.test(f))
    .map((f) => path.join(dir, f));
}

beforeAll(async () => {
  // Asynchronously: tsc takes seconds here, and a blocked event loop starves
  // vitest's worker RPC.
  output = await new Promise<string>((resolve) => {
    execFile(
      process.execPath,
      [tsc, '-p', path.join(typesDir, 'tsconfig.json'), '--pretty', 'false'],
      { cwd: root, encoding: 'utf8' },
      (_error, stdout, stderr) => resolve(`${stdout}${stderr}`),
    );
  });
  diagnostics = [...output.matchAll(/^(.+?)\((\d+),\d+\): error (TS\d+): (.*)$/gm)].map((m) => ({
    file: path.resolve(root, m[1]),
    line: Number(m[2]),
    code: m[3],
    message: m[4],
  }));
}, 120_000);

describe('type tests', () => {
  it('ran tsc, and every diagnostic it printed was understood', () => {
    const understood = output.split('\n').filter((l) => l.trim() !== '' && !/\(\d+,\d+\): error TS\d+: /.test(l));
    expect(understood).toEqual([]);
  });

  it.each(sourceFiles(path.join(typesDir, 'pass')).map((f) => [path.relative(typesDir, f), f]))(
    '%s compiles',
    (_name, file) => {
      expect(diagnostics.filter((d) => d.file === file)).toEqual([]);
    },
  );

  it.each(sourceFiles(path.join(typesDir, 'fail')).map((f) => [path.relative(typesDir, f), f]))(
    '%s fails exactly where marked',
    (_name, file) => {
      const expected = fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .flatMap((text, i) => [...text.matchAll(/\/\/ error (TS\d+)/g)].map((m) => `${i + 1}: ${m[1]}`));
      expect(expected.length).toBeGreaterThan(0);
      const actual = diagnostics.filter((d) => d.file === file).map((d) => `${d.line}: ${d.code}`);
      expect(actual).toEqual(expected);
    },
  );
});

describe('declaration maps', () => {
  it('lead every published .d.ts back to a TypeScript source that ships', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    expect(manifest.files).toContain('lib/');
    const declarations = fs.readdirSync(path.join(root, 'dist')).filter((f) => f.endsWith('.d.ts'));
    expect(declarations.length).toBeGreaterThan(0);
    for (const declaration of declarations) {
      const mapFile = path.join(root, 'dist', `${declaration}.map`);
      expect(fs.existsSync(mapFile), mapFile).toBe(true);
      const map = JSON.parse(fs.readFileSync(mapFile, 'utf8'));
      for (const source of map.sources as string[]) {
        const resolved = path.resolve(path.dirname(mapFile), map.sourceRoot ?? '', source);
        expect(path.relative(root, resolved)).toMatch(/^lib[\\/][^\\/]+\.ts$/);
        expect(fs.existsSync(resolved), resolved).toBe(true);
      }
    }
  });

  it("never mention the binding's test-only seams", () => {
    for (const declaration of fs.readdirSync(path.join(root, 'dist')).filter((f) => f.endsWith('.d.ts'))) {
      expect(fs.readFileSync(path.join(root, 'dist', declaration), 'utf8'), declaration).not.toMatch(
        /\btesting[A-Z]\w*/,
      );
    }
  });

  it("reference Node's types from the entry point", () => {
    expect(fs.readFileSync(path.join(root, 'dist', 'index.d.ts'), 'utf8')).toMatch(/^\/\/\/ <reference types="node"/);
  });
});

// Every record that crosses the boundary is generated from zig/src/abi.zig
// into the header's X-lists and lib/abi.ts (`zig build test` fails when
// either is stale); here, that the binary and the facade agree with them.
describe('the records: zig/src/abi.zig generates the header lists and lib/abi.ts', () => {
  const header = fs.readFileSync(path.join(root, 'zig', 'include', 'engram_arena_abi.h'), 'utf8');

  /** [c_field, jsName] of each X(...) entry of `#define <list>(X)`. */
  function listed(list: string): [string, string][] {
    const body = header.match(new RegExp(`#define ${list}\\(X\\)((?:.*\\\\\\n)*.*)`));
    expect(body, list).not.toBeNull();
    return [...body![1].matchAll(/X\((\w+), (\w+)\)/g)].map((m) => [m[1], m[2]]);
  }

  it.each([
    ['ENGRAM_ARENA_OPTIONS_FIELDS', ARENA_OPTIONS_FIELDS],
    ['ENGRAM_ARENA_STATE_FIELDS', ARENA_STATE_FIELDS],
    ['ENGRAM_ARENA_STATS_FIELDS', ARENA_STATS_FIELDS],
    ['ENGRAM_ARENA_METRICS_FIELDS', ARENA_METRICS_FIELDS],
  ] as const)('%s names what lib/abi.ts names', (list, fields) => {
    expect(listed(list).map(([, js]) => js)).toEqual(fields.map((f) => f.name));
  });

  it('the native objects carry exactly the generated names, in their order', () => {
    const arena = new Arena({ size: 4096 });
    expect(Object.keys(arena.stats())).toEqual(ARENA_STATS_FIELDS.map((f) => f.name));
    expect(Object.keys(arena.options)).toEqual(ARENA_OPTIONS_FIELDS.map((f) => f.name));
    arena.destroy();
    expect(Object.keys(metrics())).toEqual(ARENA_METRICS_FIELDS.map((f) => f.name));
    expect(Object.keys(getConfig())).toEqual(ARENA_OPTIONS_FIELDS.map((f) => f.name));
  });

  it('the state words sit where lib/abi.ts says: a u64 each, field i at word 2i', () => {
    const names = ARENA_STATE_FIELDS.map((f) => f.name);
    expect(names.slice(0, 2)).toEqual(['offset', 'size']);
    expect([STATE_WORD_OFFSET, STATE_WORD_SIZE_BYTES, STATE_WORD_BYTES_ALLOCATED]).toEqual([
      0,
      2,
      2 * names.indexOf('bytesAllocated'),
    ]);
  });

  it('the binary was built from the same abi.zig as the facade, which refuses any other', () => {
    expect(require(process.env.ENGRAM_ARENA_BINARY!).abiHash).toBe(ABI_HASH);
    expect(header).toContain(`#define ENGRAM_ABI_HASH 0x${ABI_HASH.toString(16).padStart(8, '0')}u`);
    expect(() => checkAbi(ABI_HASH, ABI_HASH ^ 1)).toThrow(
      expect.objectContaining({
        code: 'ERR_ARENA_INTERNAL',
        message: expect.stringMatching(/another zig\/src\/abi.zig/),
      }),
    );
    expect(() => checkAbi(ABI_HASH, undefined)).toThrow(expect.objectContaining({ code: 'ERR_ARENA_INTERNAL' }));
    expect(() => checkAbi(ABI_HASH, ABI_HASH)).not.toThrow();
  });
});
