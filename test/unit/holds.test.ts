// Holds keep an epoch alive while native code may still use arena memory
// (README, "Safety model"), and a pool keeps serving with an arena whose
// memory its user moved out.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Arena, ArenaError, ArenaHold, ArenaPool, deinitThreadArena, metrics, threadArena } from '../../dist/index.js';
import { HAS_TRANSFER } from '../fixtures/node-line';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code;
  }
}

describe('arena.hold()', () => {
  it('while a hold is out, reset() and destroy() throw ERR_ARENA_HELD and change nothing', () => {
    const arena = new Arena({ size: 64 * 1024 });
    const view = arena.alloc(100);
    view.fill(7);
    const before = arena.stats();
    const hold = arena.hold();
    expect(hold).toBeInstanceOf(ArenaHold);
    expect(arena.held).toBe(true);
    expect(codeOf(() => arena.reset())).toBe('ERR_ARENA_HELD');
    expect(codeOf(() => arena.destroy())).toBe('ERR_ARENA_HELD');
    expect(() => arena.reset()).toThrow(ArenaError);
    expect(arena.stats()).toEqual(before);
    expect(view.length).toBe(100);
    expect(view.every((b) => b === 7)).toBe(true);
    expect(arena.destroyed).toBe(false);
    hold.release();
    hold.release(); // a second release does nothing
    expect(hold.released).toBe(true);
    expect(arena.held).toBe(false);
    arena.reset();
    expect(view.length).toBe(0);
    arena.destroy();
    expect(codeOf(() => arena.hold())).toBe('ERR_ARENA_DESTROYED');
  });

  it('counts holds: the arena is free only when every one is released; `using` releases', () => {
    const arena = new Arena({ size: 4096 });
    const a = arena.hold();
    {
      using b = arena.hold();
      expect(b.released).toBe(false);
    }
    expect(arena.held).toBe(true);
    a.release();
    expect(arena.held).toBe(false);
    arena.destroy();
  });

  it('holdUntil() releases when the promise fulfils or rejects', async () => {
    const arena = new Arena({ size: 4096 });
    let resolve!: () => void;
    const hold = arena.holdUntil(
      new Promise<void>((r) => {
        resolve = r;
      }),
    );
    expect(arena.held).toBe(true);
    resolve();
    await new Promise((r) => setImmediate(r));
    expect(hold.released).toBe(true);
    const failing = Promise.reject(new Error('io failed'));
    failing.catch(() => {});
    arena.holdUntil(failing);
    await new Promise((r) => setImmediate(r));
    expect(arena.held).toBe(false);
    arena.destroy();
  });

  it('holdUntilFinished() releases when the stream finishes, or is destroyed', async () => {
    const arena = new Arena({ size: 4096 });
    const stream = new PassThrough();
    arena.holdUntilFinished(stream);
    stream.resume();
    stream.end(arena.alloc(16));
    expect(arena.held).toBe(true);
    await new Promise((r) => stream.on('end', r));
    await new Promise((r) => setImmediate(r));
    expect(arena.held).toBe(false);
    const broken = new PassThrough();
    arena.holdUntilFinished(broken);
    broken.destroy(new Error('peer went away'));
    broken.on('error', () => {});
    await new Promise((r) => setImmediate(r));
    expect(arena.held).toBe(false);
    arena.destroy();
  });

  it('deinitThreadArena() and resetThreadArena() refuse a held thread arena', () => {
    const arena = threadArena();
    const hold = arena.hold();
    expect(codeOf(() => deinitThreadArena())).toBe('ERR_ARENA_HELD');
    expect(arena.destroyed).toBe(false);
    hold.release();
    deinitThreadArena();
    expect(arena.destroyed).toBe(true);
  });
});

describe('real I/O into and out of arena memory under holds: zero corrupt bytes', () => {
  it('fs.read into views, then reset attempts and new allocations: no file byte lands in a later epoch', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'engram-hold-')), 'data');
    fs.writeFileSync(file, Buffer.alloc(1 << 20, 0xab));
    const fd = fs.openSync(file, 'r');
    const pool = new ArenaPool({ size: 1 << 20, maxArenas: 2 });
    let refused = 0;
    let dirty = 0;
    try {
      for (let round = 0; round < 20; round++) {
        await pool.run(async (arena) => {
          const view = arena.alloc(64 * 1024);
          const read = new Promise<number>((resolve, reject) =>
            fs.read(fd, view, 0, view.length, 0, (e, n) => (e ? reject(e) : resolve(n))),
          );
          arena.holdUntil(read);
          refused += codeOf(() => arena.reset()) === 'ERR_ARENA_HELD' ? 1 : 0;
          // The run ends before the read completes; the pool must wait for the hold.
        });
        await pool.run(async (arena) => {
          const fresh = arena.alloc(64 * 1024);
          for (const b of fresh) if (b !== 0) dirty += 1;
        });
      }
    } finally {
      fs.closeSync(fd);
      pool.destroy();
    }
    expect(refused).toBe(20);
    expect(dirty).toBe(0);
  });

  it('crypto.randomFill into a view under a hold: destroy is refused until it is done, then frees', async () => {
    const arena = new Arena({ size: 8 << 20 });
    const view = arena.alloc(4 << 20);
    const done = new Promise<void>((resolve, reject) =>
      crypto.randomFill(view, (err) => (err ? reject(err) : resolve())),
    );
    const hold = arena.holdUntil(done);
    expect(codeOf(() => arena.destroy())).toBe('ERR_ARENA_HELD');
    await done;
    await new Promise((r) => setImmediate(r));
    expect(hold.released).toBe(true);
    expect(view.some((b) => b !== 0)).toBe(true);
    arena.destroy();
    expect(view.length).toBe(0);
  });

  it('socket.write of a large view under a hold: the peer gets exactly those bytes, never the next epoch', async () => {
    const size = 8 << 20;
    const received: Buffer[] = [];
    const server = net.createServer((socket) => socket.on('data', (chunk) => received.push(chunk)));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as net.AddressInfo;
    const pool = new ArenaPool({ size: 16 << 20, maxArenas: 1 });
    const socket = net.connect(port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    try {
      await pool.run(async (arena) => {
        const view = arena.alloc(size);
        view.fill(0x5a);
        const written = new Promise<void>((resolve, reject) =>
          socket.write(view, (err) => (err ? reject(err) : resolve())),
        );
        arena.holdUntil(written);
      });
      // The same (only) arena serves the next request, which overwrites its memory.
      await pool.run(async (arena) => {
        arena.alloc(size).fill(0x11);
      });
      await new Promise<void>((r) => socket.end(r));
      await new Promise((r) => setTimeout(r, 50));
      while (Buffer.concat(received).length < size) await new Promise((r) => setTimeout(r, 20));
    } finally {
      socket.destroy();
      server.close();
      pool.destroy();
    }
    const all = Buffer.concat(received);
    expect(all.length).toBe(size);
    expect(all.every((b) => b === 0x5a)).toBe(true);
  });
});

describe('ArenaPool and holds', () => {
  it('recycles an arena given back with a hold out only when the hold is released; waiters are served then', async () => {
    const pool = new ArenaPool({ size: 4096, maxArenas: 1 });
    let hold!: ArenaHold;
    await pool.run(async (arena) => {
      arena.alloc(8).fill(9);
      hold = arena.hold();
    });
    expect(pool.stats()).toMatchObject({ held: 1, idle: 0, inUse: 0, arenas: 1 });
    let served = false;
    const next = pool.run(async (arena) => {
      served = true;
      return arena.alloc(8).every((b) => b === 0);
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(served).toBe(false);
    hold.release();
    expect(await next).toBe(true);
    expect(pool.stats()).toMatchObject({ held: 0, idle: 1 });
    pool.destroy();
  });

  it('destroy() of a pool destroys a held arena once its hold is released', async () => {
    const pool = new ArenaPool({ size: 4096, maxArenas: 1 });
    let kept!: Arena;
    let hold!: ArenaHold;
    await pool.run(async (arena) => {
      kept = arena;
      hold = arena.hold();
    });
    pool.destroy();
    expect(kept.destroyed).toBe(false);
    hold.release();
    expect(kept.destroyed).toBe(true);
  });
});

describe('ArenaPool and memory moved out of its arenas', () => {
  /** Moves the arena's block out from under `view` (the whole block, as the user's from then on). */
  async function moveOut(view: Buffer): Promise<Uint8Array> {
    const { byteOffset: offset, length } = view; // both 0 once the move detaches the view
    if (HAS_TRANSFER) {
      const block = (view.buffer as ArrayBuffer & { transfer(): ArrayBuffer }).transfer();
      return new Uint8Array(block, offset, length);
    }
    const stream = new ReadableStream({
      type: 'bytes',
      pull(controller) {
        (controller.byobRequest!.view as Uint8Array)[0] = 1;
        controller.byobRequest!.respond(1);
      },
    });
    const { value } = await stream.getReader({ mode: 'byob' }).read(view);
    return new Uint8Array(value!.buffer, offset, length);
  }

  it('run() whose callback moves arena memory out: the caller keeps the bytes, the same arena serves the next caller', async () => {
    const pool = new ArenaPool({ size: 4096, maxArenas: 1, acquireTimeoutMs: 2000 });
    const movedBefore = metrics().totalMovedOut;
    let first!: Arena;
    const moved = await pool.run(async (arena) => {
      first = arena;
      const view = arena.alloc(64);
      view.fill(0x5a);
      return moveOut(view);
    });
    const kept = Array.from(moved.subarray(1));
    expect(kept).toEqual(new Array(63).fill(0x5a));
    const fresh = await pool.run(async (arena) => {
      expect(first.destroyed).toBe(true); // the handle run() lent before is stale
      expect(arena).not.toBe(first);
      const view = arena.alloc(4096, 1);
      const zero = view.every((b) => b === 0);
      view.fill(0x11);
      return zero;
    });
    expect(fresh).toBe(true);
    // The pool's resets went to the arena's fresh memory, never to the block the caller took.
    expect(Array.from(moved.subarray(1))).toEqual(kept);
    expect(metrics().totalMovedOut - movedBefore).toBe(1);
    const stats = pool.stats();
    expect(stats).toMatchObject({ created: 1, arenas: 1, inUse: 0, idle: 1, acquired: 2, released: 2 });
    expect(stats).not.toHaveProperty('quarantined'); // the pool no longer drops such arenas
    pool.destroy();
  });

  it('a waiter queued behind such a run is served', async () => {
    const pool = new ArenaPool({ size: 4096, maxArenas: 1, acquireTimeoutMs: 2000 });
    const first = pool.run(async (arena) => moveOut(arena.alloc(64)));
    const second = pool.run(async (arena) => [arena.size, arena.alloc(64).every((b) => b === 0)]);
    await first;
    expect(await second).toEqual([4096, true]);
    expect(pool.stats()).toMatchObject({ created: 1, waited: 1 });
    pool.destroy();
  });

  it('release() of such an arena does not throw; the arena goes back to the pool and serves again', async () => {
    const pool = new ArenaPool({ size: 4096, maxArenas: 1 });
    const arena = await pool.acquire();
    const moved = await moveOut(arena.alloc(64).fill(7));
    pool.release(arena);
    expect(arena.destroyed).toBe(true); // the released handle is stale; the pool keeps the arena
    expect(pool.stats()).toMatchObject({ inUse: 0, idle: 1, arenas: 1, released: 1, created: 1 });
    const next = await pool.acquire();
    expect(pool.stats().created).toBe(1); // the same arena, not a replacement
    expect(next.alloc(64).every((b) => b === 0)).toBe(true);
    pool.release(next);
    expect(Array.from(moved.subarray(1))).toEqual(new Array(63).fill(7));
    pool.destroy();
  });
});

describe('hold arguments', () => {
  it('holdUntil() and holdUntilFinished() refuse what they cannot watch, with a TypeError and no hold taken', () => {
    const arena = new Arena({ size: 4096 });
    for (const bad of [undefined, null, 42, 'x', {}, { then: 1 }, [], Symbol('s')]) {
      expect(() => arena.holdUntil(bad as never)).toThrow(TypeError);
      expect(() => arena.holdUntilFinished(bad as never)).toThrow(TypeError);
    }
    expect(arena.held).toBe(false);
    arena.destroy();
    expect(codeOf(() => arena.holdUntil(Promise.resolve()))).toBe('ERR_ARENA_DESTROYED');
  });
});
