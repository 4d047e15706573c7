// Arena and pool metrics in Prometheus format, read live at each scrape.
const { Registry } = require('prom-client');
const { ArenaPool, registerMetrics } = require('engram-arena');

const registry = new Registry();
const pool = new ArenaPool({ name: 'web', size: 64 * 1024 });
registerMetrics(registry, { pools: [pool] });

async function main() {
  await pool.run(async (arena) => {
    arena.alloc(1000);
  });
  // In a server: res.setHeader('Content-Type', registry.contentType); res.end(text)
  const text = await registry.metrics();
  const wanted = /^engram_arena_(resets_total|pool_acquisitions_total|pool_high_water_mark_bytes)\b/;
  for (const line of text.split('\n')) if (wanted.test(line)) console.log(line);
  pool.destroy();
}

main();
