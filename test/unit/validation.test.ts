// Every bad input of every argument: the right error class and code, and a
// failed call changes nothing (arena stats, metrics, config, live arenas).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { binding } from '../../dist/binding.js';
import { Arena, ArenaPool, configure, getConfig, metrics, resetConfig } from '../../dist/index.js';
import { expectThrow, snapshot } from '../fixtures/arena-helpers';

type Bad = [label: string, value: unknown, cls: typeof TypeError | typeof RangeError, code: string];

const SIZE = 'ERR_ARENA_INVALID_SIZE';
const ALIGN = 'ERR_ARENA_INVALID_ALIGNMENT';
const TYPE = 'ERR_INVALID_ARG_TYPE';
const VALUE = 'ERR_INVALID_ARG_VALUE';

/** Values of the wrong type for any numeric argument. */
const NOT_NUMBERS: Bad[] = [
  ['a string', '8', TypeError, TYPE],
  ['an empty string', '', TypeError, TYPE],
  ['a BigInt', 8n, TypeError, TYPE],
  ['null', null, TypeError, TYPE],
  ['an object', {}, TypeError, TYPE],
  ['an object with valueOf', { valueOf: () => 8 }, TypeError, TYPE],
  ['an array', [8], TypeError, TYPE],
  ['a Number object', Object(8), TypeError, TYPE],
  ['a symbol', Symbol('eight'), TypeError, TYPE],
  ['a boolean', true, TypeError, TYPE],
  ['a function', () => 8, TypeError, TYPE],
];

/** Numbers no count accepts. */
function badCounts(code: string): Bad[] {
  return [
    ['negative', -1, RangeError, code],
    ['negative fractional', -0.5, RangeError, code],
    ['fractional', 1.5, RangeError, code],
    ['tiny fractional', Number.EPSILON, RangeError, code],
    ['NaN', NaN, RangeError, code],
    ['Infinity', Infinity, RangeError, code],
    ['-Infinity', -Infinity, RangeError, code],
    ['2**53', 2 ** 53, RangeError, code],
    ['Number.MAX_VALUE', Number.MAX_VALUE, RangeError, code],
    ...NOT_NUMBERS,
  ];
}

const BAD_SIZES: Bad[] = [
  ...badCounts(SIZE),
  ['above 1 GiB', 2 ** 30 + 1, RangeError, SIZE],
  ['2**53 - 1', 2 ** 53 - 1, RangeError, SIZE],
];

const BAD_ALIGNMENTS: Bad[] = [
  ...badCounts(ALIGN),
  ['zero', 0, RangeError, ALIGN],
  ['3 (not a power of two)', 3, RangeError, ALIGN],
  ['6 (not a power of two)', 6, RangeError, ALIGN],
  ['12 (not a power of two)', 12, RangeError, ALIGN],
  ['4095', 4095, RangeError, ALIGN],
  ['4097', 4097, RangeError, ALIGN],
  ['8192 (above 4096)', 8192, RangeError, ALIGN],
  ['2**31', 2 ** 31, RangeError, ALIGN],
  ['2**32', 2 ** 32, RangeError, ALIGN],
];

const BAD_STRATEGIES: Bad[] = [
  ['an unknown name', 'explode', RangeError, VALUE],
  ['a wrong case', 'PANIC', RangeError, VALUE],
  ['a near miss', 'error-return', RangeError, VALUE],
  ['padding', ' fallback', RangeError, VALUE],
  ['an empty string', '', RangeError, VALUE],
  ['a NUL suffix', 'panic\0', RangeError, VALUE],
  ['a number', 1, TypeError, TYPE],
  ['null', null, TypeError, TYPE],
  ['an object', { toString: () => 'panic' }, TypeError, TYPE],
  ['a String object', Object('panic'), TypeError, TYPE],
  ['a symbol', Symbol('panic'), TypeError, TYPE],
  ['a boolean', false, TypeError, TYPE],
  ['a BigInt', 1n, TypeError, TYPE],
];

const BAD_BOOLEANS: Bad[] = [
  ['the string "true"', 'true', TypeError, TYPE],
  ['the string "false"', 'false', TypeError, TYPE],
  ['1', 1, TypeError, TYPE],
  ['0', 0, TypeError, TYPE],
  ['null', null, TypeError, TYPE],
  ['an object', {}, TypeError, TYPE],
  ['a Boolean object', Object(false), TypeError, TYPE],
  ['a symbol', Symbol('yes'), TypeError, TYPE],
  ['a BigInt', 0n, TypeError, TYPE],
  ['NaN', NaN, TypeError, TYPE],
];

const BAD_OPTIONS: Bad[] = [
  ['null', null, TypeError, TYPE],
  ['a string', 'size=4096', TypeError, TYPE],
  ['a number', 4096, TypeError, TYPE],
  ['a boolean', true, TypeError, TYPE],
  ['a symbol', Symbol('options'), TypeError, TYPE],
  ['a BigInt', 4096n, TypeError, TYPE],
];

let arena: Arena;
let baseline: Record<string, unknown>;

/** The arena, the metrics and the config are exactly as before the failed call. */
function expectUnchanged(): void {
  expect(snapshot(arena)).toEqual(baseline.arena);
  expect(metrics()).toEqual(baseline.metrics);
  expect(getConfig()).toEqual(baseline.config);
}

beforeAll(() => {
  arena = new Arena({ size: 65536, overflowStrategy: 'error_return' });
  arena.alloc(100, 1); // a used arena, so that "unchanged" means something
  baseline = { arena: snapshot(arena), metrics: metrics(), config: getConfig() };
});

afterAll(() => {
  arena.destroy();
});

afterEach(() => {
  // A test that changed the config on purpose restores it.
  if (JSON.stringify(getConfig()) !== JSON.stringify(baseline.config)) resetConfig();
});

describe('alloc(size, alignment)', () => {
  it.each(BAD_SIZES)('size %s', (_label, value, cls, code) => {
    expectThrow(() => arena.alloc(value as number), cls, code);
    expectUnchanged();
  });

  it.each(BAD_ALIGNMENTS)('alignment %s', (_label, value, cls, code) => {
    expectThrow(() => arena.alloc(8, value as number), cls, code);
    expectUnchanged();
  });

  it('a missing size is a TypeError', () => {
    expectThrow(() => (arena.alloc as any)(), TypeError, TYPE);
    expectUnchanged();
  });

  it('a bad size is reported before a bad alignment', () => {
    expectThrow(() => arena.alloc(-1, 3), RangeError, SIZE);
    expectUnchanged();
  });

  it('bad input on a full arena is still a bad-input error, not an overflow', () => {
    const full = new Arena({ size: 64 });
    full.alloc(64, 1);
    const before = snapshot(full);
    expectThrow(() => full.alloc(1, 3), RangeError, ALIGN);
    expectThrow(() => full.alloc(2 ** 30 + 1, 1), RangeError, SIZE);
    expectThrow(() => full.alloc('1' as any), TypeError, TYPE);
    expect(snapshot(full)).toEqual(before); // not even overflows moved
    full.destroy();
    baseline.metrics = metrics(); // its destroy() folded its counters in
  });

  it('the error messages name the argument', () => {
    expect(() => arena.alloc('8' as any)).toThrow(/size/);
    expect(() => arena.alloc(8, -1)).toThrow(/alignment/);
    expect(() => arena.alloc(8, 3)).toThrow(/power of two/);
  });
});

describe('allocArray(type, length, alignment)', () => {
  const BAD_TYPES: [string, unknown][] = [
    ['Array', Array],
    ['Buffer (a subclass)', Buffer],
    ['DataView', DataView],
    ['ArrayBuffer', ArrayBuffer],
    ['a typed array instance', new Float64Array(1)],
    ['a name', 'Float64Array'],
    ['null', null],
    ['undefined', undefined],
    ['a subclass', class extends Float64Array {}],
    ['an object', { BYTES_PER_ELEMENT: 8 }],
  ];
  it.each(BAD_TYPES)('type %s', (_label, value) => {
    expectThrow(() => arena.allocArray(value as any, 1), TypeError, TYPE);
    expectUnchanged();
  });

  it.each(badCounts(SIZE))('length %s', (_label, value, cls, code) => {
    expectThrow(() => arena.allocArray(Float64Array, value as number), cls, code);
    expectThrow(() => arena.allocArray(Int16Array, value as number), cls, code);
    expectThrow(() => arena.allocArray(Uint8Array, value as number), cls, code);
    expectUnchanged();
  });

  it('a fractional length is refused even when length * element size is whole', () => {
    expectThrow(() => arena.allocArray(Int16Array, 1.5), RangeError, SIZE); // 3 bytes
    expectThrow(() => arena.allocArray(Float64Array, 0.25), RangeError, SIZE); // 2 bytes
    expectThrow(() => arena.allocArray(Float32Array, 2.5), RangeError, SIZE); // 10 bytes
    expectUnchanged();
  });

  it('a length above 1 GiB in bytes is refused, not an overflow', () => {
    expectThrow(() => arena.allocArray(Float64Array, 2 ** 27 + 1), RangeError, SIZE);
    expectThrow(() => arena.allocArray(Int32Array, 2 ** 28 + 1), RangeError, SIZE);
    expectThrow(() => arena.allocArray(Uint8Array, 2 ** 30 + 1), RangeError, SIZE);
    expectThrow(() => arena.allocArray(Float64Array, 2 ** 50), RangeError, SIZE); // 2**53 bytes
    expectUnchanged();
  });

  it.each(BAD_ALIGNMENTS)('alignment %s', (_label, value, cls, code) => {
    expectThrow(() => arena.allocArray(Float64Array, 2, value as number), cls, code);
    expectThrow(() => arena.allocArray(Uint8Array, 2, value as number), cls, code);
    expectUnchanged();
  });
});

describe('new Arena(options)', () => {
  const live = (): number => metrics().liveArenas;

  it.each(BAD_OPTIONS)('options %s', (_label, value, cls, code) => {
    const before = live();
    expectThrow(() => new Arena(value as any), cls, code);
    expect(live()).toBe(before);
    expectUnchanged();
  });

  it.each([...BAD_SIZES, ['zero', 0, RangeError, SIZE] as Bad])('size %s', (_label, value, cls, code) => {
    const before = live();
    expectThrow(() => new Arena({ size: value as number }), cls, code);
    expect(live()).toBe(before);
    expectUnchanged();
  });

  it.each(BAD_STRATEGIES)('overflowStrategy %s', (_label, value, cls, code) => {
    expectThrow(() => new Arena({ size: 4096, overflowStrategy: value as any }), cls, code);
    expectUnchanged();
  });

  it.each(BAD_BOOLEANS)('zeroOnReset %s', (_label, value, cls, code) => {
    expectThrow(() => new Arena({ size: 4096, zeroOnReset: value as any }), cls, code);
    expectUnchanged();
  });

  it('one bad field among good ones still fails, and nothing is reserved', () => {
    const before = live();
    expectThrow(
      () => new Arena({ size: 4096, overflowStrategy: 'fallback', zeroOnReset: 'no' as any }),
      TypeError,
      TYPE,
    );
    expectThrow(() => new Arena({ size: 4096.5, overflowStrategy: 'fallback', zeroOnReset: true }), RangeError, SIZE);
    expect(live()).toBe(before);
    expectUnchanged();
  });
});

describe('configure(options)', () => {
  it.each([...BAD_OPTIONS, ['undefined', undefined, TypeError, TYPE] as Bad])(
    'options %s',
    (_label, value, cls, code) => {
      expectThrow(() => configure(value as any), cls, code);
      expectUnchanged();
    },
  );

  it.each([...BAD_SIZES, ['zero', 0, RangeError, SIZE] as Bad, ['below 64 KiB', 65535, RangeError, SIZE] as Bad])(
    'size %s',
    (_label, value, cls, code) => {
      expectThrow(() => configure({ size: value as number }), cls, code);
      expectUnchanged();
    },
  );

  it.each(BAD_STRATEGIES)('overflowStrategy %s', (_label, value, cls, code) => {
    expectThrow(() => configure({ overflowStrategy: value as any }), cls, code);
    expectUnchanged();
  });

  it.each(BAD_BOOLEANS)('zeroOnReset %s', (_label, value, cls, code) => {
    expectThrow(() => configure({ zeroOnReset: value as any }), cls, code);
    expectUnchanged();
  });

  it('a bad field next to good ones changes no field at all', () => {
    expectThrow(
      () => configure({ size: 131072, overflowStrategy: 'fallback', zeroOnReset: 'yes' as any }),
      TypeError,
      TYPE,
    );
    expectThrow(
      () => configure({ size: 131072, overflowStrategy: 'nope' as any, zeroOnReset: false }),
      RangeError,
      VALUE,
    );
    expectThrow(() => configure({ size: 1000, overflowStrategy: 'fallback', zeroOnReset: false }), RangeError, SIZE);
    expectUnchanged();
  });

  it('the limits themselves are accepted: 64 KiB and 1 GiB', () => {
    expect(configure({ size: 65536 }).size).toBe(65536);
    expect(configure({ size: 2 ** 30 }).size).toBe(2 ** 30);
    resetConfig();
    expectUnchanged();
  });
});

describe('scope(fn)', () => {
  it.each([
    ['undefined', undefined],
    ['null', null],
    ['an object', {}],
    ['a string', 'fn'],
    ['a promise', Promise.resolve()],
  ])('fn %s is a TypeError and nothing runs', (_label, value) => {
    expectThrow(() => arena.scope(value as any), TypeError, TYPE);
    expectUnchanged(); // in particular: no reset happened
  });
});

describe('one layer says what is valid (lib/validate.ts)', () => {
  it("the size's old names are refused everywhere, even beside size, instead of ignored", () => {
    for (const [name, value] of [
      ['poolSize', 65536],
      ['arenaSize', 65536],
    ] as const) {
      for (const make of [
        (o: object) => new Arena(o as any),
        (o: object) => configure(o as any),
        (o: object) => new ArenaPool(o as any),
      ]) {
        for (const options of [{ [name]: value }, { size: 65536, [name]: value }]) {
          const error = expectThrow(() => make(options), TypeError, VALUE);
          expect(error.message).toBe(`${name} is now called size`);
        }
      }
    }
    expectUnchanged();
  });

  it('Arena, configure and ArenaPool refuse a bad option with the same words', () => {
    const refusals = (value: unknown, cls: typeof TypeError | typeof RangeError, code: string): string[] =>
      [
        () => new Arena({ size: 4096, overflowStrategy: value as any }),
        () => configure({ overflowStrategy: value as any }),
        () => new ArenaPool({ overflowStrategy: value as any }),
      ].map((fn) => expectThrow(fn, cls, code).message);
    const unknown = refusals('nope', RangeError, VALUE);
    expect(new Set(unknown).size).toBe(1);
    expect(unknown[0]).toBe("overflowStrategy must be 'panic', 'error_return' or 'fallback', got 'nope'");
    const wrongType = refusals(1, TypeError, TYPE);
    expect(new Set(wrongType).size).toBe(1);
    expect(wrongType[0]).toBe('overflowStrategy must be a string, got a number');
    expectUnchanged();
  });

  it('the internal binding, called directly, still refuses what the facade would (class and code only)', () => {
    const good = { size: 65536, overflowStrategy: 1, zeroOnReset: 1 };
    for (const call of [(o: any) => binding.setConfig(o), (o: any) => new binding.NativeArena(o)]) {
      expectThrow(() => call(65536), TypeError, TYPE);
      expectThrow(() => call({ ...good, overflowStrategy: 'nope' }), TypeError, TYPE);
      expectThrow(() => call({ ...good, zeroOnReset: true }), TypeError, TYPE);
      expectThrow(() => call({ ...good, overflowStrategy: 256 }), RangeError, VALUE);
      expectThrow(() => call({ ...good, overflowStrategy: 3 }), RangeError, VALUE); // the library's refusal
      expectThrow(() => call({ ...good, zeroOnReset: 2 }), RangeError, VALUE);
      expectThrow(() => call({ ...good, size: -1 }), RangeError, VALUE);
    }
    expectUnchanged();
  });
});
