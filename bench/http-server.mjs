// One server of `npm run bench:http`: the demo's handlers (examples/handlers.js)
// with their buffers from one allocation method, on a free loopback port. It
// answers {usage} over IPC with its own CPU time, memory, full collections and
// how long each request took it to answer, so the parent can charge each round
// to this process alone, whatever else the machine runs.
import * as http from 'node:http';
import { createRequire } from 'node:module';
import { constants, PerformanceObserver, performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);
const { ArenaPool } = require('engram-arena');
const { WORKLOADS, createHandler, demoPoolOptions } = require('../examples/handlers.js');

const [method, concurrency, workload] = [process.argv[2], Number(process.argv[3]), process.argv[4]];
const pool = method === 'arena' ? new ArenaPool(demoPoolOptions(concurrency, WORKLOADS[workload])) : null;
const handle = createHandler({ method, pool });

// Full (mark-compact) collections stop every request in the process; counted
// since start, the parent takes differences. `detail.kind` has been there
// since Node 16, and NODE_PERFORMANCE_GC_MAJOR is 4 on Node 20 to 26.
const gc = { fullGcs: 0, fullGcMs: 0, otherGcs: 0 };
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if ((entry.detail?.kind ?? entry.kind) === constants.NODE_PERFORMANCE_GC_MAJOR) {
      gc.fullGcs++;
      gc.fullGcMs += entry.duration;
    } else {
      gc.otherGcs++;
    }
  }
}).observe({ entryTypes: ['gc'] });

// From the request event to the handler's res.end(): the server's own part of
// a latency (its event loop's queue and its pauses included), without the
// client's, which shares this machine's cores. Since the last usage report.
let answerMs = [];
const server = http.createServer((req, res) => {
  const started = performance.now();
  const end = res.end;
  res.end = function endAndTime(...args) {
    answerMs.push(performance.now() - started);
    return end.apply(this, args);
  };
  if (!handle(req, res, new URL(req.url, 'http://localhost'))) res.writeHead(404).end();
});

process.on('message', (message) => {
  if (message === 'usage') {
    const { user, system } = process.cpuUsage();
    // A turn of the event loop first: the observer hears of collections from a later task.
    setImmediate(() => {
      process.send({
        cpuMicros: user + system,
        rss: process.memoryUsage.rss(),
        maxRss: process.resourceUsage().maxRSS * 1024,
        answerMs,
        ...gc,
      });
      answerMs = [];
    });
  } else if (message === 'stop') {
    // Nothing to flush or keep: the parent has its figures.
    process.exit(0);
  }
});

// Should the benchmark die, its servers must not linger on their ports.
process.on('disconnect', () => process.exit(0));

server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
