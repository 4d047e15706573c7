// One server of `npm run bench:http`: the demo's handlers (examples/handlers.js)
// with their buffers from one allocation method, on a free loopback port. It
// answers {usage} over IPC with its own CPU time and memory, so the parent can
// charge each round to this process alone, whatever else the machine runs.
import * as http from 'node:http';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { ArenaPool } = require('engram-arena');
const { createHandler, demoPoolOptions } = require('../examples/handlers.js');

const [method, concurrency] = [process.argv[2], Number(process.argv[3])];
const pool = method === 'arena' ? new ArenaPool(demoPoolOptions(concurrency)) : null;
const handle = createHandler({ method, pool });

const server = http.createServer((req, res) => {
  if (!handle(req, res, new URL(req.url, 'http://localhost'))) res.writeHead(404).end();
});

process.on('message', (message) => {
  if (message === 'usage') {
    const { user, system } = process.cpuUsage();
    process.send({ cpuMicros: user + system, rss: process.memoryUsage.rss(), maxRss: process.resourceUsage().maxRSS * 1024 });
  } else if (message === 'stop') {
    // Nothing to flush or keep: the parent has its figures.
    process.exit(0);
  }
});

// Should the benchmark die, its servers must not linger on their ports.
process.on('disconnect', () => process.exit(0));

server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
