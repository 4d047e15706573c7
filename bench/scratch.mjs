// The scratch shape in one process, where an arena is meant to win: a live
// heap of 50,000 small objects (a service's caches and state), and requests
// that each take 16 scratch buffers of 4 KiB and one of 64 KiB, write to each,
// and drop them (the arena resets). Each request is timed on its own, so the
// tail shows the collections that allocation drives, and a PerformanceObserver
// counts the full (mark-compact) collections and their time.
//
//   node bench/scratch.mjs          this runtime: a table
//   node bench/scratch.mjs --json   this runtime: one JSON line (bench/lines.mjs)
//
// Every method runs in a fresh process of this runtime, so none inherits the
// heap another left behind; the methods take turns over ENGRAM_BENCH_SCRATCH_ROUNDS
// rounds (default 3), and each figure is the median of its rounds.
// ENGRAM_BENCH_SMOKE=1 makes a tiny run.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { constants, PerformanceObserver, performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);
const SMOKE = process.env.ENGRAM_BENCH_SMOKE === '1';
const SHAPE = {
  liveObjects: 50_000,
  small: 16,
  smallBytes: 4096,
  largeBytes: 65536,
  requests: SMOKE ? 2_000 : 200_000,
  warmup: SMOKE ? 200 : 30_000,
};
const ROUNDS = SMOKE ? 1 : Number(process.env.ENGRAM_BENCH_SCRATCH_ROUNDS || 3);

/** Each method with the baseline it is judged against (zeroed against zeroed). */
export const METHODS = [
  { name: 'arena', baseline: 'allocUnsafe' },
  { name: 'allocUnsafe', baseline: 'allocUnsafe' },
  { name: 'arena (zeroOnReset)', baseline: 'alloc' },
  { name: 'alloc', baseline: 'alloc' },
];

/** The scratch memory of `name` as { alloc(size), release() }. */
function scratchOf(name) {
  if (name === 'allocUnsafe') return { alloc: (size) => Buffer.allocUnsafe(size), release() {} };
  if (name === 'alloc') return { alloc: (size) => Buffer.alloc(size), release() {} };
  const { Arena } = require('../dist/index.js');
  // Twice what a request takes; the arena's memory is allocated once, here.
  const arena = new Arena({
    size: 2 * (SHAPE.small * SHAPE.smallBytes + SHAPE.largeBytes),
    zeroOnReset: name !== 'arena',
  });
  return { alloc: (size) => arena.alloc(size), release: () => arena.reset() };
}

/** State a real service keeps alive: what every full collection has to mark. */
function liveHeap(count) {
  return Array.from({ length: count }, (_, i) => ({ id: i, name: `item-${i}`, score: i * 0.5, tags: [i & 7, i & 15] }));
}

let sink = 0;

/** One request: every buffer written at both ends, so none is dead on arrival. */
function request(scratch, seq) {
  for (let i = 0; i < SHAPE.small; i++) {
    const b = scratch.alloc(SHAPE.smallBytes);
    b[0] = seq;
    b[b.length - 1] = i;
    sink += b[0];
  }
  const large = scratch.alloc(SHAPE.largeBytes);
  large[0] = seq;
  large[large.length - 1] = seq >> 8;
  sink += large[large.length - 1];
  scratch.release();
}

/** Nearest-rank percentile of an ascending array. */
function percentile(sorted, p) {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Runs `name` in this process: µs per request and the collections seen meanwhile. */
async function measureHere(name) {
  const heap = liveHeap(SHAPE.liveObjects);
  const scratch = scratchOf(name);
  // Long enough for every tier of the JIT to settle: the first 20,000 or so
  // requests of any method run slow while the engine optimises them.
  for (let r = 0; r < SHAPE.warmup; r++) request(scratch, r);
  const gcs = [];
  const observer = new PerformanceObserver((list) => gcs.push(...list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  const micros = new Float64Array(SHAPE.requests);
  const rssBefore = process.memoryUsage.rss();
  const started = performance.now();
  let previous = started;
  for (let r = 0; r < SHAPE.requests; r++) {
    request(scratch, r);
    const now = performance.now();
    micros[r] = (now - previous) * 1000;
    previous = now;
  }
  const totalMs = previous - started;
  // The observer is told of collections from a later task, so give it a few.
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  observer.disconnect();
  const during = gcs.filter((e) => e.startTime >= started && e.startTime <= previous);
  // `detail.kind` since Node 16; NODE_PERFORMANCE_GC_MAJOR is the same 4 on 20..26.
  const full = during.filter((e) => (e.detail?.kind ?? e.kind) === constants.NODE_PERFORMANCE_GC_MAJOR);
  micros.sort();
  return {
    method: name,
    totalMs,
    p50: percentile(micros, 50),
    p99: percentile(micros, 99),
    p999: percentile(micros, 99.9),
    max: micros[micros.length - 1],
    fullGcs: full.length,
    fullGcMs: full.reduce((sum, e) => sum + e.duration, 0),
    otherGcs: during.length - full.length,
    rssGrowthMiB: (process.resourceUsage().maxRSS * 1024 - rssBefore) / 2 ** 20,
    liveObjects: heap.length,
    sink,
  };
}

const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];

/** Every method in a fresh process of this runtime, rounds taking turns; medians per method. */
export function runScratch() {
  const rounds = Object.fromEntries(METHODS.map((m) => [m.name, []]));
  for (let r = 0; r < ROUNDS; r++) {
    const order = [...METHODS.slice(r % METHODS.length), ...METHODS.slice(0, r % METHODS.length)];
    for (const { name } of order) {
      const child = spawnSync(process.execPath, [new URL(import.meta.url).pathname, `--method=${name}`], {
        encoding: 'utf8',
        timeout: 600_000,
      });
      if (child.status !== 0) throw new Error(`scratch ${name} failed under ${process.version}:\n${child.stderr}`);
      rounds[name].push(JSON.parse(child.stdout.trim().split('\n').pop()));
    }
  }
  const keys = ['totalMs', 'p50', 'p99', 'p999', 'max', 'fullGcs', 'fullGcMs', 'otherGcs', 'rssGrowthMiB'];
  const methods = METHODS.map(({ name, baseline }) => ({
    method: name,
    baseline,
    ...Object.fromEntries(keys.map((k) => [k, median(rounds[name].map((x) => x[k]))])),
    // Side by side within each round, so each ratio shares its round's noise.
    totalRatioByRound: rounds[name].map((x, i) => x.totalMs / rounds[baseline][i].totalMs),
  }));
  return { node: process.version, shape: SHAPE, rounds: ROUNDS, methods };
}

/** The rows a person reads: one per method, with the ratios to its baseline. */
export function scratchRows(result) {
  const by = Object.fromEntries(result.methods.map((m) => [m.method, m]));
  return result.methods.map((m) => {
    const base = by[m.baseline];
    const ratio = (k) => (m === base ? '' : ` (${(m[k] / base[k]).toFixed(2)}x)`);
    return {
      node: result.node,
      method: m.method,
      'total ms': `${m.totalMs.toFixed(0)}${ratio('totalMs')}`,
      'p50 us': m.p50.toFixed(1),
      'p99 us': `${m.p99.toFixed(1)}${ratio('p99')}`,
      'p99.9 us': m.p999.toFixed(1),
      'max us': m.max.toFixed(0),
      'full GCs': String(m.fullGcs),
      'full GC ms': m.fullGcMs.toFixed(1),
      'other GCs': String(m.otherGcs),
      'total/baseline by round': m === base ? '' : m.totalRatioByRound.map((x) => x.toFixed(2)).join(' '),
    };
  });
}

/** Column-aligned text of `rows`. */
export function table(rows) {
  const columns = Object.keys(rows[0]);
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => r[c].length)));
  const line = (cells) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [
    line(columns),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map((r) => line(columns.map((c) => r[c]))),
  ].join('\n');
}

export function describeShape(shape) {
  return `${shape.liveObjects.toLocaleString('en')} live objects; a request takes ${shape.small} x ${shape.smallBytes / 1024} KiB + 1 x ${shape.largeBytes / 1024} KiB, writes each, releases; ${shape.requests.toLocaleString('en')} requests`;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  const method = process.argv.find((a) => a.startsWith('--method='))?.slice('--method='.length);
  if (method !== undefined) {
    process.stdout.write(`${JSON.stringify(await measureHere(method))}\n`);
  } else if (process.argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify(runScratch())}\n`);
  } else {
    const result = runScratch();
    console.log(
      `Scratch shape under Node ${process.version}: ${describeShape(result.shape)}; median of ${result.rounds} round(s), each method in a fresh process`,
    );
    console.log(
      '(x = arena / allocUnsafe, arena (zeroOnReset) / alloc; full GCs: PerformanceObserver gc entries of kind major)',
    );
    console.log(table(scratchRows(result)));
  }
}
