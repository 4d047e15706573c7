'use strict';
// The load side of the `npm start` demo: a client with bounded concurrency that
// checks every response byte for byte, and the report table printed at the end.
const http = require('node:http');

/** Deterministic pseudo-random floats in [0, 1) (mulberry32), so the client can recompute any answer. */
function randomValues(seed, out) {
  let state = seed >>> 0;
  for (let i = 0; i < out.length; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  return out;
}

/** The text line in front of the sorted values; `sorted` must be sorted. */
function summaryLine(seed, sorted) {
  let sum = 0;
  for (let i = 0; i < sorted.length; i++) sum += sorted[i];
  const median = sorted[sorted.length >> 1];
  return `seed=${seed} n=${sorted.length} min=${sorted[0].toFixed(6)} median=${median.toFixed(6)} max=${sorted[sorted.length - 1].toFixed(6)} sum=${sum.toFixed(3)}\n`;
}

// Most reports fit a 64 KiB arena; every 100th is larger and exercises the fallback.
function sizeFor(seed) {
  return seed % 100 === 99 ? 10_000 : 256 + ((seed * 7919) % 3840);
}

function expectedBody(seed, n) {
  const values = randomValues(seed, new Float64Array(n)).sort();
  return Buffer.concat([Buffer.from(summaryLine(seed, values), 'latin1'), Buffer.from(values.buffer)]);
}

function get(agent, port, path) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** Nearest-rank percentile of an ascending array. */
function percentile(sorted, p) {
  if (sorted.length === 0) return 0;
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

/**
 * Sends the requests of `workload` ({ path(seed), expected(seed) }) with seeds
 * 0, 1, 2, ..., `concurrency` at a time, until `seconds` have passed; then, if
 * `metricsPath` is set, scrapes it once.
 */
async function drive({ port, seconds, concurrency, metricsPath, workload }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies = [];
  const result = { served: 0, errors: 0, mismatches: 0, firstError: null, seconds: 0, metricsSamples: null };
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(seconds * 1e9));
  let nextSeed = 0;

  async function loop() {
    while (process.hrtime.bigint() < deadline) {
      const seed = nextSeed++;
      const t0 = process.hrtime.bigint();
      try {
        const { status, body } = await get(agent, port, workload.path(seed));
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
        if (status !== 200) throw new Error(`HTTP ${status}: ${body.toString().trim()}`);
        result.served++;
        if (!body.equals(workload.expected(seed))) result.mismatches++;
      } catch (err) {
        result.errors++;
        result.firstError ??= err.message;
      }
    }
  }

  try {
    await Promise.all(Array.from({ length: concurrency }, loop));
    result.seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (metricsPath) {
      const { body } = await get(agent, port, metricsPath);
      result.metricsSamples = body
        .toString()
        .split('\n')
        .filter((line) => line.startsWith('engram_arena_')).length;
    }
  } finally {
    agent.destroy();
  }
  latencies.sort((a, b) => a - b);
  result.latency = { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: percentile(latencies, 100) };
  return result;
}

function kib(bytes) {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

function printTable(title, rows) {
  const width = Math.max(...rows.map(([label]) => label.length));
  const valueWidth = Math.max(...rows.map(([, value]) => String(value).length));
  const rule = `+${'-'.repeat(width + 2)}+${'-'.repeat(valueWidth + 2)}+`;
  console.log(`\n${title}`);
  console.log(rule);
  for (const [label, value] of rows) console.log(`| ${label.padEnd(width)} | ${String(value).padStart(valueWidth)} |`);
  console.log(rule);
}

/** Prints the load results, the global arena metrics and the pool's stats. */
function printReport(result, m, pool) {
  const ms = (x) => `${x.toFixed(3)} ms`;
  printTable('Load', [
    ['requests served', result.served],
    ['requests per second', Math.round(result.served / result.seconds)],
    ['errors', result.errors],
    ['mismatched bodies', result.mismatches],
    ['latency p50', ms(result.latency.p50)],
    ['latency p99', ms(result.latency.p99)],
    ['latency max', ms(result.latency.max)],
    ...(result.metricsSamples === null ? [] : [['/metrics engram_arena_* samples', result.metricsSamples]]),
  ]);
  if (result.firstError) console.log(`first error: ${result.firstError}`);
  printTable('Arena metrics (metrics())', [
    ['resets', m.totalResets],
    ['allocations', m.totalAllocations],
    ['bytes allocated', kib(m.totalBytesAllocated)],
    ['overflows', m.totalOverflows],
    ['fallbacks', m.totalFallbacks],
    ['max high-water mark', kib(m.maxHighWaterMark)],
    ['live arenas', m.liveArenas],
    ['reserved', kib(m.reservedBytes)],
  ]);
  printTable(`Pool '${pool.name}' (pool.stats())`, [
    ['arenas (max)', `${pool.arenas} (${pool.maxArenas})`],
    ['arena size', kib(pool.size)],
    ['peak in use', pool.peakInUse],
    ['acquired', pool.acquired],
    ['waited in queue', pool.waited],
    ['peak waiting', pool.peakWaiting],
    ['timed out', pool.timedOut],
    ['rejected (queue full)', pool.rejected],
    ['high-water mark', kib(pool.highWaterMark)],
    ['fallbacks', pool.fallbacks],
  ]);
}

module.exports = { drive, expectedBody, printReport, randomValues, sizeFor, summaryLine };
