// Options are read from own properties only: a polluted Object.prototype must
// not turn zeroing off, shrink arenas, or rename metrics.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { expect, it } from 'vitest';

it('a polluted Object.prototype changes no option of Arena, ArenaPool, configure or registerMetrics', () => {
  const fixture = path.join(__dirname, 'fixtures', 'polluted-options.cjs');
  const child = spawnSync(process.execPath, [fixture], { encoding: 'utf8', timeout: 60_000 });
  expect(child.stderr).toBe('');
  expect(child.status).toBe(0);
  const result = JSON.parse(child.stdout.trim());
  expect(result).toMatchObject({
    capacity: 1024 * 1024,
    options: { size: 1024 * 1024, overflowStrategy: 'error_return', zeroOnReset: true },
    poolName: 'default',
    nextSeesSecret: false,
    poolArenaSize: 1024 * 1024,
    configUnchanged: true,
    metricPrefixes: ['engram'],
  });
});
