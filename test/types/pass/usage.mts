// Everyday use from an ES module under strict settings.
import { Arena, ArenaPool, type ArenaStats, configure, metrics, threadArena } from 'engram-arena';

configure({ overflowStrategy: 'fallback' });
const arena = new Arena({ size: 1 << 16, zeroOnReset: true });
const bytes: Buffer = arena.alloc(64, 16);
const words: Uint32Array = arena.allocArray(Uint32Array, 8);
const total: number = arena.scope((a) => a.alloc(8).length + bytes.length + words.length);
const stats: ArenaStats = arena.stats();
arena.reset();
arena.destroy();

const pool = new ArenaPool({ maxArenas: 2 });
const length: number = await pool.run(async (scratch) => scratch.alloc(32).length);
pool.destroy();
console.log(total, stats.highWaterMark, length, metrics().liveArenas, threadArena().remaining());
