// The client side of `npm run bench:http`: server processes, rounds of
// autocannon against one of them at a time, and the byte-for-byte check.

import { fork } from 'node:child_process';
import * as http from 'node:http';
import autocannon from 'autocannon';

/** Starts bench/http-server.mjs for `method` and `workload` (a name); resolves to { port, usage(), stop() }. */
export function startServer(method, concurrency, workload) {
  const child = fork(new URL('./http-server.mjs', import.meta.url), [method, String(concurrency), workload], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const replies = [];
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the ${method} server exited with ${code} before it listened`)));
    child.on('message', (message) => {
      if (message.port === undefined) return replies.shift()(message);
      child.removeAllListeners('exit');
      resolve({
        port: message.port,
        usage: () =>
          new Promise((done) => {
            replies.push(done);
            child.send('usage');
          }),
        stop: () =>
          new Promise((done) => {
            child.once('exit', done);
            child.send('stop');
          }),
      });
    });
  });
}

function get(port, path) {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path }, (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

/**
 * Asks every server for the same `seeds` and compares the bodies with each
 * other and with `workload.expected`; throws at the first difference.
 */
export async function checkBodies(servers, workload, seeds) {
  for (const seed of seeds) {
    const expected = workload.expected(seed);
    for (const [method, server] of Object.entries(servers)) {
      const { status, body } = await get(server.port, workload.path(seed));
      if (status !== 200 || !body.equals(expected)) {
        throw new Error(
          `${method} answered ${workload.path(seed)} with HTTP ${status} and ${body.length} bytes that differ from the expected ${expected.length}`,
        );
      }
    }
  }
  return seeds.length;
}

/**
 * One bounded round of load on one server: seeds `firstSeed`, `firstSeed + 1`,
 * ... in order, so every server of a round sees the same requests. Resolves to
 * the requests answered, the server's CPU µs and full collections (count and
 * ms) meanwhile, each latency in ms as the client saw it, and each request's
 * time in the server until its handler called res.end(), in ms.
 */
export async function round(server, workload, { seconds, connections, firstSeed }) {
  let seed = firstSeed;
  const latencies = [];
  const before = await server.usage();
  // What the server timed before this round (the warm-up, the body check) is not the round's.
  const instance = autocannon({
    url: `http://127.0.0.1:${server.port}`,
    connections,
    duration: seconds,
    requests: [{ method: 'GET', setupRequest: (request) => ({ ...request, path: workload.path(seed++) }) }],
    skipAggregateResult: true,
  });
  instance.on('response', (_client, _status, _bytes, ms) => latencies.push(ms));
  const result = await instance;
  const after = await server.usage();
  const failures = result.errors + result.timeouts + result.non2xx;
  if (failures > 0)
    throw new Error(
      `${failures} failed requests (errors ${result.errors}, timeouts ${result.timeouts}, non-2xx ${result.non2xx})`,
    );
  return {
    requests: latencies.length,
    cpuMicros: after.cpuMicros - before.cpuMicros,
    fullGcs: after.fullGcs - before.fullGcs,
    fullGcMs: after.fullGcMs - before.fullGcMs,
    latencies,
    answerMs: after.answerMs,
    rss: after.rss,
    maxRss: after.maxRss,
  };
}
