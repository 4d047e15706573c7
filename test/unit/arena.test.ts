import { afterEach, describe, expect, it } from 'vitest';
import {
  Arena,
  ArenaDestroyedError,
  ArenaError,
  ArenaOverflowError,
  configure,
  getConfig,
  metrics,
  resetConfig,
  resetMetrics,
} from '../../dist/index.js';
import { arenaOffset, expectThrow, TYPED_ARRAY_CLASSES, thrown } from '../fixtures/arena-helpers';

describe('Arena basics', () => {
  it('hands out real Buffers that live in the arena', () => {
    const arena = new Arena({ size: 4096 });
    const a = arena.alloc(100);
    const b = arena.alloc(50, 64);
    expect(Buffer.isBuffer(a)).toBe(true);
    expect(a.length).toBe(100);
    // Genuine Buffers of Node's own class over the arena's one engine-owned
    // block: capacity plus the slack that lets byte 0 sit on a page boundary.
    expect(a.constructor).toBe(Buffer);
    expect(a.buffer).toBe(b.buffer);
    expect(a.buffer.byteLength).toBe(4096 + 4096);
    // byteOffset counts from the block's start; arenaOffset from the arena's byte 0.
    expect(arenaOffset(a)).toBe(0);
    expect(arenaOffset(b) % 64).toBe(0);
    expect(arenaOffset(b)).toBeGreaterThanOrEqual(100);
    a.write('hello');
    expect(a.toString('utf8', 0, 5)).toBe('hello');
    expect(a.subarray(0, 5).toString()).toBe('hello');
    const stats = arena.stats();
    expect(stats.size).toBe(4096);
    expect(stats.currentUsage).toBe(arenaOffset(b) + 50);
    expect(stats.allocations).toBe(2);
    expect(arena.remaining()).toBe(4096 - stats.currentUsage);
    expect(arena.utilization()).toBeCloseTo(stats.currentUsage / 4096, 10);
    arena.destroy();
  });

  it('defaults come from the global config', () => {
    const arena = new Arena();
    const config = getConfig();
    expect(arena.size).toBe(config.size);
    expect(arena.options).toEqual({
      size: config.size,
      overflowStrategy: config.overflowStrategy,
      zeroOnReset: config.zeroOnReset,
    });
    arena.destroy();
  });

  it('reset detaches earlier views and zeroes the used bytes', () => {
    const arena = new Arena({ size: 4096, zeroOnReset: true });
    const a = arena.alloc(256);
    a.fill(0xff);
    arena.reset();
    expect(a.length).toBe(0);
    expect(a.byteLength).toBe(0);
    const b = arena.alloc(256);
    expect(b.every((x) => x === 0)).toBe(true);
    arena.destroy();
  });

  it('without zeroOnReset the bytes stay', () => {
    const arena = new Arena({ size: 4096, zeroOnReset: false });
    arena.alloc(256).fill(0xff);
    arena.reset();
    expect(arena.alloc(256).every((x) => x === 0xff)).toBe(true);
    arena.destroy();
  });

  it('overflow throws ArenaOverflowError with details and keeps the offset', () => {
    const arena = new Arena({ size: 1024, overflowStrategy: 'error_return' });
    arena.alloc(1000, 1);
    const before = arena.stats();
    let error: unknown;
    try {
      arena.alloc(100, 1);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ArenaOverflowError);
    const overflow = error as ArenaOverflowError;
    expect(overflow.code).toBe('ERR_ARENA_OVERFLOW');
    expect(overflow.requested).toBe(100);
    expect(overflow.alignment).toBe(1);
    expect(overflow.remaining).toBe(24);
    const after = arena.stats();
    expect(after.currentUsage).toBe(before.currentUsage);
    expect(after.overflows).toBe(before.overflows + 1);
    arena.destroy();
  });

  it('destroy detaches views, is idempotent, and later calls throw ArenaDestroyedError', () => {
    const arena = new Arena({ size: 4096 });
    const view = arena.alloc(16);
    const live = metrics().liveArenas;
    arena.destroy();
    arena.destroy();
    expect(view.length).toBe(0);
    expect(arena.destroyed).toBe(true);
    expect(metrics().liveArenas).toBe(live - 1);
    expect(() => arena.alloc(1)).toThrow(ArenaDestroyedError);
    expect(() => arena.reset()).toThrow(expect.objectContaining({ code: 'ERR_ARENA_DESTROYED' }));
  });
});

// ---------------------------------------------------------------------------
// The rest of the Arena surface. Helpers live in test/fixtures/arena-helpers.ts.
// ---------------------------------------------------------------------------

const ALIGNMENTS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096];

const TYPED_ARRAYS = TYPED_ARRAY_CLASSES;

afterEach(() => {
  resetConfig();
});

describe('Arena construction and getters', () => {
  it('takes every option and reports them', () => {
    const arena = new Arena({ size: 12345, overflowStrategy: 'fallback', zeroOnReset: false });
    expect(arena.size).toBe(12345);
    expect(arena.options).toEqual({ size: 12345, overflowStrategy: 'fallback', zeroOnReset: false });
    expect(arena.destroyed).toBe(false);
    expect(arena.stats()).toEqual({
      size: 12345,
      currentUsage: 0,
      highWaterMark: 0,
      overflows: 0,
      utilization: 0,
      allocations: 0,
      fallbacks: 0,
      bytesAllocated: 0,
      fallbackBytes: 0,
    });
    expect(arena.remaining()).toBe(12345);
    expect(arena.utilization()).toBe(0);
    arena.destroy();
    expect(arena.destroyed).toBe(true);
  });

  it('omitted options come from configure(), each on its own', () => {
    configure({ size: 131072, overflowStrategy: 'fallback', zeroOnReset: false });
    const all = new Arena();
    expect(all.options).toEqual({ size: 131072, overflowStrategy: 'fallback', zeroOnReset: false });
    const some = new Arena({ size: 4096 });
    expect(some.options).toEqual({ size: 4096, overflowStrategy: 'fallback', zeroOnReset: false });
    const other = new Arena({ overflowStrategy: 'error_return' });
    expect(other.options).toEqual({ size: 131072, overflowStrategy: 'error_return', zeroOnReset: false });
    // `undefined` fields count as omitted.
    const undef = new Arena({ size: undefined, overflowStrategy: undefined, zeroOnReset: true });
    expect(undef.options).toEqual({ size: 131072, overflowStrategy: 'fallback', zeroOnReset: true });
    // An existing arena keeps its options when the config changes.
    configure({ size: 65536, overflowStrategy: 'panic', zeroOnReset: true });
    expect(all.options).toEqual({ size: 131072, overflowStrategy: 'fallback', zeroOnReset: false });
    for (const arena of [all, some, other, undef]) arena.destroy();
  });

  it('accepts the smallest and the largest capacity', () => {
    const one = new Arena({ size: 1 });
    expect(one.alloc(1, 1).length).toBe(1);
    expect(thrown(() => one.alloc(1, 1))).toBeInstanceOf(ArenaOverflowError);
    one.destroy();
    // 1 GiB is reserved lazily by the system; nothing is touched here.
    const max = new Arena({ size: 2 ** 30, zeroOnReset: false });
    expect(max.size).toBe(2 ** 30);
    expect(max.remaining()).toBe(2 ** 30);
    max.destroy();
  });

  it('counts live arenas and reserved bytes in the gauges', () => {
    const before = metrics();
    const a = new Arena({ size: 8192 });
    const b = new Arena({ size: 65536 });
    expect(metrics().liveArenas).toBe(before.liveArenas + 2);
    expect(metrics().reservedBytes).toBe(before.reservedBytes + 8192 + 65536);
    a.destroy();
    expect(metrics().liveArenas).toBe(before.liveArenas + 1);
    expect(metrics().reservedBytes).toBe(before.reservedBytes + 65536);
    b.destroy();
    expect(metrics()).toMatchObject({ liveArenas: before.liveArenas, reservedBytes: before.reservedBytes });
  });
});

describe('alloc, stats, remaining, utilization', () => {
  it('bumps the offset by size plus padding and counts exactly', () => {
    const arena = new Arena({ size: 4096 });
    const a = arena.alloc(3, 1);
    const b = arena.alloc(10); // default alignment 8: starts at 8
    const c = arena.alloc(0, 16); // an empty Buffer at an aligned position
    expect([arenaOffset(a), arenaOffset(b), arenaOffset(c)]).toEqual([0, 8, 32]);
    expect([a.length, b.length, c.length]).toEqual([3, 10, 0]);
    expect(Buffer.isBuffer(c)).toBe(true);
    const stats = arena.stats();
    expect(stats).toMatchObject({
      currentUsage: 32,
      highWaterMark: 32,
      allocations: 3,
      bytesAllocated: 13,
      overflows: 0,
    });
    expect(arena.remaining()).toBe(4096 - 32);
    expect(arena.utilization()).toBe(32 / 4096);
    expect(stats.utilization).toBe(32 / 4096);
    arena.destroy();
  });

  it('an undefined alignment means the default 8; allocArray defaults to the element size', () => {
    const arena = new Arena({ size: 4096 });
    arena.alloc(1, 1);
    expect(arenaOffset(arena.alloc(1, undefined))).toBe(8);
    arena.alloc(1, 1);
    expect(arenaOffset(arena.allocArray(Uint16Array, 1, undefined))).toBe(10); // offset 10 is already 2-aligned
    arena.alloc(1, 1); // offset 13
    expect(arenaOffset(arena.allocArray(Uint32Array, 1, undefined))).toBe(16);
    arena.destroy();
  });

  it('fills the arena to the last byte, then overflows', () => {
    const arena = new Arena({ size: 4096 });
    const all = arena.alloc(4096, 4096);
    expect(all.length).toBe(4096);
    expect(arena.remaining()).toBe(0);
    expect(arena.utilization()).toBe(1);
    const empty = arena.alloc(0, 1); // still fits
    expect(empty.length).toBe(0);
    const error = thrown(() => arena.alloc(1, 1));
    expect(error).toBeInstanceOf(ArenaOverflowError);
    expect(error).toMatchObject({ requested: 1, alignment: 1, remaining: 0 });
    arena.destroy();
  });

  it('an overflow caused by padding reports the request and the bytes left before padding', () => {
    const arena = new Arena({ size: 1024 });
    arena.alloc(1000, 1);
    const before = arena.stats();
    const error = expectThrow(() => arena.alloc(16, 64), ArenaOverflowError, 'ERR_ARENA_OVERFLOW');
    expect(error).toBeInstanceOf(ArenaError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ArenaOverflowError');
    expect({ requested: error.requested, alignment: error.alignment, remaining: error.remaining }).toEqual({
      requested: 16,
      alignment: 64,
      remaining: 24,
    });
    expect(error.message).toContain('16');
    expect(arena.stats()).toEqual({ ...before, overflows: before.overflows + 1 });
    // 2^30 is a valid size, so it overflows rather than being refused.
    expect(thrown(() => arena.alloc(2 ** 30, 1))).toMatchObject({ code: 'ERR_ARENA_OVERFLOW', requested: 2 ** 30 });
    expect(arena.stats().overflows).toBe(before.overflows + 2);
    arena.destroy();
  });

  it('the high-water mark spans resets, the other counters restart', () => {
    const arena = new Arena({ size: 8192 });
    arena.alloc(5000, 1);
    expect(thrown(() => arena.alloc(5000, 1))).toBeInstanceOf(ArenaOverflowError);
    arena.reset();
    expect(arena.stats()).toEqual({
      size: 8192,
      currentUsage: 0,
      highWaterMark: 5000,
      overflows: 0,
      utilization: 0,
      allocations: 0,
      fallbacks: 0,
      bytesAllocated: 0,
      fallbackBytes: 0,
    });
    arena.alloc(100, 1);
    expect(arena.stats()).toMatchObject({
      currentUsage: 100,
      highWaterMark: 5000,
      allocations: 1,
      bytesAllocated: 100,
    });
    arena.destroy();
  });

  it('stats() returns a fresh object each time', () => {
    const arena = new Arena({ size: 4096 });
    const first = arena.stats();
    arena.alloc(8);
    expect(first.currentUsage).toBe(0);
    expect(arena.stats()).not.toBe(first);
    arena.destroy();
  });
});

describe('alignment relative to the arena base', () => {
  it.each(ALIGNMENTS)('alignment %i: the arena offset is a multiple and padding is minimal', (alignment) => {
    const arena = new Arena({ size: 3 * 4096 });
    const first = arena.alloc(1, 1); // leaves the offset at 1, misaligned for everything but 1
    expect(arenaOffset(first)).toBe(0);
    const view = arena.alloc(3, alignment);
    const expected = alignment === 1 ? 1 : alignment;
    expect(arenaOffset(view)).toBe(expected);
    // Arena byte 0 is page-aligned, so an aligned arena offset is an aligned address.
    expect(arenaOffset(view) % alignment).toBe(0);
    // byteOffset (from the block's start) is only promised to be aligned up to 16.
    if (alignment <= 16) expect(view.byteOffset % alignment).toBe(0);
    expect(arena.stats().currentUsage).toBe(expected + 3);
    // Once more from an odd offset further in.
    arena.alloc(5, 1);
    const again = arena.alloc(7, alignment);
    expect(arenaOffset(again) % alignment).toBe(0);
    expect(arenaOffset(again) - (expected + 3 + 5)).toBeLessThan(alignment);
    expect(arenaOffset(again)).toBeGreaterThanOrEqual(expected + 3 + 5);
    arena.destroy();
  });

  it('the base is page-aligned: 4096-aligned requests need no padding at the start', () => {
    const arena = new Arena({ size: 4 * 4096 });
    expect(arenaOffset(arena.alloc(10, 4096))).toBe(0);
    expect(arena.stats().currentUsage).toBe(10);
    // The padding is computed on the address; the result is a whole page offset.
    expect(arenaOffset(arena.alloc(1, 4096))).toBe(4096);
    expect(arena.stats().currentUsage).toBe(4097);
    arena.destroy();
  });
});

describe('allocArray', () => {
  it.each(TYPED_ARRAYS.map((type) => [type.name, type] as const))(
    '%s: type, length, alignment, shared bytes',
    (_name, type) => {
      const arena = new Arena({ size: 8192 });
      arena.alloc(1, 1); // misalign
      const length = 5;
      const array = arena.allocArray(type as any, length) as any;
      expect(array).toBeInstanceOf(type);
      expect(array.length).toBe(length);
      expect(array.byteLength).toBe(length * type.BYTES_PER_ELEMENT);
      // Element sizes are at most 8, so the byteOffset is aligned as well as the address.
      expect(array.byteOffset % type.BYTES_PER_ELEMENT).toBe(0);
      expect(arenaOffset(array)).toBe(type.BYTES_PER_ELEMENT === 1 ? 1 : type.BYTES_PER_ELEMENT);
      const isBig = type === BigInt64Array || type === BigUint64Array;
      const values = Array.from({ length }, (_, i) => (isBig ? BigInt(i * 1000 + 7) : i * 3 + 1));
      expect(Array.from(array)).toEqual(values.map(() => (isBig ? 0n : 0))); // fresh memory is zero
      values.forEach((value, i) => {
        array[i] = value;
      });
      // A Buffer over the same bytes sees exactly what the typed array wrote.
      const bytes = Buffer.from(array.buffer, array.byteOffset, array.byteLength);
      const expected = Buffer.from(new (type as any)(values).buffer);
      expect(bytes.equals(expected)).toBe(true);
      // And the other way round.
      bytes.fill(0);
      expect(Array.from(array)).toEqual(values.map(() => (isBig ? 0n : 0)));
      expect(arena.stats()).toMatchObject({ allocations: 2, bytesAllocated: 1 + length * type.BYTES_PER_ELEMENT });
      arena.destroy();
    },
  );

  it('honours a larger alignment, raises a smaller one to the element size', () => {
    const arena = new Arena({ size: 8192 });
    arena.alloc(1, 1);
    const wide = arena.allocArray(Float64Array, 2, 256);
    expect(arenaOffset(wide)).toBe(256);
    arena.alloc(1, 1);
    const raised = arena.allocArray(Float64Array, 2, 2);
    expect(raised.byteOffset % 8).toBe(0);
    expect(arenaOffset(raised)).toBe(256 + 16 + 8);
    const ints = arena.allocArray(Int32Array, 3, 1);
    expect(ints.byteOffset % 4).toBe(0);
    arena.destroy();
  });

  it('length 0 gives an empty array; the result lives in the arena', () => {
    const arena = new Arena({ size: 4096 });
    const empty = arena.allocArray(Uint16Array, 0);
    expect(empty.length).toBe(0);
    const floats = arena.allocArray(Float32Array, 4);
    const bytes = arena.alloc(4);
    expect(bytes.byteOffset).toBe(floats.byteOffset + 16); // contiguous: same memory
    arena.reset();
    expect(floats.length).toBe(0);
    arena.destroy();
  });

  it('an array that does not fit throws ArenaOverflowError with the byte count', () => {
    const arena = new Arena({ size: 64 });
    const error = expectThrow(() => arena.allocArray(Float64Array, 9), ArenaOverflowError, 'ERR_ARENA_OVERFLOW');
    expect(error).toMatchObject({ requested: 72, alignment: 8, remaining: 64 });
    expect(arena.allocArray(Float64Array, 8).length).toBe(8);
    arena.destroy();
  });
});

describe('real Buffers', () => {
  it('Buffer.isBuffer and every Buffer method work on arena memory', () => {
    const arena = new Arena({ size: 4096 });
    const buf = arena.alloc(32);
    expect(Buffer.isBuffer(buf)).toBe(true);
    expect(buf).toBeInstanceOf(Buffer);
    expect(buf).toBeInstanceOf(Uint8Array);
    expect(buf.write('héllo wörld', 'utf8')).toBe(13);
    expect(buf.toString('utf8', 0, 13)).toBe('héllo wörld');
    expect(buf.toString('hex', 0, 2)).toBe('68c3');
    expect(buf.toString('base64', 0, 3)).toBe(Buffer.from('hé').toString('base64'));
    buf.writeUInt32LE(0xdeadbeef, 16);
    expect(buf.readUInt32LE(16)).toBe(0xdeadbeef);
    expect(buf.readUInt32BE(16)).toBe(0xefbeadde);
    buf.writeDoubleLE(Math.PI, 24);
    expect(buf.readDoubleLE(24)).toBe(Math.PI);
    const sub = buf.subarray(0, 5);
    expect(Buffer.isBuffer(sub)).toBe(true);
    expect(sub.toString()).toBe('héll');
    sub[0] = 0x48; // 'H': the subarray shares the arena's bytes
    expect(buf.toString('utf8', 0, 1)).toBe('H');
    expect(Buffer.isBuffer(buf.slice(1, 3))).toBe(true);
    expect(buf.subarray(0, 13).equals(Buffer.from('Héllo wörld'))).toBe(true);
    expect(buf.equals(Buffer.from(buf))).toBe(true);
    expect(Buffer.compare(buf.subarray(0, 1), Buffer.from('H'))).toBe(0);
    expect(buf.indexOf('wörld')).toBe(7);
    expect(buf.includes('llo')).toBe(true);
    const out = Buffer.alloc(5);
    expect(buf.copy(out, 0, 0, 5)).toBe(5);
    expect(out.toString()).toBe('Héll');
    const other = arena.alloc(8);
    expect(Buffer.from('abcdefgh').copy(other)).toBe(8);
    expect(other.toString()).toBe('abcdefgh');
    other.fill(0x41, 2, 6);
    expect(other.toString()).toBe('abAAAAgh');
    other.fill('xy');
    expect(other.toString()).toBe('xyxyxyxy');
    expect(Buffer.concat([other, Buffer.from('!')]).toString()).toBe('xyxyxyxy!');
    expect(other.toJSON()).toEqual({ type: 'Buffer', data: Array.from(Buffer.from('xyxyxyxy')) });
    expect(Buffer.byteLength(other)).toBe(8);
    arena.destroy();
  });
});

describe('reset, destroy and zeroing seen from JavaScript', () => {
  it('reset detaches every view handed out since the last reset, of every kind', () => {
    const arena = new Arena({ size: 4096 });
    const buf = arena.alloc(64);
    const sub = buf.subarray(8, 16);
    const floats = arena.allocArray(Float64Array, 4);
    const big = arena.allocArray(BigInt64Array, 2);
    buf.fill(1);
    arena.reset();
    for (const view of [buf, sub, floats, big]) {
      expect(view.length).toBe(0);
      expect(view.byteLength).toBe(0);
      expect(view.buffer.byteLength).toBe(0);
    }
    expect(buf[0]).toBeUndefined();
    // The next epoch hands the same bytes out again, through new views only.
    const next = arena.alloc(64);
    expect(arenaOffset(next)).toBe(0);
    expect(next.length).toBe(64);
    // reset moved the block into a new ArrayBuffer: that is what detached the old views.
    expect(next.buffer).not.toBe(buf.buffer);
    expect(next.buffer.byteLength).toBe(4096 + 4096);
    expect(buf.length).toBe(0);
    arena.destroy();
  });

  it('with zeroOnReset, bytes written before reset read as zero afterwards', () => {
    const arena = new Arena({ size: 8192, zeroOnReset: true });
    const used = arena.alloc(5000, 1);
    used.fill(0xff);
    arena.reset();
    const again = arena.alloc(8192, 1);
    expect(again.every((b) => b === 0)).toBe(true);
    arena.destroy();
  });

  it('without zeroOnReset the bytes stay, to the byte', () => {
    const arena = new Arena({ size: 8192, zeroOnReset: false });
    const used = arena.alloc(300, 1);
    for (let i = 0; i < used.length; i++) used[i] = (i * 7 + 3) & 0xff;
    arena.reset();
    const again = arena.alloc(300, 1);
    expect(arenaOffset(again)).toBe(0);
    for (let i = 0; i < again.length; i++) expect(again[i]).toBe((i * 7 + 3) & 0xff);
    // Bytes never handed out are still the fresh zero pages.
    expect(arena.alloc(100, 1).every((b) => b === 0)).toBe(true);
    arena.destroy();
  });

  it('fresh arena memory is zero whatever zeroOnReset says', () => {
    for (const zeroOnReset of [true, false]) {
      const arena = new Arena({ size: 65536, zeroOnReset });
      expect(arena.alloc(65536, 1).every((b) => b === 0)).toBe(true);
      arena.destroy();
    }
  });

  it('destroy detaches views of the current epoch, frees the memory, and every call after it throws', () => {
    const arena = new Arena({ size: 4096 });
    const view = arena.alloc(16);
    const floats = arena.allocArray(Float32Array, 4);
    const before = metrics();
    arena.destroy();
    expect([view.length, floats.length, view.buffer.byteLength]).toEqual([0, 0, 0]);
    expect(metrics().liveArenas).toBe(before.liveArenas - 1);
    expect(metrics().reservedBytes).toBe(before.reservedBytes - 4096);
    expectThrow(() => arena.alloc(1), ArenaDestroyedError, 'ERR_ARENA_DESTROYED');
    expectThrow(() => arena.allocArray(Uint8Array, 1), ArenaDestroyedError, 'ERR_ARENA_DESTROYED');
    expectThrow(() => arena.reset(), ArenaDestroyedError, 'ERR_ARENA_DESTROYED');
    expectThrow(() => arena.stats(), ArenaDestroyedError, 'ERR_ARENA_DESTROYED');
    expectThrow(() => arena.remaining(), ArenaDestroyedError, 'ERR_ARENA_DESTROYED');
    expectThrow(() => arena.utilization(), ArenaDestroyedError, 'ERR_ARENA_DESTROYED');
    const error = thrown(() => arena.alloc(1));
    expect(error).toBeInstanceOf(ArenaError);
    expect(error.name).toBe('ArenaDestroyedError');
    expect(arena.destroyed).toBe(true);
    arena.destroy(); // idempotent
    expect(metrics().liveArenas).toBe(before.liveArenas - 1);
  });

  it('destroy folds the counters into the metrics without counting a reset', () => {
    resetMetrics();
    const arena = new Arena({ size: 4096 });
    arena.alloc(100, 1);
    arena.alloc(200, 1);
    expect(thrown(() => arena.alloc(5000, 1))).toBeInstanceOf(ArenaOverflowError);
    expect(metrics()).toMatchObject({ totalAllocations: 0, totalResets: 0 }); // nothing folded yet
    arena.destroy();
    expect(metrics()).toMatchObject({
      totalResets: 0,
      totalOverflows: 1,
      totalAllocations: 2,
      totalBytesAllocated: 300,
      maxHighWaterMark: 300,
      totalFallbacks: 0,
    });
  });
});

describe('scope', () => {
  it('runs fn(arena), returns its value and resets afterwards', () => {
    const arena = new Arena({ size: 4096 });
    let inside: Buffer | undefined;
    const result = arena.scope((a) => {
      expect(a).toBe(arena);
      inside = a.alloc(100);
      inside.fill(9);
      expect(a.stats().currentUsage).toBe(100);
      return 'done';
    });
    expect(result).toBe('done');
    expect(inside!.length).toBe(0);
    expect(arena.stats()).toMatchObject({ currentUsage: 0, allocations: 0 });
    expect(arena.alloc(100).every((b) => b === 0)).toBe(true);
    arena.destroy();
  });

  it('resets when fn throws and rethrows the same error', () => {
    const arena = new Arena({ size: 4096 });
    resetMetrics();
    let inside: Buffer | undefined;
    const boom = new Error('boom');
    const error = thrown(() =>
      arena.scope((a) => {
        inside = a.alloc(64);
        throw boom;
      }),
    );
    expect(error).toBe(boom);
    expect(inside!.length).toBe(0);
    expect(arena.stats().currentUsage).toBe(0);
    expect(metrics().totalResets).toBe(1);
    arena.destroy();
  });

  it('refuses a promise: resets, then throws TypeError ERR_ARENA_ASYNC_SCOPE', async () => {
    const arena = new Arena({ size: 4096 });
    let inside: Buffer | undefined;
    const error = expectThrow(
      () =>
        arena.scope(async (a) => {
          inside = a.alloc(8);
        }),
      TypeError,
      'ERR_ARENA_ASYNC_SCOPE',
    );
    expect(error.message).toMatch(/await/);
    expect(inside!.length).toBe(0);
    expect(arena.stats().currentUsage).toBe(0);
    // A rejected promise is refused the same way and never becomes an unhandled rejection.
    let unhandled = 0;
    const onUnhandled = (): void => {
      unhandled += 1;
    };
    process.on('unhandledRejection', onUnhandled);
    try {
      expectThrow(() => arena.scope(() => Promise.reject(new Error('later'))), TypeError, 'ERR_ARENA_ASYNC_SCOPE');
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toBe(0);
    arena.destroy();
  });

  it('refuses a thenable that is not a Promise', () => {
    const arena = new Arena({ size: 4096 });
    const thenable = { then: () => undefined };
    expectThrow(() => arena.scope(() => thenable), TypeError, 'ERR_ARENA_ASYNC_SCOPE');
    const callable = Object.assign(() => undefined, { then: () => undefined });
    expectThrow(() => arena.scope(() => callable), TypeError, 'ERR_ARENA_ASYNC_SCOPE');
    // Values with a non-function `then` are ordinary results.
    expect(arena.scope(() => ({ then: 1 }))).toEqual({ then: 1 });
    expect(arena.scope(() => null)).toBeNull();
    arena.destroy();
  });

  it('fn may destroy the arena; scope then skips the reset', () => {
    const arena = new Arena({ size: 4096 });
    expect(
      arena.scope((a) => {
        a.destroy();
        return 1;
      }),
    ).toBe(1);
    expect(arena.destroyed).toBe(true);
  });

  it('scopes nest on different arenas', () => {
    const outer = new Arena({ size: 4096 });
    const inner = new Arena({ size: 4096 });
    outer.scope((o) => {
      const kept = o.alloc(8);
      inner.scope((i) => i.alloc(8));
      expect(kept.length).toBe(8);
      expect(inner.stats().currentUsage).toBe(0);
      expect(o.stats().currentUsage).toBe(8);
    });
    expect(outer.stats().currentUsage).toBe(0);
    outer.destroy();
    inner.destroy();
  });
});

describe('Symbol.dispose', () => {
  it('[Symbol.dispose]() destroys the arena', () => {
    const arena = new Arena({ size: 4096 });
    const view = arena.alloc(16);
    const live = metrics().liveArenas;
    expect(typeof arena[Symbol.dispose]).toBe('function');
    arena[Symbol.dispose]();
    expect(arena.destroyed).toBe(true);
    expect(view.length).toBe(0);
    expect(metrics().liveArenas).toBe(live - 1);
    arena[Symbol.dispose](); // idempotent, like destroy()
  });

  it('a `using` declaration destroys the arena at the end of the block', () => {
    const live = metrics().liveArenas;
    let escaped: Arena | undefined;
    let view: Buffer | undefined;
    {
      using arena = new Arena({ size: 4096 });
      escaped = arena;
      view = arena.alloc(8);
      expect(metrics().liveArenas).toBe(live + 1);
    }
    expect(escaped!.destroyed).toBe(true);
    expect(view!.length).toBe(0);
    expect(metrics().liveArenas).toBe(live);
  });
});

describe('large arenas', () => {
  it('views on every part of a large arena stay valid until reset, then all detach', () => {
    const arena = new Arena({ size: 4 * 1024 * 1024, zeroOnReset: true });
    const views: Buffer[] = [];
    // Growing allocations reach ever further into the arena.
    for (const size of [1000, 70_000, 300_000, 1_000_000, 2_500_000]) {
      const view = arena.alloc(size, 64);
      view.fill(views.length + 1);
      views.push(view);
    }
    expect(arena.stats().currentUsage).toBeGreaterThan(3_800_000);
    views.forEach((view, i) => {
      expect(view.every((b) => b === i + 1)).toBe(true);
    });
    // All of an epoch's views sit on the arena's one block, contiguous from arena byte 0.
    expect(arenaOffset(views[0])).toBe(0);
    for (let i = 1; i < views.length; i++) {
      expect(views[i].buffer).toBe(views[0].buffer);
      expect(arenaOffset(views[i])).toBe(Math.ceil((arenaOffset(views[i - 1]) + views[i - 1].length) / 64) * 64);
    }
    arena.reset();
    for (const view of views) expect(view.length).toBe(0);
    const all = arena.alloc(4 * 1024 * 1024, 1);
    expect(all.every((b) => b === 0)).toBe(true);
    arena.destroy();
    expect(all.length).toBe(0);
  });
});
