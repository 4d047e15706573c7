// Memory lifetime across JavaScript: views that outlive a collected Arena,
// postMessage with a transfer list, the panic strategy, and the built
// binary's TLS model.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MessageChannel, Worker, type TransferListItem } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { Arena, threadArena, deinitThreadArena } from '../dist/index.js';
import { ROOT, jsonOf, runFixture } from './fixtures/arena-helpers';

describe('a view outlives its collected Arena', () => {
  it('reads its bytes after the Arena object was garbage-collected; memory goes back with the last view', () => {
    const result = runFixture('arena-gc.js', { nodeArgs: ['--expose-gc'] });
    expect(result.status).toBe(0);
    const out = jsonOf(result);
    expect(out.collected).toBe(true); // the Arena object really was collected
    expect(out.text).toBe('kept after the arena was collected');
    expect(out.viewLength).toBe(64);
    expect(out.fallbackLength).toBe(256);
    expect(out.fallbackIntact).toBe(true);
    expect(out.liveDuring).toBe(out.liveBefore + 1);
    expect(out.liveAfterArenaGc).toBe(out.liveBefore + 1); // the views keep the memory alive
    expect(out.freedAfterViewsGc).toBe(true); // and the last one gives it back
    expect(out.liveAfterViewsGc).toBe(out.liveBefore);
  });
});

/** Posts `value` with `transfer` and reports what happened, on Node 20 and later alike. */
async function post(value: unknown, transfer: TransferListItem[]): Promise<{ threw?: Error; received?: any }> {
  const { port1, port2 } = new MessageChannel();
  try {
    try {
      port1.postMessage(value, transfer);
    } catch (error) {
      return { threw: error as Error };
    }
    const received = await new Promise((resolve) => port2.once('message', resolve));
    return { received };
  } finally {
    port1.close();
    port2.close();
  }
}

describe('postMessage with a transfer list leaves the arena memory in place', () => {
  it('a Buffer view: refused (DataCloneError) or copied; never moved', async () => {
    const arena = new Arena({ size: 4096 });
    const view = arena.alloc(16);
    view.fill(7);
    const neighbour = arena.alloc(16);
    neighbour.fill(9);
    const stats = arena.stats();
    for (const transfer of [[view.buffer], [view.buffer, new ArrayBuffer(8)]] as TransferListItem[][]) {
      const outcome = await post(view, transfer);
      if (outcome.threw) {
        expect(outcome.threw.name).toBe('DataCloneError');
      } else {
        // A copy: writing to it does not reach the arena.
        const copy = outcome.received as Uint8Array;
        expect(copy[0]).toBe(7);
        copy.fill(1);
      }
      expect(view.length).toBe(16);
      expect(view.buffer.byteLength).toBeGreaterThan(0);
      expect(view.every((b) => b === 7)).toBe(true);
      expect(neighbour.every((b) => b === 9)).toBe(true);
    }
    // The ArrayBuffer itself in the transfer list.
    const direct = await post(view.buffer, [view.buffer as ArrayBuffer]);
    if (direct.threw) expect(direct.threw.name).toBe('DataCloneError');
    expect(view.length).toBe(16);
    expect(view.every((b) => b === 7)).toBe(true);
    // The arena goes on as before.
    expect(arena.stats()).toEqual(stats);
    const next = arena.alloc(16);
    expect(next.byteOffset).toBe(32);
    arena.destroy();
    expect(view.length).toBe(0);
  });

  it('typed arrays, fallbacks and the thread arena are protected the same way', async () => {
    const arena = new Arena({ size: 64, overflowStrategy: 'fallback' });
    const floats = arena.allocArray(Float64Array, 4);
    floats.fill(2.5);
    const fallback = arena.alloc(1000);
    fallback.fill(3);
    const thread = threadArena().alloc(32);
    thread.fill(4);
    for (const [view, byte] of [[floats, 2.5], [fallback, 3], [thread, 4]] as [Uint8Array | Float64Array, number][]) {
      const length = view.length;
      const outcome = await post(view, [view.buffer as ArrayBuffer]);
      if (outcome.threw) expect(outcome.threw.name).toBe('DataCloneError');
      expect(view.length).toBe(length);
      expect(Array.from(view as Uint8Array).every((x) => x === byte)).toBe(true);
    }
    arena.destroy();
    deinitThreadArena();
  });

  it('posting to a real worker leaves the view attached too', async () => {
    const arena = new Arena({ size: 4096 });
    const view = arena.alloc(8);
    view.fill(5);
    // The worker ends by itself once its one listener is gone: a process.exit()
    // right after postMessage() can drop the reply, and this test then hung.
    const worker = new Worker(
      "require('node:worker_threads').parentPort.once('message', (m) => { require('node:worker_threads').parentPort.postMessage(m && m.length); })",
      { eval: true },
    );
    const replied = new Promise((resolve) => worker.once('message', resolve));
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    let threw: Error | undefined;
    try {
      worker.postMessage(view, [view.buffer as ArrayBuffer]);
    } catch (error) {
      threw = error as Error;
      worker.postMessage(null);
    }
    const reply = await replied;
    await exited;
    if (threw) expect(threw.name).toBe('DataCloneError');
    else expect(reply).toBe(8);
    expect(view.length).toBe(8);
    expect(view.every((b) => b === 5)).toBe(true);
    arena.destroy();
  });
});

describe('overflowStrategy: panic', () => {
  it('ends a child process non-zero with the message on stderr; this run survives', () => {
    const result = runFixture('arena-panic.js');
    expect(result.status === 0).toBe(false);
    expect(result.status !== null || result.signal !== null).toBe(true);
    expect(result.stdout).toContain('before overflow');
    expect(result.stdout).not.toContain('unreachable');
    expect(result.stderr).toMatch(/engram arena overflow/);
    expect(result.stderr).toMatch(/requested 200 bytes/);
    expect(result.stderr).toMatch(/capacity 4096/);
    // And this process is fine.
    const arena = new Arena({ size: 64, overflowStrategy: 'error_return' });
    expect(arena.alloc(8).length).toBe(8);
    arena.destroy();
  });
});

describe('the built addon', () => {
  const candidates = [path.join(ROOT, 'build', 'Release', 'engram_arena.node')];
  if (process.env.ENGRAM_ARENA_BINARY) candidates.push(path.resolve(process.env.ENGRAM_ARENA_BINARY));
  const binaries = [...new Set(candidates)].filter((file) => fs.existsSync(file));

  it.runIf(process.platform === 'linux')('has no static-TLS requirement (readelf -d: no STATIC_TLS flag)', () => {
    expect(binaries.length).toBeGreaterThan(0);
    for (const file of binaries) {
      const result = spawnSync('readelf', ['-d', file], { encoding: 'utf8' });
      expect(result.error).toBeUndefined();
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(/Dynamic section/);
      expect(result.stdout).toMatch(/NEEDED|SONAME|GNU_HASH/); // really the dynamic table
      expect(result.stdout).not.toMatch(/STATIC_TLS/);
    }
  });
});
