// What postMessage and structuredClone do with arena memory in a transfer
// list differs by Node line (README, "Arena memory and other threads"): each
// line is tested for what it does, and on none may arena memory move to
// another owner while the arena reuses it.
import { expect, it } from 'vitest';
import { runJsonFixture } from './fixtures/run-fixture';

const major = Number(process.versions.node.split('.')[0]);

function run() {
  return runJsonFixture('post-arena-memory.cjs');
}

it.runIf(major < 22)('Node 20 (only): a transfer list copies arena memory (Node copies external buffers)', () => {
  expect(run()).toEqual({
    post: 'moved or copied',
    viewLengthAfterPost: 64,
    structuredClone: 'moved or copied',
    clonedReads: 9,
    viewLengthAfterClone: 64,
    received: [7, 7],
    reset: 'ok',
    viewLengthAfterReset: 0,
    receivedAfterReuse: 7,
  });
});

it.runIf(major >= 22)('Node 22 and later (only): a transfer list of arena memory throws DataCloneError and changes nothing', () => {
  expect(run()).toEqual({
    post: 'DataCloneError',
    viewLengthAfterPost: 64,
    structuredClone: 'DataCloneError',
    clonedReads: null,
    viewLengthAfterClone: 64,
    received: null,
    reset: 'ok',
    viewLengthAfterReset: 0,
  });
});

