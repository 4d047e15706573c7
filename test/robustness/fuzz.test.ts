// The argument surface, fuzzed: every exported function and method (and the
// raw addon behind them) called with values of every JavaScript type, with
// wrong `this`, as constructors and not. Only TypeError, RangeError and the
// package's own errors may come out (or an error thrown by the caller's own
// valueOf/getter/proxy trap); a call that throws changes nothing (stats,
// metrics, config); the process never crashes (it is this test's process).

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARENA_OPTIONS_FIELDS, LIMITS } from '../../dist/abi.js';
import { binding } from '../../dist/binding.js';
import * as api from '../../dist/index.js';
import { arenaOffset, TYPED_ARRAY_CLASSES } from '../fixtures/arena-helpers';

const {
  Arena,
  ArenaError,
  ArenaOverflowError,
  ArenaDestroyedError,
  ArenaInitError,
  configure,
  getConfig,
  resetConfig,
  metrics,
  resetMetrics,
  threadArena,
  resetThreadArena,
  deinitThreadArena,
} = api;

const FUZZ_RUNS = Number(process.env.ENGRAM_FUZZ_RUNS ?? 20000);

/** Thrown by the values' own hooks (valueOf, getters, proxy traps): the caller's error, passed through. */
class UserThrown extends Error {}
const userThrow = (): never => {
  throw new UserThrown('thrown by a value under test');
};

function detachedArrayBuffer(): ArrayBuffer {
  const ab = new ArrayBuffer(16);
  structuredClone(ab, { transfer: [ab] });
  return ab;
}

function buildValues(scratch: InstanceType<typeof Arena>): [string, unknown][] {
  const revoked = Proxy.revocable({}, {});
  revoked.revoke();
  const trapAll = new Proxy(
    {},
    {
      get: userThrow,
      has: userThrow,
      ownKeys: userThrow,
      getPrototypeOf: userThrow,
      getOwnPropertyDescriptor: userThrow,
      set: userThrow,
      defineProperty: userThrow,
      deleteProperty: userThrow,
      apply: userThrow,
      construct: userThrow,
    },
  );
  const detachedView = new Uint8Array(new ArrayBuffer(16));
  structuredClone(detachedView.buffer, { transfer: [detachedView.buffer] });
  const staleArenaView = scratch.alloc(32);
  scratch.reset(); // detaches staleArenaView
  const destroyedArena = new Arena({ size: 4096 });
  const destroyedView = destroyedArena.alloc(8);
  destroyedArena.destroy();
  return [
    ['undefined', undefined],
    ['null', null],
    ['true', true],
    ['false', false],
    ['""', ''],
    ['"8"', '8'],
    ['"abc"', 'abc'],
    ['"fallback"', 'fallback'],
    ['"error_return"', 'error_return'],
    ['"panic"', 'panic'],
    ['"Float64Array"', 'Float64Array'],
    ['long string', 'x'.repeat(100_000)],
    ['0', 0],
    ['-0', -0],
    ['1', 1],
    ['2', 2],
    ['3', 3],
    ['8', 8],
    ['64', 64],
    ['4096', 4096],
    ['8192', 8192],
    ['65536', 65536],
    ['-1', -1],
    ['0.5', 0.5],
    ['1.5', 1.5],
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['-Infinity', -Infinity],
    ['2**31', 2 ** 31],
    ['2**32', 2 ** 32],
    ['2**30', 2 ** 30],
    ['2**30+1', 2 ** 30 + 1],
    ['2**53-1', 2 ** 53 - 1],
    ['2**53', 2 ** 53],
    ['2**53+2', 2 ** 53 + 2],
    ['2**64', 2 ** 64],
    ['1e308', 1e308],
    ['-1e308', -1e308],
    ['MIN_VALUE', Number.MIN_VALUE],
    ['EPSILON', Number.EPSILON],
    ['-MIN_VALUE', -Number.MIN_VALUE],
    ['0n', 0n],
    ['8n', 8n],
    ['-1n', -1n],
    ['2n**64n', 2n ** 64n],
    ['Symbol()', Symbol('fuzz')],
    ['Symbol.iterator', Symbol.iterator],
    ['{}', {}],
    ['[]', []],
    ['[8]', [8]],
    ['{length:8}', { length: 8 }],
    ['valueOf 8', { valueOf: () => 8 }],
    ['toString "8"', { toString: () => '8' }],
    ['toPrimitive 8', { [Symbol.toPrimitive]: () => 8 }],
    ['valueOf throws', { valueOf: userThrow, toString: userThrow }],
    ['null proto', Object.create(null)],
    ['new Number(8)', new Number(8)],
    ['new String("8")', new String('8')],
    ['new Boolean(true)', new Boolean(true)],
    ['Date', new Date(0)],
    ['RegExp', /x/g],
    ['Map', new Map([[1, 2]])],
    ['Set', new Set([1])],
    ['WeakMap', new WeakMap()],
    ['Promise', Promise.resolve(8)],
    ['thenable', { then: (r: (v: number) => void) => r(8) }],
    [
      'function',
      function named() {
        return 8;
      },
    ],
    ['arrow', () => 8],
    ['class', class Klass {}],
    ['async fn', async () => 8],
    ['Math', Math],
    ['Error', new Error('e')],
    ['proxy({})', new Proxy({}, {})],
    ['proxy(8 box)', new Proxy(new Number(8), {})],
    ['trap-all proxy', trapAll],
    ['revoked proxy', revoked.proxy],
    ['proxy(function)', new Proxy(() => 8, { apply: userThrow })],
    ['ArrayBuffer(8)', new ArrayBuffer(8)],
    ['detached ArrayBuffer', detachedArrayBuffer()],
    ['detached Uint8Array', detachedView],
    ['SharedArrayBuffer', new SharedArrayBuffer(8)],
    ['Buffer', Buffer.alloc(8)],
    ['DataView', new DataView(new ArrayBuffer(8))],
    ['arena view (detached by reset)', staleArenaView],
    ['arena view (destroyed)', destroyedView],
    ['Float64Array ctor', Float64Array],
    ['Uint8Array ctor', Uint8Array],
    ['BigInt64Array ctor', BigInt64Array],
    ['DataView ctor', DataView],
    ['Buffer ctor', Buffer],
    ['Array ctor', Array],
    ['destroyed Arena', destroyedArena],
    ['options {size:4096}', { size: 4096 }],
    ['options {size:-1}', { size: -1 }],
    ['options {overflowStrategy:"nope"}', { overflowStrategy: 'nope' }],
    ['options {size:65536}', { size: 65536 }],
    ['options {zeroOnReset:1}', { zeroOnReset: 1 }],
    [
      'getter throws',
      {
        get size() {
          return userThrow();
        },
      },
    ],
    ['frozen {}', Object.freeze({})],
  ];
}

type Snapshot = { stats: unknown; destroyed: boolean; metrics: unknown; config: unknown };

function allowed(err: unknown): boolean {
  return (
    err instanceof TypeError || err instanceof RangeError || err instanceof ArenaError || err instanceof UserThrown
  );
}

describe('fuzz: the argument surface', () => {
  let calls = 0;
  let threw = 0;
  const byClass = new Map<string, number>();
  let target: InstanceType<typeof Arena>;
  let fallbackTarget: InstanceType<typeof Arena>;
  let VALUES: [string, unknown][];
  const created: { destroy(): void }[] = [];

  function snapshot(arena: InstanceType<typeof Arena> | null): Snapshot {
    const destroyed = arena === null ? true : arena.destroyed;
    return {
      stats: arena === null || destroyed ? null : arena.stats(),
      destroyed,
      metrics: metrics(),
      config: getConfig(),
    };
  }

  function sameState(a: Snapshot, b: Snapshot): boolean {
    const flat = (o: unknown) => (o === null ? 'null' : Object.values(o as object).join(','));
    return (
      a.destroyed === b.destroyed &&
      flat(a.stats) === flat(b.stats) &&
      flat(a.metrics) === flat(b.metrics) &&
      flat(a.config) === flat(b.config)
    );
  }

  let sinceRoomCheck = 0;
  function keepRoom(arena: InstanceType<typeof Arena>): void {
    sinceRoomCheck = (sinceRoomCheck + 1) % 16;
    if (sinceRoomCheck !== 0) return;
    if (!arena.destroyed && arena.remaining() < 16384) arena.reset();
  }

  /**
   * Calls `fn`; a throw must be an allowed class and leave `watched` (and the
   * global metrics and config) as they were. `mayChangeOnThrow` is for calls
   * whose contract runs code before failing (scope resets on a throwing callback).
   */
  function attempt(
    label: string,
    watched: InstanceType<typeof Arena> | null,
    fn: () => unknown,
    mayChangeOnThrow = false,
  ): unknown {
    const before = snapshot(watched);
    calls += 1;
    let result: unknown;
    try {
      result = fn();
    } catch (err) {
      threw += 1;
      const name = err instanceof Error ? err.constructor.name : typeof err;
      byClass.set(name, (byClass.get(name) ?? 0) + 1);
      if (!allowed(err)) throw new Error(`${label} threw ${name}: ${String((err as Error)?.message ?? err)}`);
      if (!mayChangeOnThrow) {
        const after = snapshot(watched);
        // An overflow is counted by contract (overflows + 1); nothing else moves.
        if (err instanceof ArenaOverflowError && before.stats !== null && after.stats !== null) {
          const b = before.stats as { overflows: number };
          const a = after.stats as { overflows: number };
          if (a.overflows !== b.overflows + 1) throw new Error(`${label}: overflows ${b.overflows} -> ${a.overflows}`);
          a.overflows = b.overflows;
        }
        if (!sameState(after, before)) {
          throw new Error(
            `${label} failed (${name}) but changed state:\n${JSON.stringify(before)}\n${JSON.stringify(after)}`,
          );
        }
      }
      return undefined;
    }
    // Arenas a call made are destroyed by settle() (for the thread arena that is deinitThreadArena).
    if (result instanceof api.Arena && result !== watched && !result.destroyed) created.push(result);
    return result;
  }

  function settle(): void {
    for (const a of created.splice(0)) a.destroy();
    resetConfig();
    binding.testingFailReservations(0);
  }

  beforeAll(() => {
    resetConfig();
    target = new Arena({ size: 1 << 16, overflowStrategy: 'error_return', zeroOnReset: true });
    // zeroOnReset false: a legal 1 GiB fallback is reserved lazily and never touched.
    fallbackTarget = new Arena({ size: 4096, overflowStrategy: 'fallback', zeroOnReset: false });
    VALUES = buildValues(target);
  });

  afterAll(() => {
    settle();
    target.destroy();
    fallbackTarget.destroy();
    deinitThreadArena();
    const top = [...byClass.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    console.log(
      `[fuzz] calls made: ${calls}, calls that threw: ${threw} (${top}), values per argument: ${VALUES.length}`,
    );
  });

  it('free functions with every value (and every options field with every value)', () => {
    const free: [string, (...a: unknown[]) => unknown][] = [
      ['configure', configure as never],
      ['getConfig', getConfig as never],
      ['resetConfig', resetConfig as never],
      ['metrics', metrics as never],
      ['resetMetrics', resetMetrics as never],
      ['threadArena', threadArena as never],
      ['resetThreadArena', resetThreadArena as never],
      ['deinitThreadArena', deinitThreadArena as never],
    ];
    for (const [name, fn] of free) {
      attempt(`${name}()`, null, () => fn());
      for (const [label, v] of VALUES) {
        attempt(`${name}(${label})`, null, () => fn(v));
        attempt(`${name}(${label}, ${label})`, null, () => fn(v, v));
        attempt(`new ${name}(${label})`, null, () => Reflect.construct(fn, [v]));
        settle();
      }
    }
    for (const field of ['size', 'overflowStrategy', 'zeroOnReset']) {
      for (const [label, v] of VALUES) {
        attempt(`configure({${field}: ${label}})`, null, () => configure({ [field]: v } as never));
        settle();
      }
    }
    // configure with two fields at once, every pair of values.
    for (const [l1, v1] of VALUES) {
      for (const [l2, v2] of VALUES) {
        attempt(`configure({size: ${l1}, overflowStrategy: ${l2}})`, null, () =>
          configure({ size: v1, overflowStrategy: v2 } as never),
        );
        attempt(`configure({zeroOnReset: ${l1}, size: ${l2}})`, null, () =>
          configure({ zeroOnReset: v1, size: v2 } as never),
        );
        resetConfig();
      }
      settle();
    }
  });

  it('the Arena constructor: every value, every field, pairs of fields, without new', () => {
    for (const [label, v] of VALUES) {
      attempt(`new Arena(${label})`, null, () => new Arena(v as never));
      attempt(`Arena(${label})`, null, () => (Arena as unknown as (o: unknown) => unknown)(v));
      for (const field of ['size', 'overflowStrategy', 'zeroOnReset']) {
        attempt(`new Arena({${field}: ${label}})`, null, () => new Arena({ size: 4096, [field]: v } as never));
      }
      settle();
    }
    for (const [l1, v1] of VALUES) {
      for (const [l2, v2] of VALUES) {
        attempt(
          `new Arena({size: ${l1}, zeroOnReset: ${l2}})`,
          null,
          () => new Arena({ size: v1, zeroOnReset: v2 } as never),
        );
        attempt(
          `new Arena({size: ${l1}, overflowStrategy: ${l2}})`,
          null,
          () => new Arena({ size: v1, overflowStrategy: v2 } as never),
        );
      }
      settle();
    }
  });

  it('every method with every value and every pair of values; allocArray with every triple of (type, length, alignment)', () => {
    const methods = ['alloc', 'allocArray', 'reset', 'remaining', 'utilization', 'stats', 'destroy', 'scope'] as const;
    for (const arena of [target, fallbackTarget, threadArena()]) {
      for (const m of methods) {
        if (m === 'destroy') continue; // below, on throwaway arenas
        const fn = (arena as unknown as Record<string, (...a: unknown[]) => unknown>)[m].bind(arena);
        for (const [l1, v1] of VALUES) {
          attempt(`${m}(${l1})`, arena, () => fn(v1), m === 'scope' && typeof v1 === 'function');
          keepRoom(arena);
          if (m === 'alloc' || (arena === target && (m === 'allocArray' || m === 'scope'))) {
            for (const [l2, v2] of VALUES) {
              attempt(`${m}(${l1}, ${l2})`, arena, () => fn(v1, v2), m === 'scope' && typeof v1 === 'function');
              keepRoom(arena);
            }
          }
        }
      }
      for (const key of [Symbol.dispose, 'capacity', 'options', 'destroyed']) {
        attempt(`read ${String(key)}`, arena, () => (arena as unknown as Record<PropertyKey, unknown>)[key]);
      }
    }
    const types = TYPED_ARRAY_CLASSES;
    // Every type value with every length value, against a spread of alignments.
    const typeValues: [string, unknown][] = [...types.map((t) => [t.name, t] as [string, unknown]), ...VALUES];
    const ALIGN_LABELS = [
      'undefined',
      'null',
      '0',
      '-0',
      '1',
      '3',
      '8',
      '4096',
      '8192',
      'NaN',
      '1.5',
      '"8"',
      '8n',
      'Symbol()',
      'valueOf 8',
      'trap-all proxy',
      'detached Uint8Array',
      '2**53',
    ];
    const alignValues = VALUES.filter(([l]) => ALIGN_LABELS.includes(l));
    expect(alignValues.length).toBe(ALIGN_LABELS.length);
    for (const [lt, t] of typeValues) {
      const isType = (types as unknown[]).includes(t);
      // A non-type fails first whatever follows: a few lengths and alignments suffice there.
      for (const [ll, len] of isType ? VALUES : VALUES.slice(0, 4)) {
        for (const [la, al] of isType ? alignValues : alignValues.slice(0, 3)) {
          attempt(`allocArray(${lt}, ${ll}, ${la})`, target, () =>
            target.allocArray(t as never, len as never, al as never),
          );
          keepRoom(target);
        }
      }
    }
  });

  it('destroy, dispose and every method on destroyed arenas; methods and getters with a wrong this', () => {
    for (const [label, v] of VALUES) {
      const a = new Arena({ size: 4096 });
      attempt(`destroy(${label})`, a, () => (a.destroy as (...x: unknown[]) => void).call(a, v));
      attempt(`destroy again`, a, () => a.destroy());
      attempt(`[Symbol.dispose](${label})`, a, () => (a[Symbol.dispose] as (...x: unknown[]) => void).call(a, v));
      for (const m of ['alloc', 'allocArray', 'reset', 'remaining', 'utilization', 'stats', 'scope']) {
        attempt(`destroyed.${m}(${label})`, a, () =>
          (a as unknown as Record<string, (...x: unknown[]) => unknown>)[m](v, v),
        );
      }
    }
    const proto = Arena.prototype as unknown as Record<PropertyKey, unknown>;
    const keys = Reflect.ownKeys(Arena.prototype).filter((k) => k !== 'constructor');
    expect(keys.length).toBeGreaterThanOrEqual(11);
    const receivers: [string, unknown][] = [
      ...VALUES,
      ['Object.create(Arena.prototype)', Object.create(Arena.prototype)],
      ['NativeArena-shaped object', { alloc: () => 0, state: () => new ArrayBuffer(8), bind: () => 0 }],
    ];
    for (const key of keys) {
      const desc = Object.getOwnPropertyDescriptor(Arena.prototype, key)!;
      const fns = [desc.value, desc.get, desc.set].filter(
        (f): f is (...a: unknown[]) => unknown => typeof f === 'function',
      );
      for (const fn of fns) {
        for (const [label, self] of receivers) {
          attempt(`Arena.prototype.${String(key)}.call(${label})`, target, () => fn.call(self, 8, 8));
        }
      }
      void proto;
    }
    for (const [label, self] of receivers) {
      for (const fn of [target.alloc, target.reset, target.stats]) {
        attempt(`bound-to-wrong-this ${fn.name}(${label})`, target, () => Reflect.apply(fn, self, [16]));
      }
    }
  });

  it('the error classes with every value', () => {
    const details = VALUES.filter((_, i) => i % 5 === 0 || i >= VALUES.length - 12);
    for (const cls of [ArenaError, ArenaOverflowError, ArenaDestroyedError, ArenaInitError]) {
      for (const [l1, v1] of VALUES) {
        for (const [l2, v2] of details) {
          const made = attempt(
            `new ${cls.name}(${l1}, ${l2})`,
            null,
            () => new (cls as new (...a: unknown[]) => unknown)(v1, v2),
          );
          if (made !== undefined) expect(made).toBeInstanceOf(ArenaError);
        }
        attempt(`${cls.name}(${l1}) without new`, null, () => (cls as unknown as (a: unknown) => unknown)(v1));
      }
    }
  });

  it('the raw addon: every export, the native class with wrong this, arguments of every type', () => {
    const Native = binding.NativeArena as unknown as new (
      ...a: unknown[]
    ) => Record<string, (...a: unknown[]) => unknown>;
    const good = { size: 4096, overflowStrategy: 1, zeroOnReset: 1 };
    // The options object itself, then each of its fields, given every value.
    const variants: [string, unknown[]][] = VALUES.map(([label, v]) => [`options=${label}`, [v]]);
    for (const field of ARENA_OPTIONS_FIELDS) {
      for (const [label, v] of VALUES) variants.push([`${field.name}=${label}`, [{ ...good, [field.name]: v }]]);
    }
    for (const [label, args] of variants) {
      {
        const made = attempt(`new NativeArena(${label})`, null, () => new Native(...args));
        if (made) (made as { destroy(): void }).destroy();
        attempt(`NativeArena(${label}) without new`, null, () =>
          (Native as unknown as (...a: unknown[]) => unknown)(...args),
        );
      }
    }
    // A raw arena and a block of memory it may use (capacity + hostedSlack bytes).
    const native = new Native(good);
    const memory = new ArrayBuffer(4096 + LIMITS.hostedSlackBytes);
    native.bind(memory, true);
    // The raw arena, watched as attempt() watches an Arena: a call that throws changes no counter.
    const watchedNative = { destroyed: false, stats: () => native.stats() } as unknown as InstanceType<typeof Arena>;
    const nativeMethods = Reflect.ownKeys(Native.prototype).filter((k) => k !== 'constructor') as string[];
    expect(nativeMethods.sort()).toEqual(['alloc', 'bind', 'destroy', 'reset', 'resetFunction', 'state', 'stats']);
    for (const name of nativeMethods) {
      const fn = (Native.prototype as unknown as Record<string, (...a: unknown[]) => unknown>)[name];
      for (const [label, self] of [
        ...VALUES,
        ['Object.create(NativeArena.prototype)', Object.create(Native.prototype)] as [string, unknown],
      ]) {
        attempt(`NativeArena.prototype.${name}.call(${label})`, null, () => fn.call(self, 8, 8, memory));
      }
      // destroy ends the arena on purpose: last, below.
      if (name === 'destroy') continue;
      for (const [l1, v1] of VALUES) {
        for (const [l2, v2] of VALUES) {
          attempt(`native.${name}(${l1}, ${l2})`, watchedNative, () => fn.call(native, v1, v2));
          // With the real memory last, alloc gets past its memory argument.
          if (name === 'alloc')
            attempt(`native.alloc(${l1}, ${l2}, memory)`, watchedNative, () => fn.call(native, v1, v2, memory));
        }
        // With the real memory first, bind and reset fuzz their `fresh` flag.
        if (name === 'bind' || name === 'reset')
          attempt(`native.${name}(memory, ${l1})`, watchedNative, () => fn.call(native, memory, v1));
        const usage = (native.stats() as unknown as { currentUsage: number }).currentUsage;
        if (usage > 4096 - 1024) native.reset(memory, false);
      }
    }
    // The bound reset of resetFunction() is a method of its own.
    const boundReset = native.resetFunction() as (...a: unknown[]) => unknown;
    for (const [label, v] of VALUES) attempt(`resetFunction()(${label})`, watchedNative, () => boundReset(v, v));
    native.destroy();
    native.destroy(); // idempotent
    const errorOf = (fn: () => unknown): unknown => {
      try {
        fn();
      } catch (err) {
        return err;
      }
      return undefined;
    };
    // A destroyed raw arena refuses everything that needs its handle, and so
    // do the bound resets, the one taken before destroy and one taken after.
    for (const name of nativeMethods) {
      if (name === 'destroy' || name === 'resetFunction') continue;
      const fn = (native as Record<string, (...a: unknown[]) => unknown>)[name];
      expect([name, errorOf(() => fn.call(native, 8, 8, memory))]).toEqual([name, expect.any(ArenaDestroyedError)]);
    }
    const lateReset = native.resetFunction() as (...a: unknown[]) => unknown;
    for (const [name, fn] of [
      ['reset bound before destroy', boundReset],
      ['reset bound after destroy', lateReset],
    ] as const) {
      expect([name, errorOf(() => fn(memory, false))]).toEqual([name, expect.any(ArenaDestroyedError)]);
    }
    for (const name of ['setConfig']) {
      const good3: unknown[] = [65536, 'error_return', true];
      for (let slot = 0; slot < 3; slot++) {
        for (const [label, v] of VALUES) {
          const args = good3.slice();
          args[slot] = v;
          attempt(`binding.${name}(arg${slot}=${label})`, null, () =>
            (binding as unknown as Record<string, (...a: unknown[]) => unknown>)[name](...args),
          );
          settle();
        }
      }
    }
    // The thread arena is an ordinary Arena of lib/thread-arena.ts now: the
    // binding has no thread-arena functions left to fuzz.
    for (const gone of [
      'threadArena',
      'resetThreadArena',
      'deinitThreadArena',
      'scanEscapes',
      'freeRetired',
      'setViewMode',
      'probeBuffer',
      'probeIs',
    ]) {
      expect([gone, (binding as unknown as Record<string, unknown>)[gone]]).toEqual([gone, undefined]);
    }
    const plain = ['getConfig', 'resetConfig', 'envErrors', 'metrics', 'resetMetrics'];
    for (const name of plain) {
      for (const [label, v] of VALUES) {
        attempt(`binding.${name}(${label})`, null, () =>
          (binding as unknown as Record<string, (...a: unknown[]) => unknown>)[name](v, v, v),
        );
      }
    }
    // The memory functions with every value and every pair. They may detach or
    // discard what they are given, so each round gets values of its own.
    const memoryFns = ['paddingFor', 'discardMemory', 'freeMemory'] as const;
    for (const name of memoryFns) {
      const scratch = new Arena({ size: 4096 });
      const own = buildValues(scratch);
      for (const [l1, v1] of own) {
        attempt(`binding.${name}(${l1})`, null, () => (binding[name] as (...a: unknown[]) => unknown)(v1));
        for (const [l2, v2] of own) {
          attempt(`binding.${name}(${l1}, ${l2})`, null, () => (binding[name] as (...a: unknown[]) => unknown)(v1, v2));
        }
      }
      scratch.destroy();
    }
    // countMovedOut counts by design (one call, one block), whatever it is given.
    const movedBefore = metrics().totalMovedOut;
    for (const [label, v] of VALUES)
      attempt(`binding.countMovedOut(${label})`, null, () =>
        (binding.countMovedOut as (...a: unknown[]) => unknown)(v),
      );
    expect(metrics().totalMovedOut - movedBefore).toBe(VALUES.length);
    // The failure-injection seam: any count, then back to 0.
    for (const [label, v] of VALUES) {
      attempt(`binding.testingFailReservations(${label})`, null, () => binding.testingFailReservations(v as number));
      attempt('new Arena while reservations fail', null, () => new Arena({ size: 4096 }));
      settle();
    }
    // setErrorClasses with junk: only TypeError; then the real classes again.
    for (const [label, v] of VALUES) {
      attempt(`binding.setErrorClasses(${label})`, null, () => binding.setErrorClasses(v as never));
      attempt(`binding.setErrorClasses({ArenaError: ${label}})`, null, () =>
        binding.setErrorClasses({ ArenaError: v, ArenaOverflowError: v } as never),
      );
      binding.setErrorClasses({ ArenaError, ArenaOverflowError, ArenaDestroyedError, ArenaInitError });
    }
    expect(() => new Arena({ size: 16 }).alloc(32)).toThrow(ArenaOverflowError);
  });

  it('every export of the package, whatever it is: functions and classes with every value, methods with wrong this', async () => {
    const rejections: Promise<unknown>[] = [];
    const instances: { destroy?: () => void }[] = [];
    const isClass = (f: Function) => /^class[\s{]/.test(Function.prototype.toString.call(f));
    const check = (label: string, result: unknown) => {
      // A returned promise may only reject with an allowed error.
      if (result instanceof Promise) {
        rejections.push(
          result.then(
            () => undefined,
            (err) => {
              if (!allowed(err)) throw new Error(`${label} rejected with ${String(err)}`);
            },
          ),
        );
      }
    };
    let exportsSwept = 0;
    for (const [name, value] of Object.entries(api)) {
      if (typeof value !== 'function') continue;
      exportsSwept += 1;
      const fn = value as (...a: unknown[]) => unknown;
      for (const [label, v] of VALUES) {
        if (isClass(fn)) {
          const made = attempt(`new ${name}(${label})`, null, () => Reflect.construct(fn, [v, v]));
          if (made && typeof (made as { destroy?: unknown }).destroy === 'function') instances.push(made as never);
          attempt(`${name}(${label}) without new`, null, () => fn(v));
        } else {
          check(
            `${name}(${label})`,
            attempt(`${name}(${label})`, null, () => fn(v)),
          );
          check(
            `${name}(${label}, ${label})`,
            attempt(`${name}(${label}, ${label})`, null, () => fn(v, v, v)),
          );
        }
      }
      settle();
      if (!isClass(fn)) continue;
      // Methods and accessors: on a default instance with every value, and on every wrong receiver.
      let instance: unknown;
      try {
        instance = Reflect.construct(fn, []);
      } catch {
        instance = undefined;
      }
      if (instance && typeof (instance as { destroy?: unknown }).destroy === 'function')
        instances.push(instance as never);
      for (const key of Reflect.ownKeys(fn.prototype)) {
        if (key === 'constructor') continue;
        const desc = Object.getOwnPropertyDescriptor(fn.prototype, key)!;
        for (const method of [desc.value, desc.get, desc.set]) {
          if (typeof method !== 'function') continue;
          if (key === 'destroy' || key === Symbol.dispose) continue; // last, below
          // A hold that succeeds lasts by design (and would refuse the final destroy);
          // their arguments are fuzzed in test/holds.test.ts.
          if (typeof key === 'string' && key.startsWith('hold')) continue;
          for (const [label, v] of VALUES) {
            check(
              `${name}.prototype.${String(key)}.call(${label})`,
              attempt(`${name}.prototype.${String(key)}.call(${label})`, null, () => method.call(v, v)),
            );
            if (instance !== undefined) {
              const mayRun = typeof v === 'function'; // run(fn)/scope(fn) call it, by contract
              const watched = instance instanceof Arena ? instance : null;
              check(
                `${name}#${String(key)}(${label})`,
                attempt(`${name}#${String(key)}(${label})`, watched, () => method.call(instance, v), mayRun),
              );
            }
          }
        }
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    for (const i of instances) i.destroy?.();
    settle();
    await Promise.all(rejections);
    console.log(
      `[fuzz] exports swept: ${exportsSwept} (${Object.keys(api)
        .filter((k) => typeof (api as Record<string, unknown>)[k] === 'function')
        .join(', ')}); promises checked: ${rejections.length}`,
    );
    expect(exportsSwept).toBeGreaterThanOrEqual(16);
  });

  it(`random calls: ${FUZZ_RUNS} calls of a random export or method with random arguments (fast-check)`, () => {
    // By index, decoded in the predicate: fast-check probes and prints the
    // values it generates, and the trap-all proxy throws on any probe.
    class Special {
      constructor(readonly index: number) {}
      toString() {
        return VALUES[this.index][0];
      }
    }
    const decode = (v: unknown) => (v instanceof Special ? VALUES[v.index][1] : v);
    const special = fc.nat({ max: VALUES.length - 1 }).map((i) => new Special(i));
    const arg = fc.oneof(
      { weight: 3, arbitrary: special },
      {
        weight: 2,
        arbitrary: fc.anything({
          withBigInt: true,
          withMap: true,
          withSet: true,
          withTypedArray: true,
          withNullPrototype: true,
          withBoxedValues: true,
          withDate: true,
          withSparseArray: true,
          maxDepth: 2,
        }),
      },
      { weight: 2, arbitrary: fc.double() },
      { weight: 2, arbitrary: fc.integer({ min: -5, max: 70000 }) },
    );
    const targets: [string, (args: unknown[]) => unknown, () => InstanceType<typeof Arena> | null, boolean][] = [
      ['alloc', (a) => (target.alloc as (...x: unknown[]) => unknown)(...a), () => target, false],
      ['allocArray', (a) => (target.allocArray as (...x: unknown[]) => unknown)(...a), () => target, false],
      [
        'fallback.alloc',
        (a) => (fallbackTarget.alloc as (...x: unknown[]) => unknown)(...a),
        () => fallbackTarget,
        false,
      ],
      ['thread.alloc', (a) => (threadArena().alloc as (...x: unknown[]) => unknown)(...a), () => threadArena(), false],
      ['reset', (a) => (target.reset as (...x: unknown[]) => unknown)(...a), () => target, false],
      ['scope', (a) => (target.scope as (...x: unknown[]) => unknown)(...a), () => target, true],
      ['stats', (a) => (target.stats as (...x: unknown[]) => unknown)(...a), () => target, false],
      ['new Arena', (a) => new Arena(a[0] as never), () => null, false],
      [
        'new Arena(fields)',
        (a) => new Arena({ size: a[0], overflowStrategy: a[1], zeroOnReset: a[2] } as never),
        () => null,
        false,
      ],
      ['configure', (a) => configure(a[0] as never), () => null, false],
      [
        'configure(fields)',
        (a) => configure({ size: a[0], overflowStrategy: a[1], zeroOnReset: a[2] } as never),
        () => null,
        false,
      ],
      [
        'wrong this',
        (a) => (Arena.prototype.alloc as (...x: unknown[]) => unknown).apply(a[0], a.slice(1)),
        () => target,
        false,
      ],
      // The raw addon, past the facade: random size and alignment with the
      // arena's real memory, and random everything (the memory argument too).
      [
        'native.alloc',
        (a) => (raw.alloc as (...x: unknown[]) => unknown).call(raw, a[0], a[1], rawMemory),
        () => watchedRaw,
        false,
      ],
      [
        'native.alloc(any memory)',
        (a) => (raw.alloc as (...x: unknown[]) => unknown).apply(raw, a),
        () => watchedRaw,
        false,
      ],
    ];
    const raw = new binding.NativeArena({ size: 1 << 16, overflowStrategy: 1, zeroOnReset: 1 });
    const rawMemory = new ArrayBuffer((1 << 16) + LIMITS.hostedSlackBytes);
    raw.bind(rawMemory, true);
    const watchedRaw = { destroyed: false, stats: () => raw.stats() } as unknown as InstanceType<typeof Arena>;
    fc.assert(
      fc.property(fc.nat({ max: targets.length - 1 }), fc.array(arg, { maxLength: 4 }), (t, encoded) => {
        const args = encoded.map(decode);
        const [name, fn, watched, mayChange] = targets[t];
        threadArena(); // exists before the call: making it is not the call's doing
        const arena = watched();
        const before = arena === null ? null : arena.stats();
        attempt(
          `${name}(${args.map((x) => typeof x).join(', ')})`,
          arena,
          () => fn(args),
          mayChange && typeof args[0] === 'function',
        );
        if (arena !== null && before !== null && !arena.destroyed && arena.stats().allocations < before.allocations) {
          // Only a reset (or scope) lowers the counters.
          expect(['reset', 'scope']).toContain(name);
        }
        if (name.startsWith('fallback') && fallbackTarget.stats().fallbacks > 0) fallbackTarget.reset();
        if (raw.stats().currentUsage > (1 << 16) - 16384) raw.reset(rawMemory, false);
        keepRoom(target);
        settle();
      }),
      { numRuns: FUZZ_RUNS },
    );
    raw.destroy();
  });

  it('the process is intact afterwards: a fresh arena behaves', () => {
    settle();
    const a = new Arena({ size: 4096 });
    const v = a.alloc(100, 64);
    v.fill(7);
    expect(arenaOffset(v)).toBe(0);
    expect((v.byteOffset - binding.paddingFor(v.buffer as ArrayBuffer, 64)) % 64).toBe(0);
    expect(a.stats()).toMatchObject({ currentUsage: 100, allocations: 1 });
    a.destroy();
    expect(v.length).toBe(0);
    expect(calls).toBeGreaterThan(100_000);
  });
});

describe('regressions found by fuzzing', () => {
  it('a zero-byte alloc right after reset returns an empty Buffer (no internal TypeError)', () => {
    // Found by the property test: create(); reset(); alloc(0).
    const arena = new Arena({ size: 4096 });
    try {
      arena.reset();
      const before = arena.stats();
      const empty = arena.alloc(0, 1);
      expect(Buffer.isBuffer(empty)).toBe(true);
      expect(empty.length).toBe(0);
      expect(arena.stats()).toEqual({ ...before, allocations: before.allocations + 1 });
      expect(arena.alloc(8).length).toBe(8);
    } finally {
      arena.destroy();
    }
  });

  it('allocArray refuses a fractional length with a RangeError and changes nothing', () => {
    const arena = new Arena({ size: 4096 });
    try {
      const before = arena.stats();
      // 1.5 Float64 elements = 12 bytes: an integer byte count, so the native check passes.
      expect(() => arena.allocArray(Float64Array, 1.5)).toThrow(RangeError);
      expect(() => arena.allocArray(Uint16Array, 0.5)).toThrow(RangeError);
      expect(arena.stats()).toEqual(before);
    } finally {
      arena.destroy();
    }
  });
});
