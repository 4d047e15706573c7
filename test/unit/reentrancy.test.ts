// An allocation must be whole before any user code can run: patched array
// protocols, index setters and Math functions that allocate from the same
// arena must never get the bytes of an allocation in progress.
import { expect, it } from 'vitest';
import { runJsonFixture } from '../fixtures/run-fixture';

it('allocations made from patched protocols in the middle of an allocation get bytes of their own', () => {
  const result = runJsonFixture('reentrant-alloc.cjs');
  expect(result.inner).toBeGreaterThan(0); // the patches did allocate
  expect(result.clean).toBe(true);
});
