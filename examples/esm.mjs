// The same package from an ES module.
import { Arena, metrics } from 'engram-arena';

const arena = new Arena({ size: 64 * 1024 });
arena.alloc(100).fill(7);
arena.reset();
arena.destroy();

const { totalResets, totalAllocations } = metrics();
console.log(`resets: ${totalResets}, allocations: ${totalAllocations}`);
