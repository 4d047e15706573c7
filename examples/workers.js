// Each worker thread has its own thread arena; send results, never arena memory.
const { Worker, isMainThread, parentPort, workerData } = require('node:worker_threads');
const { threadArena, resetThreadArena } = require('engram-arena');

if (isMainThread) {
  const sums = [1, 2, 3, 4].map(
    (id) =>
      new Promise((resolve, reject) => {
        const worker = new Worker(__filename, { workerData: { id } });
        worker.once('message', resolve);
        worker.once('error', reject);
      }),
  );
  Promise.all(sums).then((values) => console.log('sums:', values.join(' ')));
} else {
  const arena = threadArena(); // this thread's own arena
  const values = arena.allocArray(Int32Array, 1000);
  for (let i = 0; i < values.length; i++) values[i] = workerData.id;
  let sum = 0;
  for (const v of values) sum += v;
  resetThreadArena(); // a synchronous job is done: free its scratch memory
  parentPort.postMessage(sum); // a copy of the result, not a view of the arena
}
