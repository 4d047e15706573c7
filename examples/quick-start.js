// Scratch memory from an arena: allocate, use, then free everything at once.
const { Arena } = require('engram-arena');

const arena = new Arena({ size: 64 * 1024 });

const header = arena.alloc(16); // a real Buffer, 8-byte aligned by default
header.writeUInt32LE(0xc0ffee, 0);
const samples = arena.allocArray(Float64Array, 1000);
for (let i = 0; i < samples.length; i++) samples[i] = i / 2;

console.log('bytes in use:', arena.stats().currentUsage);
console.log('last sample:', samples[999]);

arena.reset(); // O(1), and the used bytes are zeroed
console.log('header length after reset:', header.length); // detached: 0, not stale data

arena.destroy();
