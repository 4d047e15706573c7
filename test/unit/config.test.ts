// configure / getConfig / resetConfig, metrics / resetMetrics, and the
// ENGRAM_ARENA_* environment variables in child processes.
import { afterEach, describe, expect, it } from 'vitest';
import {
  Arena,
  ArenaOverflowError,
  configure,
  deinitThreadArena,
  getConfig,
  metrics,
  resetConfig,
  resetMetrics,
  threadArena,
} from '../../dist/index.js';
import { jsonOf, runFixture, thrown } from '../fixtures/arena-helpers';

const DEFAULTS = { size: 1024 * 1024, overflowStrategy: 'error_return', zeroOnReset: true };
const envSet = ['ENGRAM_ARENA_SIZE', 'ENGRAM_ARENA_OVERFLOW', 'ENGRAM_ARENA_ZERO'].some((name) => name in process.env);

afterEach(() => {
  resetConfig();
  deinitThreadArena();
});

describe('configure, getConfig, resetConfig', () => {
  it.skipIf(envSet)('the defaults: 1 MiB, error_return, zeroOnReset', () => {
    expect(getConfig()).toEqual(DEFAULTS);
  });

  it('configure() returns the new config and changes only the fields given', () => {
    const start = getConfig();
    expect(configure({ size: 262144 })).toEqual({ ...start, size: 262144 });
    expect(configure({ overflowStrategy: 'fallback' })).toEqual({
      ...start,
      size: 262144,
      overflowStrategy: 'fallback',
    });
    expect(configure({ zeroOnReset: !start.zeroOnReset })).toEqual({
      size: 262144,
      overflowStrategy: 'fallback',
      zeroOnReset: !start.zeroOnReset,
    });
    expect(configure({})).toEqual(getConfig());
    expect(configure({ size: undefined, overflowStrategy: 'panic' })).toMatchObject({
      size: 262144,
      overflowStrategy: 'panic',
    });
    expect(getConfig()).toEqual({ size: 262144, overflowStrategy: 'panic', zeroOnReset: !start.zeroOnReset });
  });

  it('each strategy round-trips', () => {
    for (const strategy of ['panic', 'error_return', 'fallback'] as const) {
      expect(configure({ overflowStrategy: strategy }).overflowStrategy).toBe(strategy);
      expect(getConfig().overflowStrategy).toBe(strategy);
    }
  });

  it('getConfig() returns a copy', () => {
    const config = getConfig();
    (config as any).size = 1;
    expect(getConfig().size).not.toBe(1);
  });

  it.skipIf(envSet)('resetConfig() forgets configure()', () => {
    configure({ size: 65536, overflowStrategy: 'fallback', zeroOnReset: false });
    resetConfig();
    expect(getConfig()).toEqual(DEFAULTS);
  });

  it('the config drives new arenas and a new thread arena, not existing ones', () => {
    deinitThreadArena();
    configure({ size: 131072, overflowStrategy: 'fallback', zeroOnReset: false });
    const arena = new Arena();
    const thread = threadArena();
    expect(arena.options).toEqual({ size: 131072, overflowStrategy: 'fallback', zeroOnReset: false });
    expect(thread.size).toBe(131072);
    expect(thread.options).toEqual({ size: 131072, overflowStrategy: 'fallback', zeroOnReset: false });
    // The thread arena really falls back: the config's strategy is in force, not just reported.
    thread.alloc(131072, 1);
    expect(thread.alloc(10, 1).length).toBe(10);
    expect(thread.stats().fallbacks).toBe(1);
    configure({ size: 65536, overflowStrategy: 'error_return', zeroOnReset: true });
    expect(arena.options.size).toBe(131072);
    expect(threadArena().size).toBe(131072); // the same thread arena until deinit
    deinitThreadArena();
    const fresh = threadArena();
    expect(fresh.size).toBe(65536);
    fresh.alloc(65536, 1);
    expect(thrown(() => fresh.alloc(1, 1))).toBeInstanceOf(ArenaOverflowError);
    arena.destroy();
  });
});

describe('metrics and resetMetrics', () => {
  it('counters fold in at reset and at destroy, exactly', () => {
    resetMetrics();
    const gauges = metrics();
    expect(gauges).toMatchObject({
      totalResets: 0,
      totalOverflows: 0,
      maxHighWaterMark: 0,
      totalAllocations: 0,
      totalBytesAllocated: 0,
      totalFallbacks: 0,
      totalMovedOut: 0,
    });
    const a = new Arena({ size: 4096, overflowStrategy: 'fallback' });
    const b = new Arena({ size: 8192, overflowStrategy: 'error_return' });
    expect(metrics()).toMatchObject({ liveArenas: gauges.liveArenas + 2, reservedBytes: gauges.reservedBytes + 12288 });
    a.alloc(1000, 1);
    a.alloc(3000, 1);
    a.alloc(500, 1); // fallback
    a.reset(); // resets 1, allocations 3, bytes 4500, overflows 1, fallbacks 1, hwm 4000
    a.alloc(10, 1);
    a.reset(); // resets 2, allocations 4, bytes 4510
    b.alloc(7000, 1);
    expect(thrown(() => b.alloc(2000, 1))).toBeInstanceOf(ArenaOverflowError);
    expect(metrics()).toMatchObject({ totalResets: 2, totalAllocations: 4, maxHighWaterMark: 4000 }); // b not folded yet
    b.destroy(); // allocations 5, bytes 11510, overflows 2, hwm 7000; not a reset
    expect(metrics()).toEqual({
      totalResets: 2,
      totalOverflows: 2,
      maxHighWaterMark: 7000,
      totalAllocations: 5,
      totalBytesAllocated: 11510,
      totalFallbacks: 1,
      totalMovedOut: 0,
      liveArenas: gauges.liveArenas + 1,
      reservedBytes: gauges.reservedBytes + 4096,
    });
    a.destroy(); // nothing new since its last reset
    expect(metrics()).toMatchObject({ totalAllocations: 5, totalResets: 2, liveArenas: gauges.liveArenas });
  });

  it('resetMetrics() zeroes the counters and keeps the gauges', () => {
    const arena = new Arena({ size: 4096 });
    arena.alloc(100);
    arena.reset();
    expect(metrics().totalResets).toBeGreaterThan(0);
    const before = metrics();
    resetMetrics();
    expect(metrics()).toEqual({
      totalResets: 0,
      totalOverflows: 0,
      maxHighWaterMark: 0,
      totalAllocations: 0,
      totalBytesAllocated: 0,
      totalFallbacks: 0,
      totalMovedOut: 0,
      liveArenas: before.liveArenas,
      reservedBytes: before.reservedBytes,
    });
    arena.destroy();
    expect(metrics().liveArenas).toBe(before.liveArenas - 1);
  });

  it('metrics() returns a fresh object', () => {
    const first = metrics();
    (first as any).liveArenas = -1;
    expect(metrics().liveArenas).not.toBe(-1);
  });
});

describe('ENGRAM_ARENA_* in a child process', () => {
  const VALID = { ENGRAM_ARENA_SIZE: '2097152', ENGRAM_ARENA_ZERO: 'false', ENGRAM_ARENA_OVERFLOW: 'fallback' };

  it('valid variables set the config from the first use, without warnings', () => {
    const result = runFixture('arena-env.js', { env: VALID });
    expect(result.status).toBe(0);
    const out = jsonOf(result);
    const expected = { size: 2097152, overflowStrategy: 'fallback', zeroOnReset: false };
    expect(out.config).toEqual(expected);
    expect(out.first).toEqual(expected);
    expect(out.arenaOptions).toEqual({ size: 2097152, overflowStrategy: 'fallback', zeroOnReset: false });
    expect(out.threadOptions).toEqual({
      size: 2097152,
      overflowStrategy: 'fallback',
      zeroOnReset: false,
    });
    expect(out.configured).toEqual({ size: 65536, overflowStrategy: 'panic', zeroOnReset: true });
    expect(out.afterReset).toEqual(expected); // resetConfig() reads the environment again
    expect(out.warnings).toEqual([]);
    expect(out.emittedByFirstUse).toBe(0);
    expect(result.stderr).not.toMatch(/ENGRAM_ARENA/);
  });

  it.each([
    ['1', true],
    ['0', false],
    ['true', true],
  ])('ENGRAM_ARENA_ZERO=%s', (value, zero) => {
    const out = jsonOf(runFixture('arena-env.js', { env: { ENGRAM_ARENA_ZERO: value } }));
    expect(out.config.zeroOnReset).toBe(zero);
    expect(out.warnings).toEqual([]);
  });

  it('the limits of ENGRAM_ARENA_SIZE are accepted: 65536 and 1073741824', () => {
    for (const size of [65536, 1073741824]) {
      const out = jsonOf(
        runFixture('arena-env.js', { env: { ENGRAM_ARENA_SIZE: String(size), ENGRAM_ARENA_ZERO: 'false' } }),
      );
      expect(out.config.size).toBe(size);
      expect(out.warnings).toEqual([]);
    }
  });

  it('three invalid variables: three warnings, each naming its variable; defaults in force', () => {
    const result = runFixture('arena-env.js', {
      env: { ENGRAM_ARENA_SIZE: '12abc', ENGRAM_ARENA_OVERFLOW: 'explode', ENGRAM_ARENA_ZERO: 'yes' },
    });
    expect(result.status).toBe(0);
    const out = jsonOf(result);
    expect(out.config).toEqual(DEFAULTS);
    expect(out.arenaOptions).toEqual({ size: DEFAULTS.size, overflowStrategy: 'error_return', zeroOnReset: true });
    expect(out.threadOptions.size).toBe(DEFAULTS.size);
    expect(out.warnings).toHaveLength(3);
    expect(out.emittedByFirstUse).toBe(3);
    for (const warning of out.warnings) expect(warning.code).toBe('ENGRAM_ARENA_ENV');
    const [size, overflow, zero] = ['ENGRAM_ARENA_SIZE', 'ENGRAM_ARENA_OVERFLOW', 'ENGRAM_ARENA_ZERO'].map((name) =>
      out.warnings.filter((w: { message: string }) => w.message.startsWith(name)),
    );
    expect([size.length, overflow.length, zero.length]).toEqual([1, 1, 1]);
    expect(size[0].message).toContain('"12abc"');
    expect(size[0].message).toMatch(/65536.*1073741824/);
    expect(overflow[0].message).toContain('"explode"');
    expect(overflow[0].message).toMatch(/panic.*error_return.*fallback/);
    expect(zero[0].message).toContain('"yes"');
    expect(zero[0].message).toMatch(/true.*false/);

    // Node prints them on stderr with their code, once per load of the environment.
    expect(result.stderr.match(/\[ENGRAM_ARENA_ENV\]/g)).toHaveLength(6);
    // resetConfig() loads the environment again: the same three warnings again.
    expect(out.afterReset).toEqual(DEFAULTS);
    expect(out.warningsAfterReset.map((w: { message: string }) => w.message)).toEqual(
      out.warnings.map((w: { message: string }) => w.message),
    );
  });

  it('ENGRAM_ARENA_VIEWS, read by earlier versions, warns that it is no longer read, once', () => {
    const out = jsonOf(runFixture('arena-env.js', { env: { ENGRAM_ARENA_VIEWS: 'native' } }));
    expect(out.config).toEqual(DEFAULTS);
    expect(out.warnings).toHaveLength(1);
    expect(out.warnings[0]).toMatchObject({ code: 'ENGRAM_ARENA_ENV', name: 'EngramArenaWarning' });
    expect(out.warnings[0].message).toMatch(/^ENGRAM_ARENA_VIEWS="native" is no longer read/);
  });

  it.each([
    ['ENGRAM_ARENA_SIZE', 'below the minimum', '65535'],
    ['ENGRAM_ARENA_SIZE', 'above 1 GiB', '1073741825'],
    ['ENGRAM_ARENA_SIZE', 'negative', '-1048576'],
    ['ENGRAM_ARENA_SIZE', 'empty', ''],
    ['ENGRAM_ARENA_SIZE', 'with a unit', '2MB'],
    ['ENGRAM_ARENA_SIZE', 'fractional', '131072.5'],
    ['ENGRAM_ARENA_OVERFLOW', 'upper case', 'FALLBACK'],
    ['ENGRAM_ARENA_OVERFLOW', 'empty', ''],
    ['ENGRAM_ARENA_ZERO', 'upper case', 'TRUE'],
    ['ENGRAM_ARENA_ZERO', 'yes', 'yes'],
  ])('%s %s: exactly one warning; the other variables still apply', (name, _label, value) => {
    const env = { ...VALID, [name]: value };
    const out = jsonOf(runFixture('arena-env.js', { env }));
    expect(out.warnings).toHaveLength(1);
    expect(out.warnings[0]).toMatchObject({ code: 'ENGRAM_ARENA_ENV', name: 'EngramArenaWarning' });
    expect(out.warnings[0].message).toContain(name);
    expect(out.warnings[0].message).toContain(JSON.stringify(value));
    const expected = { size: 2097152, overflowStrategy: 'fallback', zeroOnReset: false };
    if (name === 'ENGRAM_ARENA_SIZE') expected.size = DEFAULTS.size;
    if (name === 'ENGRAM_ARENA_OVERFLOW') expected.overflowStrategy = DEFAULTS.overflowStrategy;
    if (name === 'ENGRAM_ARENA_ZERO') expected.zeroOnReset = DEFAULTS.zeroOnReset;
    expect(out.config).toEqual(expected);
  });

  it.each(['threadArena', 'arena'])('the warning also comes when the first use is %s()', (mode) => {
    const out = jsonOf(
      runFixture('arena-env.js', { args: [mode], env: { ENGRAM_ARENA_SIZE: 'lots', ENGRAM_ARENA_ZERO: 'false' } }),
    );
    expect(out.warnings).toHaveLength(1);
    expect(out.emittedByFirstUse).toBe(1); // by that call itself, not by a later getConfig()
    expect(out.warnings[0].message).toContain('ENGRAM_ARENA_SIZE');
    expect(out.first).toMatchObject({ size: DEFAULTS.size, zeroOnReset: false });
  });
});
