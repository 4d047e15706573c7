// Arena memory moved into a new ArrayBuffer behind the arena's back (a BYOB
// stream read or ArrayBuffer.prototype.transfer) must never be reused or
// freed: the arena gives it up (ERR_ARENA_TRANSFERRED) and keeps the memory
// for good, also when the buffer was posted to another thread and the worker
// that owned the arena exits.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NEEDS_TRANSFER, transferFlags } from './fixtures/node-line';

// A BYOB read moves memory on every line; transfer() needs a flag on Node 20 only.
const flagsFor = { byob: [] as string[] | null, transfer: transferFlags() };

function run(how: 'byob' | 'transfer', owner: 'instance' | 'thread') {
  const fixture = path.join(__dirname, 'fixtures', 'escape.cjs');
  const child = spawnSync(process.execPath, ['--expose-gc', ...flagsFor[how]!, fixture, how, owner], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(child.stderr).toBe('');
  expect(child.status).toBe(0);
  return JSON.parse(child.stdout.trim());
}

describe('memory moved out of an arena', () => {
  for (const how of ['byob', 'transfer'] as const) {
    for (const owner of ['instance', 'thread'] as const) {
      const needs = how === 'transfer' ? ` ${NEEDS_TRANSFER}` : '';
      it.skipIf(flagsFor[how] === null)(`${how} from the ${owner} arena: the arena is given up and its memory kept${needs}`, () => {
        const result = run(how, owner);
        expect(result).toEqual({
          movedBytes: 4096, // the window: the first 4 KiB of the arena
          allocAfter: 'ArenaError:ERR_ARENA_TRANSFERRED',
          resetAfter: 'ArenaDestroyedError:ERR_ARENA_DESTROYED',
          destroyed: true,
          movedStillReads: true,
          freshIsNew: true,
          movedSeesOthers: false,
          liveWhileHeld: 5,
          // The quarantined arena stays reserved (a deliberate leak) next to the fresh thread arena.
          liveAfterGc: 1,
        });
      });
    }
  }
});

describe('memory moved out of a worker\'s arena and posted to the main thread', () => {
  for (const owner of ['instance', 'thread'] as const) {
    for (const reset of ['none', 'reset', 'drop'] as const) {
      const how = { none: '', reset: ', reset in the worker', drop: ', dropped and collected in the worker' }[reset];
      it(`${owner} arena${how}: still readable and writable after the worker exits`, () => {
        const fixture = path.join(__dirname, 'fixtures', 'escape-worker.cjs');
        const child = spawnSync(process.execPath, ['--expose-gc', fixture, owner, reset], { encoding: 'utf8', timeout: 60_000 });
        expect(child.stderr).toBe('');
        expect(child.signal).toBeNull();
        expect(child.status).toBe(0);
        expect(JSON.parse(child.stdout.trim())).toEqual({
          movedBytes: 4096, // the window: the first 4 KiB of the arena
          reset: reset === 'reset' ? 'ERR_ARENA_TRANSFERRED' : 'not tried',
          keptBytes: true,
          othersIntact: true,
        });
      });
    }
  }
});
