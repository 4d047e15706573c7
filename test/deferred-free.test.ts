// destroy() and deinitThreadArena() give memory back only at the end of the
// current JavaScript turn: native code that took a pointer before a valueOf
// that destroys the arena must still write into mapped memory.
import { expect, it } from 'vitest';
import { runJsonFixture } from './fixtures/run-fixture';

it('view.fill() whose valueOf destroys the arena (or deinits the thread arena) neither crashes nor keeps the memory', () => {
  expect(runJsonFixture('destroy-in-valueof.cjs')).toEqual({
    instance: { destroyed: true, viewLength: 0, liveSameTurn: 0, liveNextTurn: 0 },
    thread: { destroyed: true, viewLength: 0, freshIsNew: true, liveNextTurn: 1 },
  });
});
