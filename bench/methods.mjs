// The allocation methods compared by the benchmarks. Each `make(size, zeroed)`
// returns a function that performs `batch` allocations of `size` bytes and
// releases them the way that method must (arena: reset at the end of the
// batch, so reset and its detach are paid in the figure).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const engram = require('../dist/index.js');

/**
 * Bytes of the arena for allocations of `size`: the default pool size (1 MiB,
 * a request-sized arena), or room for four allocations when they are larger.
 */
export function arenaBytesFor(size) {
  return Math.max(1024 * 1024, 4 * size);
}

/** Allocations per measured call: as many as one arena holds, at most 1024. */
export function batchFor(size) {
  return Math.max(1, Math.min(1024, Math.floor(arenaBytesFor(size) / (size + 8))));
}

let sink = 0;
/** Keeps results observable so the JIT cannot drop the allocation. */
export function consume(view) {
  sink ^= view.length;
}
export function sinkValue() {
  return sink;
}

/** A pure-JavaScript bump allocator over one ArrayBuffer: the floor from JavaScript. */
function jsBump(size, zeroed) {
  const memory = new ArrayBuffer(arenaBytesFor(size));
  const bytes = new Uint8Array(memory);
  let offset = 0;
  return (batch) => {
    for (let i = 0; i < batch; i++) {
      const start = (offset + 7) & ~7;
      offset = start + size;
      consume(new Uint8Array(memory, start, size));
    }
    if (zeroed) bytes.fill(0, 0, offset);
    offset = 0;
  };
}

export const METHODS = [
  {
    name: 'arena.alloc',
    make(size, zeroed) {
      const arena = new engram.Arena({ size: arenaBytesFor(size), zeroOnReset: zeroed });
      return (batch) => {
        for (let i = 0; i < batch; i++) consume(arena.alloc(size));
        arena.reset();
      };
    },
  },
  {
    name: 'threadArena().alloc',
    make(size, zeroed) {
      engram.deinitThreadArena();
      engram.configure({ size: arenaBytesFor(size), zeroOnReset: zeroed });
      engram.threadArena();
      return (batch) => {
        for (let i = 0; i < batch; i++) consume(engram.threadArena().alloc(size));
        engram.resetThreadArena();
      };
    },
  },
  {
    name: 'Buffer.allocUnsafe',
    zeroed: false,
    make(size) {
      return (batch) => {
        for (let i = 0; i < batch; i++) consume(Buffer.allocUnsafe(size));
      };
    },
  },
  {
    name: 'Buffer.alloc',
    zeroed: true,
    make(size) {
      return (batch) => {
        for (let i = 0; i < batch; i++) consume(Buffer.alloc(size));
      };
    },
  },
  {
    name: 'new Uint8Array',
    zeroed: true,
    make(size) {
      return (batch) => {
        for (let i = 0; i < batch; i++) consume(new Uint8Array(size));
      };
    },
  },
  {
    name: 'JS bump (floor)',
    make: jsBump,
  },
];
