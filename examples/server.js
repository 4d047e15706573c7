#!/usr/bin/env node
'use strict';
// `npm start`: an HTTP service that builds each response in an arena borrowed
// from a pool, driven for a few seconds by a built-in client, then a report.
//
//   ENGRAM_DEMO_SECONDS      how long the client runs (default 3; fractions allowed)
//   ENGRAM_DEMO_CONCURRENCY  requests in flight at once (default 32)
//
// GET /report?seed=S&n=N answers one text line and then N float64 values,
// sorted, straight from arena memory: no copy into the JavaScript heap.
const http = require('node:http');
const { ArenaPool, ArenaPoolError, metrics, registerMetrics } = require('engram-arena');
const { drive, printReport, randomValues, summaryLine } = require('./demo-client');

function envNumber(name, fallback, { min, integer }) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    console.error(`${name}=${JSON.stringify(raw)} is invalid: expected ${integer ? 'an integer' : 'a number'} ≥ ${min}`);
    process.exit(2);
  }
  return value;
}

const seconds = envNumber('ENGRAM_DEMO_SECONDS', 3, { min: 0.1, integer: false });
const concurrency = envNumber('ENGRAM_DEMO_CONCURRENCY', 32, { min: 1, integer: true });

// Fewer arenas than concurrent requests on purpose, so that the wait queue
// shows in the stats; 'fallback' serves the rare oversized report from the heap
// instead of failing it (the client asks for one now and then).
const pool = new ArenaPool({
  name: 'http',
  arenaSize: 64 * 1024,
  maxArenas: 8,
  maxWaiting: 256,
  acquireTimeoutMs: 2000,
  overflowStrategy: 'fallback',
});

let registry = null;
try {
  const { Registry } = require('prom-client');
  registry = new Registry();
  registerMetrics(registry, { pools: [pool] });
} catch {
  // prom-client is an optional peer dependency: the demo runs without /metrics.
}

function report(req, res, url) {
  const seed = Number(url.searchParams.get('seed'));
  const n = Number(url.searchParams.get('n'));
  if (!Number.isSafeInteger(seed) || !Number.isSafeInteger(n) || n < 1 || n > 1_000_000) {
    res.writeHead(400).end('seed and n (1..1000000) must be integers\n');
    return;
  }
  pool
    .run(async (arena) => {
      const values = arena.allocArray(Float64Array, n);
      randomValues(seed, values);
      // A stand-in for real I/O: other requests run here, each in its own arena.
      await new Promise((resolve) => setImmediate(resolve));
      values.sort();
      const head = arena.alloc(160);
      const headLength = head.write(summaryLine(seed, values), 'latin1');
      const body = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': headLength + body.length });
      res.write(head.subarray(0, headLength));
      res.end(body);
      // The socket may still be sending from arena memory: the pool recycles
      // this arena only once the response is flushed (or the client went away).
      arena.holdUntilFinished(res);
    })
    .catch((err) => {
      if (res.headersSent) return res.destroy(err);
      const status = err instanceof ArenaPoolError ? 503 : 500;
      res.writeHead(status, { 'content-type': 'text/plain' }).end(`${err.code ?? 'ERROR'}: ${err.message}\n`);
    });
}

async function serveMetrics(res) {
  if (registry === null) return res.writeHead(404).end('prom-client is not installed\n');
  const text = await registry.metrics();
  res.writeHead(200, { 'content-type': registry.contentType }).end(text);
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  if (req.method === 'GET' && url.pathname === '/report') return report(req, res, url);
  if (req.method === 'GET' && url.pathname === '/metrics') return void serveMetrics(res).catch((err) => res.destroy(err));
  res.writeHead(404).end('try GET /report?seed=1&n=100 or GET /metrics\n');
});

server.listen(0, '127.0.0.1', async () => {
  const { port } = server.address();
  console.log(`engram-arena demo on http://127.0.0.1:${port}: ${seconds} s, ${concurrency} concurrent requests`);
  let failed = true;
  try {
    const result = await drive({ port, seconds, concurrency, metricsPath: registry ? '/metrics' : null });
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
