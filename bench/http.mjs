// `npm run bench:http`: the demo's three workloads served three ways, arena
// (ArenaPool), Buffer.allocUnsafe and Buffer.alloc, each in its own server
// process, under one autocannon client on loopback. The servers take turns,
// round after round, so a noisy neighbour slows all three alike, and the
// figures to trust are each server's own: CPU time per request and full
// collections.
//
// Writes bench/http.json (one entry per Node major, kept across runs) and
// bench/http.svg; ENGRAM_BENCH_SMOKE=1 makes a tiny run that writes nothing.
// ENGRAM_BENCH_HTTP_ROUNDS (default 5), ENGRAM_BENCH_HTTP_SECONDS (per server
// per round, default 4) and ENGRAM_BENCH_HTTP_WORKLOADS (names, comma
// separated) make a trial run, which writes nothing.
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import { renderHttpSvg } from './http-chart.mjs';
import { handlerFloor } from './http-floor.mjs';
import { checkBodies, round, startServer } from './http-load.mjs';

const { WORKLOADS } = createRequire(import.meta.url)('../examples/handlers.js');
const SMOKE = process.env.ENGRAM_BENCH_SMOKE === '1';
const TRIAL = ['ENGRAM_BENCH_HTTP_ROUNDS', 'ENGRAM_BENCH_HTTP_SECONDS', 'ENGRAM_BENCH_HTTP_WORKLOADS'].some(
  (k) => process.env[k],
);
const WORKLOAD_NAMES = process.env.ENGRAM_BENCH_HTTP_WORKLOADS?.split(',') ?? Object.keys(WORKLOADS);
const METHODS = ['arena', 'allocUnsafe', 'alloc'];
const CONFIG = SMOKE
  ? { rounds: 1, seconds: 0.3, warmupSeconds: 0.2, connections: 4, checkedSeeds: 5 }
  : {
      rounds: Number(process.env.ENGRAM_BENCH_HTTP_ROUNDS || 5),
      seconds: Number(process.env.ENGRAM_BENCH_HTTP_SECONDS || 4),
      warmupSeconds: 1,
      connections: 32,
      checkedSeeds: 300,
    };

/** Nearest-rank percentile of an ascending array. */
function percentile(sorted, p) {
  return sorted.length === 0 ? 0 : sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

function summarise(rounds) {
  const requests = rounds.reduce((sum, r) => sum + r.requests, 0);
  const latencies = Float64Array.from(rounds.flatMap((r) => r.latencies)).sort();
  const answers = Float64Array.from(rounds.flatMap((r) => r.answerMs)).sort();
  return {
    requests,
    requestsPerSecond: requests / rounds.reduce((sum, r) => sum + r.seconds, 0),
    cpuMicrosPerRequest: rounds.reduce((sum, r) => sum + r.cpuMicros, 0) / requests,
    cpuMicrosPerRequestByRound: rounds.map((r) => r.cpuMicros / r.requests),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    p999: percentile(latencies, 99.9),
    max: percentile(latencies, 100),
    serverP50: percentile(answers, 50),
    serverP99: percentile(answers, 99),
    serverP999: percentile(answers, 99.9),
    fullGcs: rounds.reduce((sum, r) => sum + r.fullGcs, 0),
    fullGcMs: rounds.reduce((sum, r) => sum + r.fullGcMs, 0),
    rss: Math.max(...rounds.map((r) => r.rss)),
    maxRss: Math.max(...rounds.map((r) => r.maxRss)),
  };
}

async function runWorkload(name) {
  const workload = WORKLOADS[name];
  const servers = {};
  try {
    for (const method of METHODS) servers[method] = await startServer(method, CONFIG.connections, name);
    const checked = await checkBodies(
      servers,
      workload,
      Array.from({ length: CONFIG.checkedSeeds }, (_, i) => i * 37),
    );
    for (const method of METHODS)
      await round(servers[method], workload, { ...CONFIG, seconds: CONFIG.warmupSeconds, firstSeed: 0 });
    const rounds = Object.fromEntries(METHODS.map((m) => [m, []]));
    for (let r = 0; r < CONFIG.rounds; r++) {
      // A different server goes first each round, so none always follows the same one.
      for (const method of [...METHODS.slice(r % 3), ...METHODS.slice(0, r % 3)]) {
        const started = process.hrtime.bigint();
        const result = await round(servers[method], workload, { ...CONFIG, firstSeed: r * 1_000_000 });
        rounds[method].push({ ...result, seconds: Number(process.hrtime.bigint() - started) / 1e9 });
      }
    }
    const methods = Object.fromEntries(METHODS.map((m) => [m, summarise(rounds[m])]));
    // Side by side within each round, so these ratios share the round's noise.
    const perRound = (m) =>
      rounds[m].map(
        (r, i) => r.cpuMicros / r.requests / (rounds.allocUnsafe[i].cpuMicros / rounds.allocUnsafe[i].requests),
      );
    return {
      name,
      path: workload.path(1).replace(/=\d+/g, '=…'),
      checkedBodies: checked,
      methods,
      arenaCpuRatioByRound: perRound('arena'),
    };
  } finally {
    await Promise.all(Object.values(servers).map((s) => s.stop()));
  }
}

/**
 * How low the arena's ratio could go: the handler alone, in-process, with the
 * cheapest allocator there is (a JS bump over one reused buffer) against
 * allocUnsafe. A bound: the HTTP stack's share, the same for every allocator,
 * only brings a server's ratio closer to 1.
 */
async function floorOf(w) {
  const handler = await handlerFloor(WORKLOADS[w.name], SMOKE ? 0.1 : 2.5);
  const http = w.methods.allocUnsafe.cpuMicrosPerRequest - handler.allocUnsafe;
  return {
    handlerCpuMicrosPerRequest: handler,
    httpCpuMicrosPerRequest: http,
    bestRatio: handler['bump (floor)'] / handler.allocUnsafe,
  };
}

function table(rows, columns) {
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (cells) => cells.map((c, i) => String(c).padEnd(widths[i])).join('  ');
  return [
    line(columns),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map((r) => line(columns.map((c) => r[c]))),
  ].join('\n');
}

function printWorkload(w) {
  const unsafe = w.methods.allocUnsafe;
  const rows = METHODS.map((method) => {
    const m = w.methods[method];
    return {
      method,
      'req/s': Math.round(m.requestsPerSecond),
      'CPU us/req': m.cpuMicrosPerRequest.toFixed(1),
      'CPU vs allocUnsafe': `${(m.cpuMicrosPerRequest / unsafe.cpuMicrosPerRequest).toFixed(2)}x`,
      'p50 ms': m.p50.toFixed(2),
      'p99 ms': m.p99.toFixed(2),
      'p99.9 ms': m.p999.toFixed(2),
      'max ms': m.max.toFixed(1),
      'server p99 ms': m.serverP99.toFixed(2),
      'server p99.9 ms': m.serverP999.toFixed(2),
      'full GCs': m.fullGcs,
      'per 10k req': ((m.fullGcs / m.requests) * 1e4).toFixed(1),
      'full GC ms': m.fullGcMs.toFixed(0),
      'RSS MiB': (m.maxRss / 2 ** 20).toFixed(1),
    };
  });
  const byRound = w.arenaCpuRatioByRound.map((x) => x.toFixed(2)).join(' ');
  const handler = Object.entries(w.floor.handlerCpuMicrosPerRequest)
    .map(([m, us]) => `${m} ${us.toFixed(1)}`)
    .join(', ');
  console.log(
    `\nworkload ${w.name}: GET ${w.path}, ${w.checkedBodies} bodies identical across servers (x = CPU per request / allocUnsafe's;`,
  );
  console.log(
    'p50..max: latency at the client; server p99: from the request event to res.end() in the server; full GCs: gc entries of kind major)',
  );
  console.log(table(rows, Object.keys(rows[0])));
  console.log(`arena/allocUnsafe CPU per round: ${byRound}`);
  console.log(`handler alone, in-process, CPU us/req: ${handler}`);
  console.log(
    `allocUnsafe server less its handler (HTTP's share, roughly): ${w.floor.httpCpuMicrosPerRequest.toFixed(1)} us/req`,
  );
  console.log(
    `best CPU ratio any allocator could reach, handler alone (bump/allocUnsafe): ${w.floor.bestRatio.toFixed(2)}x`,
  );
}

async function main() {
  const node = process.version;
  console.log(
    `Node ${node}: ${CONFIG.rounds} rounds of ${CONFIG.seconds} s per server, ${CONFIG.connections} connections, loopback`,
  );
  const run = { node, date: new Date().toISOString(), config: CONFIG, workloads: [] };
  for (const name of WORKLOAD_NAMES) {
    if (!Object.hasOwn(WORKLOADS, name))
      throw new Error(`unknown workload ${name}: expected ${Object.keys(WORKLOADS).join(', ')}`);
    const w = await runWorkload(name);
    w.floor = await floorOf(w);
    run.workloads.push(w);
    printWorkload(w);
  }
  if (SMOKE || TRIAL) return;
  const jsonUrl = new URL('./http.json', import.meta.url);
  const results = fs.existsSync(jsonUrl) ? JSON.parse(fs.readFileSync(jsonUrl, 'utf8')) : { runs: {} };
  results.machine = {
    cpu: os.cpus()[0]?.model,
    cores: os.cpus().length,
    platform: `${process.platform}-${process.arch}`,
  };
  results.runs[`node${node.slice(1).split('.')[0]}`] = run;
  fs.writeFileSync(jsonUrl, `${JSON.stringify(results, null, 2)}\n`);
  fs.writeFileSync(new URL('./http.svg', import.meta.url), renderHttpSvg(results));
  console.log('\nwrote bench/http.json and bench/http.svg');
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
