// Built-ins patched after the package loaded (exports of Node modules and the Buffer class): old views
// still die at reset, fresh memory is zero, a pool lends an arena to one user
// at a time, moves out are noticed, holds end and refusals keep their codes
// (the checks are in fixtures/patched/workload.cjs, the patches in patches.cjs).
import { describe, expect, it } from 'vitest';
import { patchNames, runPatched } from '../fixtures/patched/run';

describe('exports of Node modules and the Buffer class patched after load', () => {
  for (const name of patchNames('node')) {
    it(name, () => {
      expect(runPatched('node', name)).toEqual([]);
    });
  }
});
