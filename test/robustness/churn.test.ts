// Churn: create and end 300 workers that each fill their thread arena (1 MiB
// by default, every page touched); resident memory grows by less than 48 MiB
// over the churn, measured after a warm-up batch with forced collections on
// both sides. Node itself grows 2-17 MiB over such a churn (Node 24, measured
// twelve times, half of them beside other tests), so the bound sits above
// that noise and well below the 75 MiB that leaking the arenas of any one of
// the four ending modes would add; the arena gauges are checked exactly. Workers end normally, after deinitThreadArena(), leaving an
// instance arena behind, or by terminate() while they allocate. Runs in a
// child process started with --expose-gc (test/fixtures/robust/churn.cjs).

import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const WORKERS = Number(process.env.ENGRAM_CHURN_WORKERS ?? 300);
const FIXTURE = path.join(__dirname, '..', 'fixtures', 'robust', 'churn.cjs');

describe('churn: workers come and go, their arenas with them', () => {
  it(`${WORKERS} workers: RSS growth < 48 MiB, no arena left behind`, async () => {
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        ['--expose-gc', FIXTURE, String(WORKERS), '24'],
        { timeout: 170_000 },
        (err, out, errOut) => (err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(out)),
      );
    });
    const r = JSON.parse(stdout.trim().split('\n').pop()!) as {
      workers: number;
      growth: number;
      rssBefore: number;
      rssAfter: number;
      liveArenasBefore: number;
      liveArenasAfter: number;
      reservedBytesAfter: number;
      ms: number;
    };
    console.log(
      `[churn] workers churned: ${r.workers} (after 24 warm-up), RSS ${(r.rssBefore / 2 ** 20).toFixed(1)} -> ` +
        `${(r.rssAfter / 2 ** 20).toFixed(1)} MiB, growth ${(r.growth / 2 ** 20).toFixed(2)} MiB; ` +
        `live arenas ${r.liveArenasBefore} -> ${r.liveArenasAfter}`,
    );
    expect(r.workers).toBe(WORKERS);
    expect(r.growth).toBeLessThan(48 * 2 ** 20);
    expect(r.liveArenasAfter).toBe(r.liveArenasBefore);
    expect(r.reservedBytesAfter).toBe(0);
  }, 180_000);
});
