// Arena memory moved into a new ArrayBuffer behind the arena's back (a BYOB
// stream read or ArrayBuffer.prototype.transfer) belongs to whoever moved it:
// the moved block keeps its bytes whatever the arena does next, the arena goes
// on at the same offset with fresh zeroed memory, metrics().totalMovedOut
// counts the block, and nothing is quarantined. The same holds when the moved
// buffer is posted to another thread and the worker that owned the arena
// resets it, drops it or exits.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NEEDS_TRANSFER, transferFlags } from '../fixtures/node-line';

// A BYOB read moves memory on every line; transfer() needs a flag on Node 20 only.
const flagsFor = { byob: [] as string[] | null, transfer: transferFlags() };

function run(how: 'byob' | 'transfer', owner: 'instance' | 'thread') {
  const fixture = path.join(__dirname, '..', 'fixtures', 'escape.cjs');
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
      it.skipIf(flagsFor[how] === null)(
        `${how} from the ${owner} arena: the user keeps the bytes, the arena goes on with fresh memory${needs}`,
        () => {
          expect(run(how, owner)).toEqual({
            movedBeyondCapacity: 4096, // the whole block moves: size + LIMITS.hostedSlackBytes
            viewsDetached: true, // every view of the epoch, not only the one read into
            movedReads: true,
            allocAfter: 'ok',
            nextOffset: 128, // the same offset as if nothing had moved
            nextZero: true,
            resetAfter: 'ok',
            destroyed: false,
            sameThreadArena: owner === 'thread' ? true : null,
            counted: 1, // metrics().totalMovedOut
            movedUntouched: true, // the later writes and the zeroing reset went to the fresh memory
            movedSeesOthers: false,
            othersSeeMoved: false,
            liveWithOthers: 4, // the four new arenas; nothing quarantined
            allocAfterGc: 'ok',
            destroy: 'ok',
            liveAfterDestroy: -1, // the arena itself, counted from after it was made
          });
        },
      );
    }
  }
});

describe("memory moved out of a worker's arena and posted to the main thread", () => {
  for (const owner of ['instance', 'thread'] as const) {
    for (const end of ['none', 'reset', 'drop'] as const) {
      const how = {
        none: '',
        reset: ', reset in the worker',
        drop:
          owner === 'thread'
            ? ', deinitThreadArena() and collected in the worker'
            : ', dropped and collected in the worker',
      }[end];
      it(`${owner} arena${how}: still readable and writable after the worker exits`, () => {
        const fixture = path.join(__dirname, '..', 'fixtures', 'escape-worker.cjs');
        const child = spawnSync(process.execPath, ['--expose-gc', fixture, owner, end], {
          encoding: 'utf8',
          timeout: 60_000,
        });
        expect(child.stderr).toBe('');
        expect(child.signal).toBeNull();
        expect(child.status).toBe(0);
        expect(JSON.parse(child.stdout.trim())).toEqual({
          movedBeyondCapacity: 4096, // the whole block
          reset: end === 'reset' ? 'ok' : 'not tried',
          collected: end === 'drop' ? true : null,
          keptBytes: true,
          foreignBytes: false,
          othersIntact: true,
        });
      });
    }
  }
});
