// The published typings catch mistakes: test/types/pass/ must compile under
// strict settings, and in test/types/fail/ exactly the lines marked
// `// error TSxxxx` must fail, each with that code. tsc checks them against
// dist/*.d.ts through the package's own name and exports map, as a user's
// project would (run `tsc -p .` first, as `npm test` does).
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Arena, metrics } from '../../dist/index.js';
import { checkStateWords } from '../../dist/state-words.js';

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

// The counter objects are built from X-macro lists in the C header
// (ENGRAM_STATS_FIELDS, ENGRAM_METRICS_FIELDS). lib/types.ts is written by
// hand, for its doc comments, and checked against those lists here.
describe('the counter fields: engram_arena.h lists them, lib/types.ts declares them', () => {
  const header = fs.readFileSync(path.join(root, 'zig', 'include', 'engram_arena.h'), 'utf8');
  const typings = fs.readFileSync(path.join(root, 'lib', 'types.ts'), 'utf8');

  /** [c_field, jsName] of each X(...) line of `#define <list>(X)`. */
  function listed(list: string): [string, string][] {
    const body = header.match(new RegExp(`#define ${list}\\(X\\)((?:.*\\\\\\n)*.*)`));
    expect(body, list).not.toBeNull();
    return [...body![1].matchAll(/X\((\w+), (\w+)\)/g)].map((m) => [m[1], m[2]]);
  }

  /** The members a C struct typedef declares, padding (`reserved`) left out. */
  function structFields(name: string): string[] {
    const body = header.match(new RegExp(`typedef struct ${name} \\{([^}]*)\\}`));
    expect(body, name).not.toBeNull();
    return [...body![1].matchAll(/^\s*\w+ (\w+)(?:\[\d+\])?;/gm)].map((m) => m[1]).filter((f) => f !== 'reserved');
  }

  /** The property names of `export interface <name>` in lib/types.ts. */
  function declared(name: string): string[] {
    const body = typings.match(new RegExp(`export interface ${name} \\{([^}]*)\\}`));
    expect(body, name).not.toBeNull();
    return [...body![1].matchAll(/^\s*(\w+)\??:/gm)].map((m) => m[1]);
  }

  it.each([
    ['ENGRAM_STATS_FIELDS', 'engram_arena_stats_t', 'ArenaStats'],
    ['ENGRAM_METRICS_FIELDS', 'engram_metrics_t', 'ArenaMetrics'],
  ])('%s covers %s and matches %s', (list, struct, iface) => {
    const fields = listed(list);
    expect(fields.length).toBeGreaterThan(0);
    expect(fields.map(([c]) => c).sort()).toEqual(structFields(struct).sort());
    expect(fields.map(([, js]) => js).sort()).toEqual(declared(iface).sort());
  });

  it('the native objects carry exactly the listed names, in the listed order', () => {
    const arena = new Arena({ size: 4096 });
    expect(Object.keys(arena.stats())).toEqual(listed('ENGRAM_STATS_FIELDS').map(([, js]) => js));
    arena.destroy();
    expect(Object.keys(metrics())).toEqual(listed('ENGRAM_METRICS_FIELDS').map(([, js]) => js));
  });

  it('ENGRAM_STATE_FIELDS covers engram_arena_state_t, whose words the binary reports where they are', () => {
    const fields = listed('ENGRAM_STATE_FIELDS');
    expect(fields.map(([c]) => c)).toEqual(structFields('engram_arena_state_t'));
    const words = require(process.env.ENGRAM_ARENA_BINARY!).stateWords as Record<string, number>;
    // Every field is a u64: field i starts at 32-bit word 2i.
    expect(words).toEqual(Object.fromEntries(fields.map(([, js], i) => [js, 2 * i])));
  });

  it('the facade refuses a binary whose state words are elsewhere', () => {
    expect(() => checkStateWords({ offset: 0, capacity: 2 }, { offset: 0, capacity: 4 })).toThrow(
      expect.objectContaining({
        code: 'ERR_ARENA_INTERNAL',
        message: expect.stringMatching(/capacity at word 4, not 2/),
      }),
    );
    expect(() => checkStateWords({ offset: 0 }, undefined)).toThrow(
      expect.objectContaining({ code: 'ERR_ARENA_INTERNAL' }),
    );
    expect(() =>
      checkStateWords({ offset: 0, capacity: 2 }, { offset: 0, capacity: 2, fallbackBytes: 14 }),
    ).not.toThrow();
  });
});
