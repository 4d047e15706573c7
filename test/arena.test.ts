import { describe, expect, it } from 'vitest';
import {
  Arena,
  ArenaDestroyedError,
  ArenaOverflowError,
  getConfig,
  metrics,
} from '../dist/index.js';

describe('Arena basics', () => {
  it('hands out real Buffers that live in the arena', () => {
    const arena = new Arena({ size: 4096 });
    const a = arena.alloc(100);
    const b = arena.alloc(50, 64);
    expect(Buffer.isBuffer(a)).toBe(true);
    expect(a.length).toBe(100);
    expect(a.buffer).toBe(b.buffer);
    expect(b.byteOffset % 64).toBe(0);
    expect(b.byteOffset).toBeGreaterThanOrEqual(100);
    a.write('hello');
    expect(a.toString('utf8', 0, 5)).toBe('hello');
    expect(a.subarray(0, 5).toString()).toBe('hello');
    const stats = arena.stats();
    expect(stats.capacity).toBe(4096);
    expect(stats.currentUsage).toBe(b.byteOffset + 50);
    expect(stats.allocations).toBe(2);
    expect(arena.remaining()).toBe(4096 - stats.currentUsage);
    expect(arena.utilization()).toBeCloseTo(stats.currentUsage / 4096, 10);
    arena.destroy();
  });

  it('defaults come from the global config', () => {
    const arena = new Arena();
    const config = getConfig();
    expect(arena.capacity).toBe(config.poolSize);
    expect(arena.options).toEqual({ size: config.poolSize, overflowStrategy: config.overflowStrategy, zeroOnReset: config.zeroOnReset });
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
    expect(after.overflowCount).toBe(before.overflowCount + 1);
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
