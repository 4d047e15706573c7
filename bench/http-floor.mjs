// Where the CPU of a request goes, without HTTP: the demo's handler called
// in-process, one request at a time, with each allocation method and with a
// JS bump over one reused buffer: the cheapest allocator there can be, and so
// the floor any arena is measured against.

import { createRequire } from 'node:module';
import { Writable } from 'node:stream';

const require = createRequire(import.meta.url);
const { ArenaPool } = require('engram-arena');
const { createHandler, demoPoolOptions } = require('../examples/handlers.js');

/** A response that takes the bytes and drops them, and finishes as a socket's would. */
function sink() {
  const res = new Writable({ write: (_chunk, _encoding, done) => done() });
  res.writeHead = () => res;
  return res;
}

/** No allocator can beat this: a bump over one buffer, rewound per request (safe only one request at a time). */
function bumpScratch() {
  const memory = Buffer.allocUnsafe(1 << 20);
  let offset = 0;
  return {
    alloc(size) {
      const start = (offset + 7) & -8;
      offset = start + size;
      return memory.subarray(start, offset);
    },
    holdUntilFinished() {},
    rewind() {
      offset = 0;
    },
  };
}

async function cpuPerRequest(handle, workload, seconds) {
  const req = { method: 'GET' };
  const started = process.cpuUsage();
  const deadline = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));
  let count = 0;
  while (process.hrtime.bigint() < deadline) {
    const res = sink();
    const finished = new Promise((resolve) => res.once('finish', resolve));
    handle.rewind?.();
    handle(req, res, new URL(workload.path(count++), 'http://localhost'));
    await finished;
  }
  const { user, system } = process.cpuUsage(started);
  return (user + system) / count;
}

/**
 * CPU µs per request of the handler alone, for `workload` served by each
 * method: the methods take turns for `passes` short passes, and each keeps its
 * best, so that a burst from a neighbour spoils one pass, not the figure.
 * The arena runs both ways, whichever the workload's server uses, so the
 * cost of zeroing shows: allocUnsafe does not zero at all.
 */
export async function handlerFloor(workload, seconds, passes = 5) {
  const zeroed = new ArenaPool({ ...demoPoolOptions(1, workload), zeroOnReset: true });
  const unzeroed = new ArenaPool({ ...demoPoolOptions(1, workload), zeroOnReset: false });
  const bump = bumpScratch();
  const methods = {
    'arena (zeroOnReset)': createHandler({ method: 'arena', pool: zeroed }),
    'arena (no zeroing)': createHandler({ method: 'arena', pool: unzeroed }),
    allocUnsafe: createHandler({ method: 'allocUnsafe' }),
    alloc: createHandler({ method: 'alloc' }),
    'bump (floor)': Object.assign(createHandler({ method: 'custom', scratch: bump }), { rewind: bump.rewind }),
  };
  const best = {};
  // One extra pass first, unmeasured, to warm every method up.
  for (let pass = 0; pass <= passes; pass++) {
    for (const [name, handle] of Object.entries(methods)) {
      const us = await cpuPerRequest(handle, workload, seconds / passes);
      if (pass > 0) best[name] = Math.min(best[name] ?? Infinity, us);
    }
  }
  zeroed.destroy();
  unzeroed.destroy();
  return best;
}
