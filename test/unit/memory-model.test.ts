// The memory model (docs/design.md): an arena's memory is an ArrayBuffer the
// engine owns, views are genuine Buffers, an epoch ends by moving that buffer,
// and memory user code moves out is the user's from then on.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { binding } from '../../dist/binding.js';
import { Arena, metrics } from '../../dist/index.js';
import { runJsonFixture } from '../fixtures/run-fixture';

const hasTransfer = typeof (ArrayBuffer.prototype as { transfer?: unknown }).transfer === 'function';

describe('arena Buffers are genuine Buffers', () => {
  it('print, compare, serialise and slice exactly as Buffer.from does', () => {
    const checks = runJsonFixture('memory/genuine.cjs');
    for (const name of Object.keys(checks)) expect([name, checks[name]]).toEqual([name, true]);
    expect(Object.keys(checks).length).toBeGreaterThanOrEqual(15);
  });

  it('view.buffer is the whole arena block, an ordinary ArrayBuffer', () => {
    const arena = new Arena({ size: 1 << 16 });
    const a = arena.alloc(10);
    const b = arena.alloc(10);
    expect(a.buffer).toBe(b.buffer);
    expect(a.buffer.byteLength).toBeGreaterThanOrEqual(1 << 16);
    expect(Object.prototype.toString.call(a.buffer)).toBe('[object ArrayBuffer]');
    expect(b.byteOffset - a.byteOffset).toBe(16); // 10 bytes, then 8-byte alignment
    arena.destroy();
  });
});

describe('epochs', () => {
  it('reset detaches every view of the epoch and zeroes every byte handed out', () => {
    const arena = new Arena({ size: 1 << 16 });
    const views = [arena.alloc(100), arena.alloc(3000, 64), arena.allocArray(Float64Array, 10)];
    for (const view of views) view.fill(0xff as never);
    arena.reset();
    for (const view of views) expect(view.length).toBe(0);
    const again = arena.alloc(3200);
    expect(again.every((byte) => byte === 0)).toBe(true);
    arena.destroy();
  });

  it('bytes written through view.buffer outside any allocation are not zeroed (documented)', () => {
    const arena = new Arena({ size: 1 << 16 });
    const view = arena.alloc(16);
    new Uint8Array(view.buffer, view.byteOffset + 1024, 16).fill(0xab);
    arena.reset();
    arena.alloc(1024);
    const beyond = arena.alloc(16);
    expect(beyond[0]).toBe(0xab);
    arena.destroy();
  });

  it('zeroOnReset: false keeps the bytes for the next epoch', () => {
    const arena = new Arena({ size: 1 << 16, zeroOnReset: false });
    arena.alloc(8).fill(7);
    arena.reset();
    expect([...arena.alloc(8)]).toEqual([7, 7, 7, 7, 7, 7, 7, 7]);
    arena.destroy();
  });

  it('alignment up to 4096 aligns addresses, not just offsets, in every epoch', () => {
    const arena = new Arena({ size: 1 << 20 });
    for (let epoch = 0; epoch < 3; epoch++) {
      arena.alloc(1);
      for (const alignment of [16, 64, 4096]) {
        const view = arena.alloc(64, alignment);
        // The address of the view's first byte, modulo 4096, is what the shim says the block's padding to a page is not.
        const toPage = binding.paddingFor(view.buffer as ArrayBuffer, 4096);
        expect((view.byteOffset - toPage + 4096) % alignment).toBe(0);
      }
      arena.reset();
    }
    arena.destroy();
  });
});

describe('memory moved out belongs to the user', () => {
  it.runIf(hasTransfer)('view.buffer.transfer() in the second epoch: the arena goes on with fresh memory', () => {
    const arena = new Arena({ size: 1 << 16 });
    const before = metrics().totalMovedOut;
    arena.alloc(64);
    arena.reset();
    const view = arena.alloc(64);
    view.fill(9);
    const offset = view.byteOffset; // 0 once the move detaches the view
    const mine = new Uint8Array((view.buffer as ArrayBuffer & { transfer(): ArrayBuffer }).transfer(), offset, 64);
    const next = arena.alloc(64);
    expect(next.every((b) => b === 0)).toBe(true);
    next.fill(1);
    arena.reset();
    arena.alloc(64).fill(2);
    expect(mine.every((b) => b === 9)).toBe(true);
    expect(metrics().totalMovedOut - before).toBe(1);
    arena.destroy();
    expect(mine.every((b) => b === 9)).toBe(true);
  });

  it('structuredClone with a transfer list, postMessage, and a pinned buffer', () => {
    const result = runJsonFixture('memory/moved-out.cjs');
    const ways = hasTransfer ? ['transfer', 'structuredClone', 'messagePort'] : ['structuredClone', 'messagePort'];
    for (const way of ways) {
      expect([way, result[way]]).toEqual([way, { intact: true, viewLength: 0, freshAllocations: 20, counted: 1 }]);
    }
    expect(result.pinned).toEqual({ error: null, viewKeepsBytes: true, countedAtMost1: true });
  });

  it('a worker that moves memory out and posts it, then ends any way, changes no byte the main thread reads', () => {
    const result = runJsonFixture('memory/worker-move.cjs', { timeoutMs: 60_000 });
    for (const end of ['return', 'exit', 'wait', 'returnThread', 'exitThread', 'waitThread']) {
      expect([end, result[end]]).toEqual([end, { received: true, changed: 0 }]);
    }
  });
});

describe('lifetime', () => {
  it('destroy() or reset() inside Buffer#fill valueOf with the microtask queue drained: no crash', () => {
    expect(runJsonFixture('memory/valueof-drain.cjs', { nodeArgs: ['--expose-gc'] })).toEqual({
      destroy: { destroyed: true, viewLength: 0 },
      fallbackReset: { viewLength: 0, next: true },
    });
  });

  it('3,000 arenas of 1 MiB dropped in one synchronous loop peak below 256 MiB, and the gauges come back', () => {
    const result = runJsonFixture('memory/dropped-loop.cjs', {
      nodeArgs: ['--expose-gc'],
      args: ['3000'],
      timeoutMs: 120_000,
    });
    console.log(`[dropped-loop] ${JSON.stringify(result)}`);
    expect(result.arenas).toBe(3000);
    expect(result.peakGrowthMiB).toBeLessThan(256);
    expect(result.liveArenas).toBe(0);
    expect(result.reservedBytes).toBe(0);
  });

  it('a reset function that outlives its collected native arena throws ERR_ARENA_DESTROYED', () => {
    const codes = runJsonFixture('memory/reset-function-outlives.cjs', { nodeArgs: ['--expose-gc'] });
    // Collection is the engine's choice: most, not necessarily all, are gone.
    expect(codes.ERR_ARENA_DESTROYED).toBeGreaterThan(100);
    expect(Object.keys(codes).filter((code) => code !== 'ERR_ARENA_DESTROYED' && code !== 'ok')).toEqual([]);
  });

  it.runIf(process.platform === 'linux')(
    'the binary imports no external-buffer function (Electron refuses them)',
    () => {
      const binary =
        process.env.ENGRAM_ARENA_BINARY ??
        fileURLToPath(new URL('../../build/Release/engram_arena.node', import.meta.url));
      const nm = spawnSync('nm', ['-D', '--undefined-only', binary], { encoding: 'utf8' });
      expect(nm.status).toBe(0);
      const imports = nm.stdout.split('\n').map((line) => line.trim().split(/\s+/).pop());
      expect(imports).toContain('napi_get_arraybuffer_info');
      expect(imports.filter((name) => name && /^napi_create_external/.test(name))).toEqual([]);
    },
  );
});
