// The facade bumps in JavaScript for the requests that fit; the Zig library
// does everything else. Both must leave exactly the same state: random
// sequences run on a facade Arena and on a raw native arena (every call
// crossing into Zig) and are compared after every step. The raw arena is
// handed its memory at every call, as the facade does: one engine-owned block
// of capacity + hostedSlack bytes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LIMITS } from '../../dist/abi.js';
import { binding } from '../../dist/binding.js';
import { Arena } from '../../dist/index.js';
import { arenaOffset } from '../fixtures/arena-helpers';

const SLACK = LIMITS.hostedSlackBytes;

/** A raw native arena bound to a fresh block of its own. */
function rawArena(size: number, strategy: 'error_return' | 'fallback') {
  const native = new binding.NativeArena({ size, overflowStrategy: strategy === 'fallback' ? 2 : 1, zeroOnReset: 1 });
  const memory = new ArrayBuffer(size + SLACK);
  const base = native.bind(memory, true);
  return { native, memory, base };
}

const RUNS = Number(process.env.ENGRAM_FASTPATH_RUNS ?? 300);

type Step = { kind: 'alloc'; size: number; alignment: number } | { kind: 'array'; size: number } | { kind: 'reset' };

const sizeArb = fc.oneof(
  fc.integer({ min: 0, max: 64 }),
  fc.integer({ min: 0, max: 5000 }),
  fc.constantFrom(4095, 4096, 4097, 65536, 70000),
);
const alignmentArb = fc.oneof(
  fc.constantFrom(1, 2, 4, 8, 16, 32, 64, 128, 256, 1024, 4096),
  fc.constantFrom(0, 3, 12, 8192, -8, 1.5, Number.NaN), // invalid: both must refuse alike
);
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('alloc' as const), size: sizeArb, alignment: alignmentArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('array' as const), size: fc.integer({ min: 0, max: 300 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reset' as const) }) },
);

/**
 * The error's identity without its message, or where the allocation went:
 * `at N` (arena offset N) or `fallback`. `where` reads that from the result.
 */
function outcome<T>(fn: () => T, where: (result: T) => string): string {
  try {
    return where(fn());
  } catch (err) {
    const e = err as Error & { code?: string };
    return `${e.constructor.name}:${e.code}`;
  }
}

describe('JavaScript fast path against the Zig path', () => {
  for (const strategy of ['error_return', 'fallback'] as const) {
    it(`leaves identical state after random sequences (${strategy})`, () => {
      let steps = 0;
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 20000 }),
          fc.array(stepArb, { minLength: 5, maxLength: 80, size: 'max' }),
          (capacity, sequence) => {
            const js = new Arena({ size: capacity, overflowStrategy: strategy, zeroOnReset: true });
            const { native: zig, memory } = rawArena(capacity, strategy);
            // A fallback is counted and has a buffer of its own; an arena view
            // sits on the epoch's one block, at an arena offset.
            let fallbacks = 0;
            let block: ArrayBufferLike | null = null;
            const placed = (view: ArrayBufferView): string => {
              const counted = js.stats().fallbacks;
              if (counted !== fallbacks) {
                fallbacks = counted;
                expect(view.buffer).not.toBe(block);
                return 'fallback';
              }
              if (block === null) block = view.buffer;
              expect(view.buffer).toBe(block);
              return `at ${arenaOffset(view)}`;
            };
            const zigPlaced = (offset: number): string => (offset < 0 ? 'fallback' : `at ${offset}`);
            try {
              for (const step of sequence) {
                steps += 1;
                if (step.kind === 'reset') {
                  js.reset();
                  // The next epoch's views sit on a new ArrayBuffer; its counters restart.
                  block = null;
                  fallbacks = 0;
                  // The facade moves its block into a new ArrayBuffer first; the
                  // counters do not care which buffer holds the same bytes.
                  zig.reset(memory, false);
                } else if (step.kind === 'array') {
                  // allocArray of Float64Array: 8-byte elements, 8-byte alignment.
                  const a = outcome(() => js.allocArray(Float64Array, step.size), placed);
                  const b = outcome(() => zig.alloc(step.size * 8, 8, memory), zigPlaced);
                  expect(a).toBe(b);
                } else {
                  const a = outcome(() => js.alloc(step.size, step.alignment), placed);
                  const b = outcome(() => zig.alloc(step.size, step.alignment, memory), zigPlaced);
                  expect(a).toBe(b);
                }
                expect(js.stats()).toEqual(zig.stats());
              }
            } finally {
              js.destroy();
              zig.destroy();
            }
          },
        ),
        { numRuns: RUNS },
      );
      console.log(`fast path vs Zig path (${strategy}): ${RUNS} sequences, ${steps} steps compared`);
      expect(steps).toBeGreaterThan(RUNS);
    });
  }

  it('places each allocation where the Zig path would', () => {
    const js = new Arena({ size: 1 << 20 });
    const { native: zig, memory, base } = rawArena(1 << 20, 'error_return');
    // The native side puts byte 0 on the block's first page boundary.
    expect(base).toBe(binding.paddingFor(memory, 4096));
    for (const [size, alignment] of [
      [3, 1],
      [10, 64],
      [1, 4096],
      [100, 8],
      [0, 256],
      [7, 2],
    ]) {
      const view = js.alloc(size, alignment);
      const offset = zig.alloc(size, alignment, memory);
      // Both arenas start on a page, so equal offsets mean equally aligned addresses.
      expect(arenaOffset(view)).toBe(offset);
      expect(arenaOffset(view) % alignment).toBe(0);
      expect(js.stats().currentUsage).toBe(offset + size);
      expect(memory.byteLength).toBe((1 << 20) + SLACK); // binding it left the block attached
    }
    js.destroy();
    zig.destroy();
  });
});
