// What reset() zeroes, byte for byte. A view's `.buffer` is the arena's whole
// memory block, so user code can write anywhere in it. A zeroing reset zeroes
// exactly the bytes handed out in the epoch, [0, offset) of the arena with the
// alignment padding between allocations; bytes written through `.buffer`
// beyond the last allocation are NOT zeroed (the documented limit: the old
// "window zeroing" of everything a view could reach is gone). And over many
// epochs, on this line's way of ending one (lib/memory.ts MOVE), every old
// view goes dark and every new allocation starts zeroed.
import { describe, expect, it } from 'vitest';
import { Arena } from '../../dist/index.js';
import { MOVE } from '../../dist/memory.js';
import { arenaOffset } from '../fixtures/arena-helpers';
import { HAS_TRANSFER } from '../fixtures/node-line';

const SIZE = 1 << 20;
const DIRT = 0xab;

interface Pattern {
  name: string;
  options?: { size?: number; overflowStrategy?: 'error_return' | 'fallback' };
  /** Allocates this epoch; returns views to fill the block through (one is enough). */
  epoch(arena: Arena): ArrayBufferView[];
  /** The arena offset the epoch must end at: what reset must zero up to. */
  end: number;
}

const patterns: Pattern[] = [
  { name: 'one allocation', epoch: (a) => [a.alloc(64, 1)], end: 64 },
  {
    name: 'allocations with alignment padding between them',
    epoch: (a) => [a.alloc(5, 1), a.alloc(64, 64), a.alloc(3, 1), a.alloc(100, 4096)],
    end: 4096 + 100, // 5, pad to 64, 64, 3, pad to 4096, 100
  },
  { name: 'large allocations', epoch: (a) => [a.alloc(3000, 1), a.alloc(70_000, 8), a.alloc(5, 16)], end: 73_013 },
  {
    name: 'a typed array after an odd allocation',
    epoch: (a) => [a.alloc(3, 1), a.allocArray(Float64Array, 600)],
    end: 8 + 4800,
  },
  { name: 'a zero-length allocation only (nothing handed out)', epoch: (a) => [a.alloc(0, 1)], end: 0 },
  { name: 'the whole arena', epoch: (a) => [a.alloc(SIZE, 1)], end: SIZE },
  {
    name: 'a small epoch after a big one (the offset, not the high-water mark)',
    epoch: (a) => {
      a.alloc(200_000, 1);
      a.reset();
      return [a.alloc(100, 1)];
    },
    end: 100,
  },
  {
    name: 'an allocation refused by error_return',
    options: { size: 4096, overflowStrategy: 'error_return' },
    epoch: (a) => {
      const view = a.alloc(3000, 1);
      expect(() => a.alloc(2000, 1)).toThrow();
      return [view];
    },
    end: 3000,
  },
  {
    name: 'an allocation served as a fallback',
    options: { size: 4096, overflowStrategy: 'fallback' },
    epoch: (a) => {
      const view = a.alloc(3000, 1);
      const fallback = a.alloc(2000, 1);
      expect(fallback.buffer).not.toBe(view.buffer);
      return [view];
    },
    end: 3000,
  },
  {
    name: 'a block moved out mid-epoch (the arena went on with fresh memory)',
    epoch: (a) => {
      const view = a.alloc(500, 1);
      structuredClone(view.buffer, { transfer: [view.buffer as ArrayBuffer] });
      return [a.alloc(700, 1)];
    },
    end: 1200,
  },
];

/** Writes DIRT over every byte of the blocks the views are on: allocated, padding, beyond, and the slack. */
function dirtyBlocks(views: ArrayBufferView[]): void {
  for (const view of views) new Uint8Array(view.buffer).fill(DIRT);
}

/** Every byte of the arena, as a view of the next epoch (the arena is empty after reset). */
function wholeArena(arena: Arena): Buffer {
  const all = arena.alloc(arena.size, 1);
  expect(arenaOffset(all)).toBe(0);
  return all;
}

/** The first index in [from, to) whose byte is not `byte`, or -1. */
function firstOther(bytes: Uint8Array, from: number, to: number, byte: number): number {
  for (let i = from; i < to; i++) if (bytes[i] !== byte) return i;
  return -1;
}

describe('a zeroing reset zeroes exactly the bytes handed out in the epoch, padding included', () => {
  for (const pattern of patterns) {
    it(pattern.name, () => {
      const arena = new Arena({ size: SIZE, zeroOnReset: true, ...pattern.options });
      const views = pattern.epoch(arena);
      expect(arena.stats().currentUsage).toBe(pattern.end);
      // Someone writes everywhere its views can reach, allocated or not.
      dirtyBlocks(views);
      arena.reset();
      for (const view of views) expect(view.byteLength).toBe(0);
      const all = wholeArena(arena);
      // Handed out (with the padding): zero. Never handed out this epoch: left as written.
      expect(firstOther(all, 0, pattern.end, 0)).toBe(-1);
      expect(firstOther(all, pattern.end, all.length, DIRT)).toBe(-1);
      arena.destroy();
    });
  }
});

describe('zeroOnReset: false', () => {
  it('keeps every byte, handed out or not', () => {
    const arena = new Arena({ size: SIZE, zeroOnReset: false });
    const views = [arena.alloc(5, 1), arena.alloc(64, 4096)];
    dirtyBlocks(views);
    arena.reset();
    const all = wholeArena(arena);
    expect(firstOther(all, 0, all.length, DIRT)).toBe(-1);
    arena.destroy();
  });
});

describe(`epochs on this line's way of ending one (${HAS_TRANSFER ? 'transfer' : 'structuredClone'})`, () => {
  it('is the one lib/memory.ts picks', () => {
    expect(MOVE).toBe(HAS_TRANSFER ? 'transfer' : 'structuredClone');
  });

  it('over 50 epochs: values read back, every old view goes dark, every new allocation starts zeroed', () => {
    const arena = new Arena({ size: SIZE });
    let previous: ArrayBufferView[] = [];
    let stale = 0;
    let dirty = 0;
    let wrong = 0;
    for (let round = 0; round < 50; round++) {
      const views = [arena.alloc(64), arena.allocArray(Float64Array, 600), arena.alloc(10_000, 4096)] as const;
      for (const view of views) dirty += view.some((x: number) => x !== 0) ? 1 : 0;
      views.forEach((view, i) => {
        view.fill(round + i);
      });
      views.forEach((view, i) => {
        wrong += view.every((x: number) => x === round + i) ? 0 : 1;
      });
      arena.reset();
      for (const view of [...views, ...previous]) stale += view.byteLength === 0 ? 0 : 1;
      previous = [...views];
    }
    expect({ stale, dirty, wrong }).toEqual({ stale: 0, dirty: 0, wrong: 0 });
    const last = arena.alloc(64);
    expect(last.every((b) => b === 0)).toBe(true);
    arena.destroy();
    expect(last.length).toBe(0);
  });
});
