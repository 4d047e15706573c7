// The addon's smoke run for valgrind memcheck (scripts/memcheck.js runs it as
// `valgrind ... node --expose-gc test/memcheck/smoke.cjs`). Small on purpose:
// under memcheck Node runs some 30-50x slower. It walks every path of the
// shim and the library once or a few times: config, instance arenas of each
// non-fatal strategy, alloc/allocArray, every error, fallbacks, reset with and
// without zeroing, destroy, views outliving a collected Arena, the thread
// arena and deinit, a worker with its own thread arena torn down by its
// cleanup hook, and the main thread's teardown at exit.
'use strict';
const path = require('node:path');
const { Worker, isMainThread, parentPort } = require('node:worker_threads');
const api = require(path.join(__dirname, '..', '..', 'dist', 'index.js'));
const {
  Arena,
  threadArena,
  resetThreadArena,
  deinitThreadArena,
  configure,
  getConfig,
  resetConfig,
  metrics,
  resetMetrics,
} = api;

function expectThrow(fn, cls) {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof cls)) throw new Error(`expected ${cls.name}, got ${err?.constructor.name}: ${err?.message}`);
    return;
  }
  throw new Error(`expected ${cls.name}`);
}

function exercise(tag) {
  const kept = [];
  for (const overflowStrategy of ['error_return', 'fallback']) {
    for (const zeroOnReset of [true, false]) {
      const arena = new Arena({ size: 16384 + 4096 * (tag % 3), overflowStrategy, zeroOnReset });
      for (let round = 0; round < 3; round++) {
        for (let i = 0; i < 20; i++) arena.alloc(1 + ((i * 37) % 300), 1 << (i % 10)).fill(i);
        arena.alloc(0, 4096);
        arena.allocArray(Float64Array, 16).fill(Math.PI);
        arena.allocArray(BigInt64Array, 4, 64).fill(7n);
        if (overflowStrategy === 'fallback') {
          const big = arena.alloc(20000, 256); // from the heap
          big.fill(0xee);
          kept.push(big);
        } else {
          expectThrow(() => arena.alloc(1 << 20), api.ArenaOverflowError);
        }
        expectThrow(() => arena.alloc(-1), RangeError);
        expectThrow(() => arena.alloc(8, 3), RangeError);
        expectThrow(() => arena.alloc('8'), TypeError);
        arena.stats();
        arena.remaining();
        arena.utilization();
        arena.scope((a) => a.alloc(64).fill(1));
        arena.reset();
      }
      kept.push(arena.alloc(100).fill(0x42));
      if (zeroOnReset) {
        arena.destroy();
        expectThrow(() => arena.alloc(1), api.ArenaDestroyedError);
      } // else dropped without destroy(): freed by the finalizers
    }
  }
  const t = threadArena();
  for (let i = 0; i < 50; i++) t.alloc(100 + i, 16).fill(i);
  resetThreadArena();
  t.alloc(1000).fill(3);
  deinitThreadArena();
  threadArena().alloc(10).fill(1);
  return kept;
}

function main() {
  resetMetrics();
  configure({ size: 128 * 1024, overflowStrategy: 'error_return', zeroOnReset: true });
  getConfig();
  expectThrow(() => configure({ size: 10 }), RangeError);
  expectThrow(() => new Arena({ size: 0 }), RangeError);
  expectThrow(() => new Arena({ overflowStrategy: 'nope' }), RangeError);
  expectThrow(() => new Arena({ zeroOnReset: 1 }), TypeError);
  const kept = [];
  for (let tag = 0; tag < 3; tag++) kept.push(...exercise(tag));
  // Destroyed from inside a native call that already took the pointer: the
  // memory goes back only after the call returns (BlockRetireArena).
  const doomed = new Arena({ size: 65536 });
  doomed.alloc(60000).fill({
    valueOf() {
      doomed.destroy();
      return 0x41;
    },
  });
  const held = new Arena({ size: 8192 });
  const hold = held.hold();
  expectThrow(() => held.destroy(), api.ArenaError);
  hold.release();
  held.destroy();
  // Views outlive their collected arenas and still read their bytes.
  global.gc();
  setImmediate(() => {
    global.gc();
    for (const v of kept) if (v.length > 0 && v[v.length - 1] !== v[0]) throw new Error('kept view changed');
    kept.length = 0;
    const worker = new Worker(__filename);
    worker.on('message', (m) => {
      if (m !== 'ok') throw new Error(String(m));
    });
    worker.on('exit', (code) => {
      if (code !== 0) throw new Error(`worker exited ${code}`);
      global.gc();
      setImmediate(() => {
        const m = metrics();
        resetConfig();
        // The main thread's arena stays for the exit-time cleanup hook to free.
        threadArena().alloc(64).fill(9);
        process.stdout.write(`memcheck smoke ok: ${JSON.stringify(m)}\n`);
      });
    });
  });
}

if (isMainThread) {
  main();
} else {
  // A worker: its own thread arena, freed by its environment's cleanup hook.
  const t = threadArena();
  for (let i = 0; i < 100; i++) t.alloc(64 + i, 8).fill(i);
  const dropped = new Arena({ size: 4096, overflowStrategy: 'fallback' });
  dropped.alloc(10000).fill(1);
  parentPort.postMessage('ok');
}
