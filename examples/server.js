#!/usr/bin/env node
'use strict';
// `npm start`: an HTTP service that builds each response in an arena borrowed
// from a pool, driven for a few seconds by a built-in client, then a report.
//
//   ENGRAM_DEMO_SECONDS      how long the client runs (default 3; fractions allowed)
//   ENGRAM_DEMO_CONCURRENCY  requests in flight at once (default 32)
//   ENGRAM_DEMO_WORKLOAD     what the client asks for: report (default), frames or scratch
//
// GET /report?seed=S&n=N answers one text line and then N float64 values,
// sorted, straight from arena memory: no copy into the JavaScript heap.
// GET /frames?seed=S&n=N answers N records as length-prefixed binary frames,
// each built in its own small buffer: the many-small-buffers case.
// GET /scratch?seed=S&n=N answers N tiles of 4 to 16 KiB, each rendered in a
// scratch buffer of its own and appended to an output buffer that doubles as it
// fills: the scratch-heavy case where an arena wins most.
// All three live in examples/handlers.js, which `npm run bench:http` runs too.
const http = require('node:http');
const { ArenaPool, metrics, registerMetrics } = require('engram-arena');
const { drive, printReport } = require('./demo-client');
const { WORKLOADS, createHandler, demoPoolOptions } = require('./handlers');

function envNumber(name, fallback, { min, integer }) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    console.error(
      `${name}=${JSON.stringify(raw)} is invalid: expected ${integer ? 'an integer' : 'a number'} ≥ ${min}`,
    );
    process.exit(2);
  }
  return value;
}

const seconds = envNumber('ENGRAM_DEMO_SECONDS', 3, { min: 0.1, integer: false });
const concurrency = envNumber('ENGRAM_DEMO_CONCURRENCY', 32, { min: 1, integer: true });
const workloadName = process.env.ENGRAM_DEMO_WORKLOAD || 'report';
if (!Object.hasOwn(WORKLOADS, workloadName)) {
  console.error(
    `ENGRAM_DEMO_WORKLOAD=${JSON.stringify(workloadName)} is invalid: expected one of ${Object.keys(WORKLOADS).join(', ')}`,
  );
  process.exit(2);
}

// Sized to the client's concurrency and the workload's requests: see demoPoolOptions in handlers.js.
const pool = new ArenaPool(demoPoolOptions(concurrency, WORKLOADS[workloadName]));

let registry = null;
try {
  const { Registry } = require('prom-client');
  registry = new Registry();
  registerMetrics(registry, { pools: [pool] });
} catch {
  // prom-client is an optional peer dependency: the demo runs without /metrics.
}

async function serveMetrics(res) {
  if (registry === null) return res.writeHead(404).end('prom-client is not installed\n');
  const text = await registry.metrics();
  res.writeHead(200, { 'content-type': registry.contentType }).end(text);
}

const handle = createHandler({ method: 'arena', pool });
const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  if (handle(req, res, url)) return;
  if (req.method === 'GET' && url.pathname === '/metrics')
    return void serveMetrics(res).catch((err) => res.destroy(err));
  res
    .writeHead(404)
    .end('try GET /report?seed=1&n=100, GET /frames?seed=1&n=100, GET /scratch?seed=1&n=16 or GET /metrics\n');
});

server.listen(0, '127.0.0.1', async () => {
  const { port } = server.address();
  console.log(`engram-arena demo on http://127.0.0.1:${port}: ${seconds} s, ${concurrency} concurrent requests`);
  if (workloadName !== 'report') console.log(`workload: GET /${workloadName}`);
  let failed = true;
  try {
    const result = await drive({
      port,
      seconds,
      concurrency,
      metricsPath: registry ? '/metrics' : null,
      workload: WORKLOADS[workloadName],
    });
    printReport(result, metrics(), pool.stats());
    failed = result.errors > 0 || result.mismatches > 0 || result.served === 0;
  } catch (err) {
    console.error(err);
  } finally {
    server.closeAllConnections();
    server.close();
    pool.destroy();
    process.exitCode = failed ? 1 : 0;
  }
});
