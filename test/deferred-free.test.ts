// destroy() and deinitThreadArena() give memory back only at the end of the
// current JavaScript turn: native code that took a pointer before a valueOf
// that destroys the arena must still write into mapped memory.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { expect, it } from 'vitest';

it('view.fill() whose valueOf destroys the arena (or deinits the thread arena) neither crashes nor keeps the memory', () => {
  const fixture = path.join(__dirname, 'fixtures', 'destroy-in-valueof.cjs');
  const child = spawnSync(process.execPath, [fixture], { encoding: 'utf8', timeout: 60_000 });
  expect(child.stderr).toBe('');
  expect(child.signal).toBeNull();
  expect(child.status).toBe(0);
  expect(JSON.parse(child.stdout.trim())).toEqual({
    instance: { destroyed: true, viewLength: 0, liveSameTurn: 0, liveNextTurn: 0 },
    thread: { destroyed: true, viewLength: 0, freshIsNew: true, liveNextTurn: 1 },
  });
});
