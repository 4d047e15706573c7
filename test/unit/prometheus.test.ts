import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as promClient from 'prom-client';
import { describe, expect, it } from 'vitest';
import { Arena, ArenaPool, metrics, registerMetrics, resetMetrics } from '../../dist/index.js';

const { Registry } = promClient;

/** `name{labels} value` sample lines of an exposition text, as a map. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

const GLOBAL = [
  ['engram_arena_resets_total', 'counter'],
  ['engram_arena_overflows_total', 'counter'],
  ['engram_arena_fallbacks_total', 'counter'],
  ['engram_arena_moved_out_total', 'counter'],
  ['engram_arena_allocations_total', 'counter'],
  ['engram_arena_allocated_bytes_total', 'counter'],
  ['engram_arena_high_water_mark_bytes', 'gauge'],
  ['engram_arena_live_arenas', 'gauge'],
  ['engram_arena_reserved_bytes', 'gauge'],
] as const;

const POOL = [
  ['engram_arena_pool_arenas', 'gauge'],
  ['engram_arena_pool_arenas_in_use', 'gauge'],
  ['engram_arena_pool_max_arenas', 'gauge'],
  ['engram_arena_pool_arena_size_bytes', 'gauge'],
  ['engram_arena_pool_waiting', 'gauge'],
  ['engram_arena_pool_high_water_mark_bytes', 'gauge'],
  ['engram_arena_pool_acquisitions_total', 'counter'],
  ['engram_arena_pool_waits_total', 'counter'],
  ['engram_arena_pool_timeouts_total', 'counter'],
  ['engram_arena_pool_rejections_total', 'counter'],
  ['engram_arena_pool_overflows_total', 'counter'],
  ['engram_arena_pool_fallbacks_total', 'counter'],
] as const;

describe('registerMetrics', () => {
  it('writes HELP and TYPE lines and the values of metrics() and pool.stats()', async () => {
    resetMetrics();
    const registry = new Registry();
    const pool = new ArenaPool({ name: 'web', size: 4096, maxArenas: 2, overflowStrategy: 'fallback' });
    const registered = registerMetrics(registry, { pools: [pool] });
    expect(registered.names).toEqual([...GLOBAL, ...POOL].map(([name]) => name));

    await Promise.all([
      pool.run((arena) => void arena.alloc(1000, 1)),
      pool.run((arena) => void arena.alloc(5000, 1)), // a fallback
      pool.run((arena) => void arena.alloc(10, 1)), // waits for an arena
    ]);
    const held = await pool.acquire();
    held.alloc(100);

    const text = await registry.metrics();
    for (const [name, type] of [...GLOBAL, ...POOL]) {
      expect(text).toMatch(new RegExp(`^# HELP ${name} \\S.*$`, 'm'));
      expect(text).toContain(`# TYPE ${name} ${type}\n`);
      // Prometheus conventions: counters end in _total, sizes are in bytes.
      expect(name.endsWith('_total')).toBe(type === 'counter');
      expect(name).toMatch(/^[a-z_]+$/);
    }

    const m = metrics();
    const values = samples(text);
    expect(values.get('engram_arena_resets_total')).toBe(3);
    expect(values.get('engram_arena_overflows_total')).toBe(1);
    expect(values.get('engram_arena_fallbacks_total')).toBe(1);
    expect(values.get('engram_arena_moved_out_total')).toBe(m.totalMovedOut);
    expect(values.get('engram_arena_allocations_total')).toBe(3);
    expect(values.get('engram_arena_allocated_bytes_total')).toBe(6010);
    expect(values.get('engram_arena_high_water_mark_bytes')).toBe(m.maxHighWaterMark);
    expect(values.get('engram_arena_live_arenas')).toBe(m.liveArenas);
    expect(values.get('engram_arena_reserved_bytes')).toBe(m.reservedBytes);

    expect(values.get('engram_arena_pool_arenas{pool="web"}')).toBe(2);
    expect(values.get('engram_arena_pool_arenas_in_use{pool="web"}')).toBe(1);
    expect(values.get('engram_arena_pool_max_arenas{pool="web"}')).toBe(2);
    expect(values.get('engram_arena_pool_arena_size_bytes{pool="web"}')).toBe(4096);
    expect(values.get('engram_arena_pool_waiting{pool="web"}')).toBe(0);
    expect(values.get('engram_arena_pool_high_water_mark_bytes{pool="web"}')).toBe(1000);
    expect(values.get('engram_arena_pool_acquisitions_total{pool="web"}')).toBe(4);
    expect(values.get('engram_arena_pool_waits_total{pool="web"}')).toBe(1);
    expect(values.get('engram_arena_pool_timeouts_total{pool="web"}')).toBe(0);
    expect(values.get('engram_arena_pool_rejections_total{pool="web"}')).toBe(0);
    expect(values.get('engram_arena_pool_overflows_total{pool="web"}')).toBe(1);
    expect(values.get('engram_arena_pool_fallbacks_total{pool="web"}')).toBe(1);

    pool.release(held);
    pool.destroy();
  });

  it('reads live values at each scrape', async () => {
    resetMetrics();
    const registry = new Registry();
    registerMetrics(registry);
    const before = samples(await registry.metrics());
    expect(before.get('engram_arena_resets_total')).toBe(0);
    const arena = new Arena({ size: 4096 });
    arena.alloc(64);
    arena.reset();
    arena.reset();
    const after = samples(await registry.metrics());
    expect(after.get('engram_arena_resets_total')).toBe(2);
    expect(after.get('engram_arena_allocations_total')).toBe(1);
    expect(after.get('engram_arena_live_arenas')).toBe(before.get('engram_arena_live_arenas')! + 1);
    expect(after.get('engram_arena_reserved_bytes')).toBe(before.get('engram_arena_reserved_bytes')! + 4096);
    arena.destroy();
    resetMetrics(); // shows as a counter reset, which Prometheus handles
    expect(samples(await registry.metrics()).get('engram_arena_resets_total')).toBe(0);
  });

  it('labels each pool by name and omits pool metrics when there are no pools', async () => {
    const registry = new Registry();
    const a = new ArenaPool({ name: 'a', size: 4096, maxArenas: 3 });
    const b = new ArenaPool({ name: 'b', size: 8192, maxArenas: 5 });
    registerMetrics(registry, { pools: new Set([a, b]) });
    const values = samples(await registry.metrics());
    expect(values.get('engram_arena_pool_max_arenas{pool="a"}')).toBe(3);
    expect(values.get('engram_arena_pool_max_arenas{pool="b"}')).toBe(5);
    expect(values.get('engram_arena_pool_arena_size_bytes{pool="b"}')).toBe(8192);

    const bare = new Registry();
    expect(registerMetrics(bare).names).toEqual(GLOBAL.map(([name]) => name));
    expect(await bare.metrics()).not.toContain('engram_arena_pool_');
    a.destroy();
    b.destroy();
  });

  it('takes a prefix and an explicit client', async () => {
    const registry = new Registry();
    const client = { Counter: promClient.Counter, Gauge: promClient.Gauge };
    const { names } = registerMetrics(registry, { prefix: 'myapp_scratch_', client });
    expect(names).toContain('myapp_scratch_resets_total');
    const text = await registry.metrics();
    expect(text).toContain('# TYPE myapp_scratch_resets_total counter');
    expect(text).not.toContain('engram_arena_');
  });

  it('works with an OpenMetrics registry', async () => {
    const registry = new Registry(Registry.OPENMETRICS_CONTENT_TYPE);
    registerMetrics(registry);
    const text = await registry.metrics();
    expect(text).toContain('# TYPE engram_arena_resets counter');
    expect(text).toMatch(/^engram_arena_resets_total \d+$/m);
    expect(text.endsWith('# EOF\n')).toBe(true);
  });

  it('unregister() removes what it registered, and only that', async () => {
    const registry = new Registry();
    new promClient.Gauge({ name: 'app_other', help: 'Another metric.', registers: [registry] });
    const registered = registerMetrics(registry);
    registered.unregister();
    expect(registry.getMetricsAsArray().map((m) => m.name)).toEqual(['app_other']);
    registered.unregister(); // idempotent
    registerMetrics(registry); // the names are free again
  });

  it('registers all or nothing when a name is taken', () => {
    const registry = new Registry();
    new promClient.Gauge({ name: 'engram_arena_live_arenas', help: 'Taken.', registers: [registry] });
    expect(() => registerMetrics(registry)).toThrow(/already been registered/);
    expect(registry.getMetricsAsArray().map((m) => m.name)).toEqual(['engram_arena_live_arenas']);
  });

  it('refuses bad arguments with coded errors', () => {
    const registry = new Registry();
    const pool = new ArenaPool({ name: 'same', size: 4096 });
    const twin = new ArenaPool({ name: 'same', size: 4096 });
    const cases: Array<[() => unknown, ErrorConstructor, string]> = [
      [() => registerMetrics(undefined as never), TypeError, 'ERR_INVALID_ARG_TYPE'],
      [() => registerMetrics({} as never), TypeError, 'ERR_INVALID_ARG_TYPE'],
      [() => registerMetrics(registry, 5 as never), TypeError, 'ERR_INVALID_ARG_TYPE'],
      [() => registerMetrics(registry, { prefix: 7 as never }), TypeError, 'ERR_INVALID_ARG_TYPE'],
      [() => registerMetrics(registry, { prefix: null as never }), TypeError, 'ERR_INVALID_ARG_TYPE'],
      [() => registerMetrics(registry, { client: null as never }), TypeError, 'ERR_INVALID_ARG_TYPE'],
      [
        () => registerMetrics(registry, { client: { Counter: promClient.Counter } as never }),
        TypeError,
        'ERR_INVALID_ARG_TYPE',
      ],
      [() => registerMetrics(registry, { prefix: '9lives_' }), RangeError, 'ERR_INVALID_ARG_VALUE'],
      [() => registerMetrics(registry, { prefix: 'has-dash_' }), RangeError, 'ERR_INVALID_ARG_VALUE'],
      [() => registerMetrics(registry, { pools: pool as never }), TypeError, 'ERR_INVALID_ARG_TYPE'],
      [() => registerMetrics(registry, { pools: [{}] as never }), TypeError, 'ERR_INVALID_ARG_TYPE'],
      [() => registerMetrics(registry, { pools: [pool, twin] }), RangeError, 'ERR_INVALID_ARG_VALUE'],
    ];
    for (const [call, type, code] of cases) {
      let error: unknown;
      try {
        call();
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(type);
      expect((error as { code: string }).code).toBe(code);
    }
    expect(registry.getMetricsAsArray()).toEqual([]);
    pool.destroy();
    twin.destroy();
  });
});

describe('without prom-client', () => {
  it('the package loads, and registerMetrics says what is missing', () => {
    // A child process where require('prom-client') fails, as when the optional
    // peer dependency is not installed.
    const script = `
      const Module = require('node:module');
      const resolve = Module._resolveFilename;
      Module._resolveFilename = function (request, ...rest) {
        if (request === 'prom-client') throw Object.assign(new Error("Cannot find module 'prom-client'"), { code: 'MODULE_NOT_FOUND' });
        return resolve.call(this, request, ...rest);
      };
      const lib = require(${JSON.stringify(path.join(__dirname, '..', '..', 'dist', 'index.js'))});
      const arena = new lib.Arena({ size: 4096 });
      arena.destroy();
      try {
        lib.registerMetrics({ registerMetric() {}, removeSingleMetric() {} });
      } catch (err) {
        console.log(JSON.stringify({ name: err.name, code: err.code, isArenaError: err instanceof lib.ArenaError, message: err.message }));
      }
    `;
    const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    const report = JSON.parse(child.stdout);
    expect(report).toMatchObject({ name: 'ArenaError', code: 'ERR_ARENA_PROM_CLIENT_MISSING', isArenaError: true });
    expect(report.message).toContain('prom-client');
  });
});

describe('typings', () => {
  it("accept prom-client's own Registry and module under strict TypeScript", () => {
    const root = path.join(__dirname, '..', '..');
    // Inside the repository, so that prom-client and the built typings resolve.
    const dir = fs.mkdtempSync(path.join(__dirname, '.typings-'));
    try {
      fs.writeFileSync(
        path.join(dir, 'check.ts'),
        `import * as promClient from 'prom-client';
import { ArenaPool, registerMetrics, type RegisteredMetrics } from '../../../dist/index.js';
const pool = new ArenaPool({ name: 'x' });
const a: RegisteredMetrics = registerMetrics(new promClient.Registry(), { pools: [pool], client: promClient });
const b: RegisteredMetrics = registerMetrics(promClient.register, { client: { Counter: promClient.Counter, Gauge: promClient.Gauge } });
// @ts-expect-error a number is not a client
registerMetrics(new promClient.Registry(), { client: 5 });
void a; void b;
`,
      );
      const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
      const args = [
        '--noEmit',
        '--strict',
        '--module',
        'commonjs',
        '--target',
        'es2022',
        '--lib',
        'es2022,esnext.disposable',
        '--types',
        'node',
        '--esModuleInterop',
        path.join(dir, 'check.ts'),
      ];
      const child = spawnSync(process.execPath, [tsc, ...args], { cwd: root, encoding: 'utf8' });
      expect(child.stdout).toBe('');
      expect(child.status).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
