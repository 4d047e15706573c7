// postMessage of an arena view with its buffer in the transfer list moves the
// arena's whole memory block (an ordinary engine-owned ArrayBuffer) to the
// receiving thread, the same way on every Node line. The receiver owns it from
// then on: it reads the bytes after the sender resets, destroys or exits, and
// the sender's arena goes on at the same offset with fresh zeroed memory.
import { describe, expect, it } from 'vitest';
import { runJsonFixture } from '../fixtures/run-fixture';

const result = (() => {
  let cached: any;
  return () => (cached ??= runJsonFixture('post-arena-memory.cjs', { timeoutMs: 60_000 }));
})();

// The same on both sides: the sender's view and its neighbour go dark, its
// next allocation is fresh zeroed memory right after them (4096 + 64), and
// the move is counted once; the receiver gets the whole block (capacity +
// LIMITS.hostedSlackBytes) with the view's and the neighbour's bytes, and
// none written after the move by anyone.
const sender = { viewsDetached: true, nextOffset: 4160, nextZero: true, counted: 1 };
const received = { blockBeyondCapacity: 4096, view: true, neighbour: true, foreign: false, othersIntact: true };

describe('a worker posts an arena view to the main thread with a transfer list', () => {
  for (const owner of ['instance', 'thread']) {
    for (const end of ['reset', 'destroy', 'exit', 'terminate']) {
      const how = {
        reset: 'resets its arena',
        destroy: 'destroys its arena',
        exit: 'calls process.exit()',
        terminate: 'is terminated',
      }[end];
      it(`${owner} arena: the main thread reads the block after the worker ${how}`, () => {
        const key = `${owner} ${end}`;
        expect([key, result().senders[key]]).toEqual([key, { sender, received }]);
      });
    }
  }
});

describe('the main thread posts an arena view to a worker with a transfer list', () => {
  for (const owner of ['instance', 'thread']) {
    it(`${owner} arena: the worker reads the block after the main thread resets and destroys the arena`, () => {
      expect([owner, result().receivers[owner]]).toEqual([owner, { sender, received }]);
    });
  }
});
