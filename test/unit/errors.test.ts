// The error classes and codes, and ArenaInitError through the testing seam
// (binding.testingFailReservations(n): the next n reservations fail).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { binding } from '../../dist/binding.js';
import { CODES } from '../../dist/errors.js';
import * as api from '../../dist/index.js';
import {
  Arena,
  ArenaDestroyedError,
  ArenaError,
  ArenaInitError,
  ArenaOverflowError,
  ArenaPoolDestroyedError,
  ArenaPoolFullError,
  ArenaPoolReleaseError,
  ArenaPoolTimeoutError,
  deinitThreadArena,
  metrics,
  threadArena,
} from '../../dist/index.js';
import { expectThrow, ROOT, snapshot, thrown } from '../fixtures/arena-helpers';

afterEach(() => {
  binding.testingFailReservations(0); // never leak a pending failure into the next test
  deinitThreadArena();
});

describe('error classes', () => {
  it('form a hierarchy under ArenaError with stable codes and names', () => {
    const overflow = new ArenaOverflowError('m', { requested: 10, alignment: 8, remaining: 4 });
    const destroyed = new ArenaDestroyedError();
    const init = new ArenaInitError();
    const base = new ArenaError('base', { code: 'ERR_ARENA_SOMETHING' });
    for (const error of [overflow, destroyed, init, base]) {
      expect(error).toBeInstanceOf(ArenaError);
      expect(error).toBeInstanceOf(Error);
      expect(typeof error.stack).toBe('string');
    }
    expect([overflow.name, destroyed.name, init.name, base.name]).toEqual([
      'ArenaOverflowError',
      'ArenaDestroyedError',
      'ArenaInitError',
      'ArenaError',
    ]);
    expect([overflow.code, destroyed.code, init.code, base.code]).toEqual([
      'ERR_ARENA_OVERFLOW',
      'ERR_ARENA_DESTROYED',
      'ERR_ARENA_INIT',
      'ERR_ARENA_SOMETHING',
    ]);
    expect(new ArenaError('no code').code).toBe('ERR_ARENA');
    expect({ requested: overflow.requested, alignment: overflow.alignment, remaining: overflow.remaining }).toEqual({
      requested: 10,
      alignment: 8,
      remaining: 4,
    });
    expect(destroyed.message).toMatch(/destroyed/);
    expect(init.message).toMatch(/reserve/);
    // A subclass's code cannot be overridden through details.
    expect(new ArenaOverflowError('m', { code: 'OTHER' }).code).toBe('ERR_ARENA_OVERFLOW');
    expect(destroyed).not.toBeInstanceOf(ArenaOverflowError);
  });

  it('keep the code the typings promise: the narrowed declarations emit no field that would reset it', () => {
    // The subclasses narrow `code` with `declare`, which emits nothing; a plain
    // redeclaration would define an own field set to undefined after super().
    const errors = [
      new ArenaOverflowError('m'),
      new ArenaDestroyedError(),
      new ArenaInitError(),
      new ArenaPoolTimeoutError(5, 'p'),
      new ArenaPoolFullError(1, 'p'),
      new ArenaPoolDestroyedError('p'),
      new ArenaPoolReleaseError('m', 'ERR_ARENA_POOL_FOREIGN_ARENA'),
    ];
    expect(errors.map((e) => e.code)).toEqual([
      'ERR_ARENA_OVERFLOW',
      'ERR_ARENA_DESTROYED',
      'ERR_ARENA_INIT',
      'ERR_ARENA_POOL_TIMEOUT',
      'ERR_ARENA_POOL_FULL',
      'ERR_ARENA_POOL_DESTROYED',
      'ERR_ARENA_POOL_FOREIGN_ARENA',
    ]);
    for (const error of errors) expect(Object.getOwnPropertyDescriptor(error, 'code')?.value).toBe(error.code);
  });

  it('errors thrown by the native side are instances of the exported classes', () => {
    const arena = new Arena({ size: 64 });
    const overflow = thrown(() => arena.alloc(65, 1));
    expect(overflow).toBeInstanceOf(ArenaOverflowError);
    expect(overflow).toBeInstanceOf(ArenaError);
    expect(overflow.constructor).toBe(ArenaOverflowError);
    expect(overflow).toMatchObject({ code: 'ERR_ARENA_OVERFLOW', requested: 65, alignment: 1, remaining: 64 });
    expect(overflow.message).toMatch(/65 bytes requested \(alignment 1\), 64 bytes remain/);
    arena.destroy();
    const destroyed = thrown(() => arena.alloc(1));
    expect(destroyed.constructor).toBe(ArenaDestroyedError);
    expect(destroyed.code).toBe('ERR_ARENA_DESTROYED');
  });

  it('argument errors are plain TypeError / RangeError with Node-style codes', () => {
    const arena = new Arena({ size: 64 });
    const type = expectThrow(() => arena.alloc('1' as any), TypeError, 'ERR_INVALID_ARG_TYPE');
    expect(type).not.toBeInstanceOf(ArenaError);
    const size = expectThrow(() => arena.alloc(-1), RangeError, 'ERR_ARENA_INVALID_SIZE');
    expect(size).not.toBeInstanceOf(ArenaError);
    const alignment = expectThrow(() => arena.alloc(1, 3), RangeError, 'ERR_ARENA_INVALID_ALIGNMENT');
    expect(alignment).not.toBeInstanceOf(ArenaError);
    const scope = expectThrow(() => arena.scope(() => Promise.resolve()), TypeError, 'ERR_ARENA_ASYNC_SCOPE');
    expect(scope).not.toBeInstanceOf(ArenaError);
    arena.destroy();
  });
});

describe('ArenaInitError: memory cannot be reserved', () => {
  it('new Arena() fails cleanly and the next one works', () => {
    const before = metrics();
    binding.testingFailReservations(1);
    const error = expectThrow(() => new Arena({ size: 4096 }), ArenaInitError, 'ERR_ARENA_INIT');
    expect(error).toBeInstanceOf(ArenaError);
    expect(error.name).toBe('ArenaInitError');
    expect(metrics()).toEqual(before); // nothing reserved, nothing counted
    const arena = new Arena({ size: 4096 });
    expect(arena.alloc(8).length).toBe(8);
    arena.destroy();
  });

  it('fails exactly n reservations', () => {
    binding.testingFailReservations(2);
    expectThrow(() => new Arena({ size: 4096 }), ArenaInitError, 'ERR_ARENA_INIT');
    expectThrow(() => new Arena({ size: 4096 }), ArenaInitError, 'ERR_ARENA_INIT');
    const arena = new Arena({ size: 4096 });
    arena.destroy();
  });

  it('argument errors come first and do not consume a pending failure', () => {
    binding.testingFailReservations(1);
    expectThrow(() => new Arena({ size: -1 }), RangeError, 'ERR_ARENA_INVALID_SIZE');
    expectThrow(() => new Arena({ size: 4096 }), ArenaInitError, 'ERR_ARENA_INIT');
  });

  it('threadArena() fails cleanly and a later call creates it', () => {
    deinitThreadArena();
    const before = metrics();
    binding.testingFailReservations(1);
    expectThrow(() => threadArena(), ArenaInitError, 'ERR_ARENA_INIT');
    expect(metrics().liveArenas).toBe(before.liveArenas);
    const arena = threadArena();
    expect(arena.destroyed).toBe(false);
    expect(arena.alloc(8).length).toBe(8);
    expect(metrics().liveArenas).toBe(before.liveArenas + 1);
  });

  it('a fallback allocation that cannot be reserved throws ArenaInitError; only overflows moves', () => {
    const arena = new Arena({ size: 4096, overflowStrategy: 'fallback' });
    arena.alloc(4000, 1);
    const before = snapshot(arena);
    const m = metrics();
    binding.testingFailReservations(1);
    expectThrow(() => arena.alloc(1000, 1), ArenaInitError, 'ERR_ARENA_INIT');
    const after = snapshot(arena) as any;
    expect(after).toEqual({ ...before, stats: { ...(before.stats as object), overflows: 1 } });
    expect(metrics()).toEqual(m);
    // The next one is served from the heap as usual.
    const served = arena.alloc(1000, 1);
    expect(served.length).toBe(1000);
    expect(arena.stats()).toMatchObject({ fallbacks: 1, fallbackBytes: 1000, overflows: 2 });
    arena.destroy();
  });

  it('testingFailReservations validates its argument', () => {
    expectThrow(() => binding.testingFailReservations(-1), RangeError, 'ERR_ARENA_INVALID_SIZE');
    expectThrow(() => binding.testingFailReservations('1' as any), TypeError, 'ERR_INVALID_ARG_TYPE');
  });
});

describe('the code table (CODES in lib/errors.ts)', () => {
  /** Every quoted code-like literal in the files of `dir` that end in one of `endings`. */
  function literals(dir: string, endings: string[], strip = (text: string) => text): Set<string> {
    const found = new Set<string>();
    for (const file of fs.readdirSync(path.join(ROOT, dir))) {
      if (!endings.some((ending) => file.endsWith(ending))) continue;
      const text = strip(fs.readFileSync(path.join(ROOT, dir, file), 'utf8'));
      for (const m of text.matchAll(/['"]((?:ERR|ENGRAM_ARENA)_[A-Z_]+)['"]/g)) found.add(m[1]);
    }
    return found;
  }
  // The table's own keys do not count as uses; nor do the names of environment variables.
  const withoutTable = (text: string): string => text.replace(/export const CODES = \{[\s\S]*?\} as const/, '');
  const ENV_VARIABLES = new Set([
    'ENGRAM_ARENA_SIZE',
    'ENGRAM_ARENA_OVERFLOW',
    'ENGRAM_ARENA_ZERO',
    'ENGRAM_ARENA_VIEWS',
    'ENGRAM_ARENA_BINARY',
  ]);
  const table = CODES as Record<string, { kind: string; native: boolean; meaning: string }>;
  const native = literals('native', ['.h', '.cc']);
  const facade = new Set([...literals('lib', ['.ts'], withoutTable)].filter((code) => !ENV_VARIABLES.has(code)));

  it('names exactly the codes native/ throws as native ones', () => {
    const marked = Object.keys(table).filter((code) => table[code].native);
    expect([...native].sort()).toEqual(marked.sort());
  });

  it('lists every code lib/ uses, and every code it lists is used somewhere', () => {
    expect([...facade].filter((code) => !(code in table))).toEqual([]);
    expect(Object.keys(table).filter((code) => !facade.has(code) && !native.has(code))).toEqual([]);
  });

  it('gives each code a class the package exports (or a built-in) and a one-line meaning', () => {
    const builtIn = new Set(['TypeError', 'RangeError', 'Error', 'EngramArenaWarning']);
    for (const [code, row] of Object.entries(table)) {
      if (!builtIn.has(row.kind)) expect(typeof (api as Record<string, unknown>)[row.kind], code).toBe('function');
      expect(row.meaning, code).toMatch(/^[^\n]{10,}$/);
    }
  });
});
