// A view's `.buffer` is a window wider than the allocation: whatever is
// written through it, a zeroing reset must leave nothing for the next user.
import { describe, expect, it } from 'vitest';
import { Arena } from '../dist/index.js';

describe('writes through view.buffer', () => {
  for (const sizes of [[64], [64, 10_000], [3000, 70_000, 5]]) {
    it(`are zeroed by reset after allocations of ${sizes.join(', ')} bytes`, () => {
      const arena = new Arena({ size: 1 << 20, zeroOnReset: true });
      const windows = sizes.map((size) => arena.alloc(size, 1).buffer);
      // Someone writes everywhere its views can reach, allocated or not.
      for (const window of windows) new Uint8Array(window).fill(0xab);
      const reach = Math.max(...windows.map((w) => w.byteLength));
      expect(reach).toBeGreaterThan(sizes.reduce((a, b) => a + b, 0) - 1);
      arena.reset();
      const next = arena.alloc(1 << 20, 1); // the next user sees the whole arena
      expect(next.indexOf(0xab)).toBe(-1);
      arena.destroy();
    });
  }

  it('are kept when the arena does not zero (its own bytes only)', () => {
    const arena = new Arena({ size: 1 << 20, zeroOnReset: false });
    new Uint8Array(arena.alloc(64, 1).buffer).fill(0xab);
    arena.reset();
    expect(arena.alloc(4096, 1).every((byte) => byte === 0xab)).toBe(true);
    arena.destroy();
  });
});
