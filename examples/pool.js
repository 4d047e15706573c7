// One arena per request in async code: run() lends an arena for the whole
// callback, across every await, then resets it and takes it back.
const { ArenaPool, currentArena } = require('engram-arena');
const { setTimeout: sleep } = require('node:timers/promises');

// context: true lets currentArena() find a run's arena after await (below).
const pool = new ArenaPool({ size: 64 * 1024, maxArenas: 2, acquireTimeoutMs: 1000, context: true });

// Code deep in the call tree can reach the request's arena without a parameter.
function tag(id) {
  currentArena().alloc(8).fill(id);
}

function handle(id) {
  return pool.run(async (arena) => {
    const scratch = arena.alloc(32);
    scratch.fill(id);
    await sleep(10); // other requests run meanwhile, each in its own arena
    tag(id);
    return scratch.every((byte) => byte === id); // still intact
  });
}

async function main() {
  const intact = await Promise.all([1, 2, 3, 4, 5].map(handle));
  console.log('intact:', intact.join(' '));

  // Manual use: always release, also on error.
  const arena = await pool.acquire();
  try {
    arena.alloc(1024);
  } finally {
    pool.release(arena);
  }
  try {
    pool.release(arena);
  } catch (err) {
    console.log('second release:', err.code);
  }

  const { acquired, waited, peakInUse } = pool.stats();
  console.log(`acquired ${acquired}, waited ${waited}, peak in use ${peakInUse}`);
  pool.destroy();
}

main();
