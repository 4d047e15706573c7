// An allocation must be whole before any user code can run: patched array
// protocols, index setters and Math functions that allocate from the same
// arena must never get the bytes of an allocation in progress.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { expect, it } from 'vitest';

it('allocations made from patched protocols in the middle of an allocation get bytes of their own', () => {
  const fixture = path.join(__dirname, 'fixtures', 'reentrant-alloc.cjs');
  const child = spawnSync(process.execPath, [fixture], { encoding: 'utf8', timeout: 60_000 });
  expect(child.stderr).toBe('');
  expect(child.status).toBe(0);
  const result = JSON.parse(child.stdout.trim());
  expect(result.inner).toBeGreaterThan(0); // the patches did allocate
  expect(result.clean).toBe(true);
});
