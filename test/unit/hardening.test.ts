// Findings of the hostile review that are not covered elsewhere:
// each asserts the documented answer.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Arena, ArenaOverflowError, deinitThreadArena, threadArena } from '../../dist/index.js';
import { runJsonFixture } from '../fixtures/run-fixture';

describe('answers that must agree with the README', () => {
  it('resetConfig() after process.env changed warns again about an invalid variable, at every load', () => {
    const fixture = path.join(__dirname, '..', 'fixtures', 'reset-config-warns.cjs');
    const env = { ...process.env };
    delete env.ENGRAM_ARENA_SIZE;
    const child = spawnSync(process.execPath, [fixture], { encoding: 'utf8', timeout: 60_000, env });
    expect(child.status).toBe(0);
    expect(JSON.parse(child.stdout.trim())).toEqual({
      first: 131072,
      second: 1048576, // the default stays in force
      warnings: 2,
      names: ['ENGRAM_ARENA_SIZE', 'ENGRAM_ARENA_SIZE'],
    });
  });

  it('a failed alloc() changes nothing but the overflow counter, which exists to count it', () => {
    const arena = new Arena({ size: 4096 });
    arena.alloc(100);
    const before = arena.stats();
    expect(() => arena.alloc(8192)).toThrow(ArenaOverflowError);
    expect(arena.stats()).toEqual({ ...before, overflows: before.overflows + 1 });
    arena.destroy();
  });

  it('a destroyed arena, and a deinitialised thread arena, report size 0; options keep what they were made with', () => {
    const arena = new Arena({ size: 8192 });
    arena.destroy();
    expect(arena.size).toBe(0);
    expect(arena.options.size).toBe(8192);
    const thread = threadArena();
    expect(thread.size).toBeGreaterThan(0);
    deinitThreadArena();
    expect(thread.size).toBe(0);
  });

  it('bytes written past an allocation through view.buffer are what the next allocation of the epoch holds, and are zero after reset', () => {
    const arena = new Arena({ size: 64 * 1024 });
    const first = arena.alloc(16, 16);
    new Uint8Array(first.buffer, first.byteOffset + 16, 16).fill(0xee);
    const next = arena.alloc(16, 16);
    expect([...next]).toEqual(new Array(16).fill(0xee)); // documented: not zero within the epoch
    arena.reset();
    const again = arena.alloc(32, 16);
    expect(again.every((b) => b === 0)).toBe(true);
    arena.destroy();
  });
});

describe('thread arena options', () => {
  it('report what the arena was made with, even while another thread flips the config', () => {
    const { checked, lies } = runJsonFixture('thread-options-race.cjs', { timeoutMs: 120_000 });
    expect(checked).toBeGreaterThan(10_000);
    expect(lies).toBe(0);
  });
});
