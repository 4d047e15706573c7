// Each runtime ends an epoch one way (README, "How old views go dark"): by
// transferring the window where transfer() keeps the memory (Node 22+), else
// through the addon (Node 20). Both ways are tested on every line that has
// them: ENGRAM_ARENA_VIEWS=native forces the addon's way.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { expect, it } from 'vitest';
import { HAS_TRANSFER } from './fixtures/node-line';

const hasTransfer = HAS_TRANSFER;
const fixture = path.join(__dirname, 'fixtures', 'view-mode.cjs');

function run(env: Record<string, string>) {
  const child = spawnSync(process.execPath, [fixture], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } });
  return { stderr: child.stderr, status: child.status, result: child.status === 0 ? JSON.parse(child.stdout.trim()) : null };
}

it(`the default way on Node ${process.versions.node}: ${hasTransfer ? 'transfer' : 'native'}, and it detaches and zeroes`, () => {
  const { stderr, status, result } = run({ ENGRAM_ARENA_VIEWS: '' });
  expect(stderr).toBe('');
  expect(status).toBe(0);
  expect(result).toEqual({ mode: hasTransfer ? 'transfer' : 'native', rounds: 50, stale: 0, freshZero: true, afterDestroy: 0 });
});

it('ENGRAM_ARENA_VIEWS=native: the addon detaches old windows on every line', () => {
  const { stderr, status, result } = run({ ENGRAM_ARENA_VIEWS: 'native' });
  expect(stderr).toBe('');
  expect(status).toBe(0);
  expect(result).toEqual({ mode: 'native', rounds: 50, stale: 0, freshZero: true, afterDestroy: 0 });
});

it.runIf(!hasTransfer)('Node 20 (only): ENGRAM_ARENA_VIEWS=transfer fails at load, saying why', () => {
  const { stderr, status } = run({ ENGRAM_ARENA_VIEWS: 'transfer' });
  expect(status).not.toBe(0);
  expect(stderr).toContain('ENGRAM_ARENA_VIEWS=transfer');
});
