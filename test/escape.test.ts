// Arena memory moved into a new ArrayBuffer behind the arena's back (a BYOB
// stream read or ArrayBuffer.prototype.transfer) must never be reused or
// freed while that buffer lives: the arena gives it up (ERR_ARENA_TRANSFERRED)
// and frees it only after the escaped buffer is collected.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

function run(how: 'byob' | 'transfer', owner: 'instance' | 'thread') {
  const fixture = path.join(__dirname, 'fixtures', 'escape.cjs');
  const child = spawnSync(process.execPath, ['--expose-gc', '--harmony-rab-gsab-transfer', fixture, how, owner], {
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
      it(`${how} from the ${owner} arena: the arena is given up, the memory kept until the buffer is collected`, () => {
        const result = run(how, owner);
        expect(result).toEqual({
          movedBytes: 1 << 20,
          allocAfter: 'ArenaError:ERR_ARENA_TRANSFERRED',
          resetAfter: 'ArenaDestroyedError:ERR_ARENA_DESTROYED',
          destroyed: true,
          movedStillReads: true,
          freshIsNew: true,
          movedSeesOthers: false,
          liveWhileHeld: 5,
          liveAfterGc: 0,
        });
      });
    }
  }
});
