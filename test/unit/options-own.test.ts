// Options are read from own properties only: a polluted Object.prototype must
// not turn zeroing off, shrink arenas, or rename metrics.
import { expect, it } from 'vitest';
import { runJsonFixture } from '../fixtures/run-fixture';

it('a polluted Object.prototype changes no option of Arena, ArenaPool, configure or registerMetrics', () => {
  expect(runJsonFixture('polluted-options.cjs')).toMatchObject({
    size: 1024 * 1024,
    options: { size: 1024 * 1024, overflowStrategy: 'error_return', zeroOnReset: true },
    poolName: 'default',
    nextSeesSecret: false,
    poolArenaSize: 1024 * 1024,
    configUnchanged: true,
    metricPrefixes: ['engram'],
  });
});
