import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.join(__dirname, '..', '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** The environment of a fresh shell: no engram variables leaking in from the test run. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  // Keep ENGRAM_ARENA_BINARY: the suite tests the binary just built.
  for (const key of Object.keys(env)) if (key.startsWith('ENGRAM_') && key !== 'ENGRAM_ARENA_BINARY') delete env[key];
  return { ...env, ...extra };
}

/** The rows `| label | value |` of the demo's tables. */
function rows(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const match of stdout.matchAll(/^\| (.+?) +\| +(.+?) \|$/gm)) out.set(match[1], match[2]);
  return out;
}

describe('npm start', () => {
  it('serves requests from pooled arenas, checks every body and reports', () => {
    const child = spawnSync(npm, ['start'], {
      cwd: root,
      env: cleanEnv({ ENGRAM_DEMO_SECONDS: '1', ENGRAM_DEMO_CONCURRENCY: '8' }),
      encoding: 'utf8',
      shell: process.platform === 'win32',
      timeout: 60_000,
    });
    expect(child.stderr).not.toMatch(/Error|Warning/);
    expect(child.status).toBe(0);
    expect(child.stdout).toMatch(/engram-arena demo on http:\/\/127\.0\.0\.1:\d+: 1 s, 8 concurrent requests/);

    const table = rows(child.stdout);
    const served = Number(table.get('requests served'));
    expect(served).toBeGreaterThan(0);
    expect(table.get('errors')).toBe('0');
    expect(table.get('mismatched bodies')).toBe('0');
    for (const label of ['latency p50', 'latency p99', 'latency max'])
      expect(table.get(label)).toMatch(/^\d+\.\d{3} ms$/);
    // One arena per request: every request was one acquisition and one reset.
    expect(Number(table.get('resets'))).toBe(served);
    expect(Number(table.get('acquired'))).toBe(served);
    expect(table.get('arenas (max)')).toMatch(/^[1-8] \(8\)$/);
    expect(table.get('timed out')).toBe('0');
    expect(table.get('rejected (queue full)')).toBe('0');
    // Seeds run 0, 1, 2, ...; seeds 99, 199, ... ask for more than an arena holds and fall back to the heap.
    expect(Number(table.get('fallbacks'))).toBe(Math.floor(served / 100));
    expect(Number(table.get('overflows'))).toBe(Math.floor(served / 100));
    expect(Number(table.get('/metrics engram_arena_* samples'))).toBe(21);
  });

  it('serves the scratch workload from arenas sized to it, every body checked, none from the heap', () => {
    const child = spawnSync(npm, ['start'], {
      cwd: root,
      env: cleanEnv({ ENGRAM_DEMO_SECONDS: '0.5', ENGRAM_DEMO_CONCURRENCY: '4', ENGRAM_DEMO_WORKLOAD: 'scratch' }),
      encoding: 'utf8',
      shell: process.platform === 'win32',
      timeout: 60_000,
    });
    expect(child.stderr).not.toMatch(/Error|Warning/);
    expect(child.status).toBe(0);
    expect(child.stdout).toContain('workload: GET /scratch');

    const table = rows(child.stdout);
    const served = Number(table.get('requests served'));
    expect(served).toBeGreaterThan(0);
    expect(table.get('errors')).toBe('0');
    expect(table.get('mismatched bodies')).toBe('0');
    expect(Number(table.get('resets'))).toBe(served);
    expect(table.get('arena size')).toBe('1024.0 KiB');
    // A whole request fits its arena: 16 tiles and every output buffer the body outgrew.
    expect(table.get('overflows')).toBe('0');
    expect(table.get('fallbacks')).toBe('0');
    // 16 tiles, the first output buffer and 2 to 4 doublings of it: 19 to 21 allocations a request.
    const allocations = Number(table.get('allocations'));
    expect(allocations).toBeGreaterThanOrEqual(19 * served);
    expect(allocations).toBeLessThanOrEqual(21 * served);
  });

  it('refuses an invalid ENGRAM_DEMO_SECONDS', () => {
    const child = spawnSync(process.execPath, [path.join(root, 'examples', 'server.js')], {
      cwd: root,
      env: cleanEnv({ ENGRAM_DEMO_SECONDS: 'soon' }),
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(child.status).toBe(2);
    expect(child.stderr).toContain('ENGRAM_DEMO_SECONDS="soon" is invalid');
  });
});
