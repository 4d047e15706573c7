// Built-ins patched after the package loaded (Function.prototype and Reflect): old views
// still die at reset, fresh memory is zero, a pool lends an arena to one user
// at a time, moves out are noticed, holds end and refusals keep their codes
// (the checks are in fixtures/patched/workload.cjs, the patches in patches.cjs).
import { describe, expect, it } from 'vitest';
import { patchNames, runPatched } from '../fixtures/patched/run';

describe('Function.prototype and Reflect patched after load', () => {
  for (const name of patchNames('function')) {
    it(name, () => {
      expect(runPatched('function', name)).toEqual([]);
    });
  }
});
