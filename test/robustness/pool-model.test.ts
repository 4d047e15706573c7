// Randomized model test of an ArenaPool under the misuse real code commits:
// users acquire, write, release twice, release from inside run(), hold
// arenas for I/O through promises and thenables that throw, destroy the
// arena they were lent, and move its memory out, in any order. After every
// step: no arena is lent to two users (every user's bytes are still its own),
// a fresh allocation is zero, memory moved out keeps its bytes, a refusal has
// its code, and the pool's gauges add up. At the end every hold is settled and
// the pool must have every arena back, none held.
//
// ENGRAM_POOL_MODEL_RUNS (default 200) sets the number of sequences.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Arena, ArenaPool } from '../../dist/index.js';

const RUNS = Number(process.env.ENGRAM_POOL_MODEL_RUNS ?? 200);
const SLOTS = 4;
const HAS_TRANSFER = typeof (ArrayBuffer.prototype as { transfer?: unknown }).transfer === 'function';

type Op =
  | { kind: 'acquire' | 'write' | 'release' | 'rerelease' | 'destroy' | 'move' | 'releaseInRun'; slot: number }
  | { kind: 'holdUntil' | 'holdThrowingThen' | 'holdThrowingGetter'; slot: number }
  | { kind: 'settle'; pick: number; reject: boolean }
  | { kind: 'run'; slot: number }
  | { kind: 'finishRun'; pick: number }
  | { kind: 'tick' };

const slot = fc.nat(SLOTS - 1);
const op: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: slot.map((s) => ({ kind: 'acquire' as const, slot: s })), weight: 4 },
  { arbitrary: slot.map((s) => ({ kind: 'write' as const, slot: s })), weight: 4 },
  { arbitrary: slot.map((s) => ({ kind: 'release' as const, slot: s })), weight: 3 },
  { arbitrary: slot.map((s) => ({ kind: 'rerelease' as const, slot: s })), weight: 2 },
  { arbitrary: slot.map((s) => ({ kind: 'destroy' as const, slot: s })), weight: 1 },
  { arbitrary: slot.map((s) => ({ kind: 'move' as const, slot: s })), weight: 1 },
  { arbitrary: slot.map((s) => ({ kind: 'releaseInRun' as const, slot: s })), weight: 1 },
  { arbitrary: slot.map((s) => ({ kind: 'holdUntil' as const, slot: s })), weight: 2 },
  { arbitrary: slot.map((s) => ({ kind: 'holdThrowingThen' as const, slot: s })), weight: 1 },
  { arbitrary: slot.map((s) => ({ kind: 'holdThrowingGetter' as const, slot: s })), weight: 1 },
  {
    arbitrary: fc.record({ pick: fc.nat(7), reject: fc.boolean() }).map((r) => ({ kind: 'settle' as const, ...r })),
    weight: 2,
  },
  { arbitrary: slot.map((s) => ({ kind: 'run' as const, slot: s })), weight: 2 },
  { arbitrary: fc.nat(7).map((pick) => ({ kind: 'finishRun' as const, pick })), weight: 2 },
  { arbitrary: fc.constant({ kind: 'tick' as const }), weight: 2 },
);

/** Bytes a user wrote, to be found unchanged until that user gives the arena back. */
interface Written {
  view: Buffer;
  stamp: number;
}

interface User {
  arena: Arena | null;
  pending: boolean;
  written: Written[];
}

interface Deferred {
  settle(reject: boolean): void;
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

function deferred(): { promise: Promise<void>; handle: Deferred } {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {});
  return { promise, handle: { settle: (fail) => (fail ? reject(new Error('I/O failed')) : resolve()) } };
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code ?? 'no code';
  }
  return 'no throw';
}

describe('ArenaPool under misuse (randomized model)', () => {
  it('never lends an arena twice, never hands out unzeroed or moved memory, never keeps a hold', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 3 }),
        fc.array(op, { minLength: 20, maxLength: 60 }),
        async (maxArenas, ops) => {
          const pool = new ArenaPool({ size: 1 << 14, maxArenas, maxWaiting: 64, acquireTimeoutMs: Infinity });
          const users: User[] = Array.from({ length: SLOTS }, () => ({ arena: null, pending: false, written: [] }));
          const released: Arena[] = [];
          const holds: Deferred[] = [];
          const runs: Deferred[] = [];
          const moved: Written[] = [];
          // Views of epochs that ended (given back, destroyed, a run() that returned): all must read empty at the end.
          const ended: Written[] = [];
          const problems: string[] = [];
          let stamp = 1;
          let runsActive = 0;

          /** Every byte written by whoever has an arena now (users and runs) is still theirs. */
          const live: Written[][] = [];
          const checkOwnership = (): void => {
            for (const user of users) live.push(user.written);
            for (const list of live) {
              for (const w of list) {
                if (w.view.length !== 0 && !w.view.every((b) => b === w.stamp))
                  problems.push(`bytes of stamp ${w.stamp} changed`);
              }
            }
            live.length = 0;
            for (const w of moved)
              if (!w.view.every((b) => b === w.stamp)) problems.push(`moved-out bytes of stamp ${w.stamp} changed`);
          };
          const runWritten: Written[][] = [];

          const write = (arena: Arena, into: Written[]): void => {
            let view: Buffer;
            try {
              view = arena.alloc(256);
            } catch (err) {
              // Destroyed by its user, or full: refusals with codes, never memory.
              const code = (err as { code?: string }).code;
              if (code !== 'ERR_ARENA_DESTROYED' && code !== 'ERR_ARENA_OVERFLOW') problems.push(`alloc threw ${code}`);
              return;
            }
            if (!view.every((b) => b === 0)) problems.push('a fresh allocation was not zero');
            const s = (stamp++ % 250) + 1;
            view.fill(s);
            into.push({ view, stamp: s });
          };

          for (const step of ops) {
            const user = 'slot' in step ? users[step.slot] : undefined;
            switch (step.kind) {
              case 'acquire':
                if (user!.arena !== null || user!.pending) break;
                user!.pending = true;
                pool.acquire().then(
                  (arena) => {
                    user!.pending = false;
                    for (const other of users)
                      if (other.arena === arena) problems.push('one arena handle lent to two users');
                    user!.arena = arena;
                    user!.written = [];
                  },
                  (err) => problems.push(`acquire rejected: ${(err as { code?: string }).code}`),
                );
                await tick(); // an arena free now reaches its user before the next step
                break;
              case 'write':
                if (user!.arena !== null) write(user!.arena, user!.written);
                break;
              case 'release':
                if (user!.arena === null) break;
                pool.release(user!.arena);
                released.push(user!.arena);
                user!.arena = null;
                ended.push(...user!.written);
                user!.written = [];
                break;
              case 'rerelease': {
                const arena = released[step.slot % Math.max(1, released.length)];
                if (arena === undefined) break;
                const code = codeOf(() => pool.release(arena));
                if (code !== 'ERR_ARENA_POOL_DOUBLE_RELEASE') problems.push(`a second release gave ${code}`);
                // A stale handle (its holds may keep it alive until they end) must not reach
                // anyone else's bytes: whatever it still gets is zero, and the checks below
                // find any byte of another user's it changed.
                write(arena, ended);
                break;
              }
              case 'destroy':
                if (user!.arena === null) break;
                if (user!.arena.held) {
                  if (codeOf(() => user!.arena!.destroy()) !== 'ERR_ARENA_HELD')
                    problems.push('destroy under a hold was not refused');
                } else {
                  user!.arena.destroy();
                  if (user!.written.some((w) => w.view.length !== 0)) problems.push('a view survived destroy');
                  user!.written = [];
                }
                break;
              case 'move': {
                const last = user!.written.at(-1);
                if (last === undefined || last.view.length === 0) break;
                const buffer = last.view.buffer as ArrayBuffer;
                const { byteOffset, length } = last.view;
                const owned = HAS_TRANSFER
                  ? (buffer as unknown as { transfer(): ArrayBuffer }).transfer()
                  : structuredClone(buffer, { transfer: [buffer] });
                // The whole block moved: its bytes are the user's now, whatever the arena and the pool do next.
                moved.push({ view: Buffer.from(owned, byteOffset, length), stamp: last.stamp });
                user!.written = [];
                break;
              }
              case 'releaseInRun':
                pool
                  .run((arena) => {
                    const code = codeOf(() => pool.release(arena));
                    if (code !== 'ERR_ARENA_POOL_RUN_OWNED') problems.push(`a release inside run() gave ${code}`);
                  })
                  .catch((err) => problems.push(`run() rejected: ${String(err)}`));
                break;
              case 'holdUntil': {
                if (user!.arena === null || user!.arena.destroyed) break;
                const { promise, handle } = deferred();
                user!.arena.holdUntil(promise);
                holds.push(handle);
                break;
              }
              case 'holdThrowingThen':
                if (user!.arena === null || user!.arena.destroyed) break;
                // A thenable whose then throws: the hold ends once that rejection lands.
                user!.arena.holdUntil({
                  then() {
                    throw new Error('then');
                  },
                } as PromiseLike<unknown>);
                break;
              case 'holdThrowingGetter': {
                if (user!.arena === null || user!.arena.destroyed) break;
                const wasHeld = user!.arena.held;
                const bad = {
                  get then(): never {
                    throw new Error('getter');
                  },
                };
                if (codeOf(() => user!.arena!.holdUntil(bad as never)) !== 'no code')
                  problems.push('a throwing then getter was not rethrown');
                if (user!.arena.held !== wasHeld) problems.push('a holdUntil() that threw changed the hold');
                break;
              }
              case 'settle': {
                const hold = holds.splice(step.pick % Math.max(1, holds.length), 1)[0];
                hold?.settle(step.reject);
                break;
              }
              case 'run': {
                const { promise, handle } = deferred();
                runs.push(handle);
                const mine: Written[] = [];
                runWritten.push(mine);
                pool
                  .run(async (arena) => {
                    runsActive++;
                    if (runsActive > maxArenas) problems.push('more run()s at once than arenas');
                    write(arena, mine);
                    await promise.catch(() => {});
                    write(arena, mine);
                    for (const w of mine)
                      if (w.view.length !== 0 && !w.view.every((b) => b === w.stamp))
                        problems.push("a run()'s bytes changed");
                    ended.push(...mine.splice(0));
                    runsActive--;
                  })
                  .catch((err) => problems.push(`run() rejected: ${String(err)}`));
                break;
              }
              case 'finishRun':
                runs.splice(step.pick % Math.max(1, runs.length), 1)[0]?.settle(false);
                break;
              case 'tick':
                await tick();
                break;
            }
            for (const list of runWritten) live.push(list);
            checkOwnership();
            const stats = pool.stats();
            if (stats.arenas > maxArenas) problems.push(`${stats.arenas} arenas in a pool of ${maxArenas}`);
            if (stats.arenas !== stats.idle + stats.inUse + stats.held) problems.push('the gauges do not add up');
            if (problems.length > 0) break;
          }

          // Let everything finish: settle every hold and run, give back every arena, serve every waiter.
          for (let round = 0; round < 20 && problems.length === 0; round++) {
            for (const h of holds.splice(0)) h.settle(false);
            for (const r of runs.splice(0)) r.settle(false);
            for (const user of users) {
              if (user.arena !== null) {
                pool.release(user.arena);
                user.arena = null;
                ended.push(...user.written);
                user.written = [];
              }
            }
            await tick();
            if (
              users.every((u) => !u.pending && u.arena === null) &&
              pool.stats().inUse === 0 &&
              pool.stats().held === 0
            )
              break;
          }
          checkOwnership();
          const stats = pool.stats();
          if (ended.some((w) => w.view.length !== 0)) problems.push('a view outlived the epoch it was made in');
          expect(problems).toEqual([]);
          expect([stats.inUse, stats.held, stats.waiting]).toEqual([0, 0, 0]);
          // Every arena the pool can lend comes out zeroed.
          const all = await Promise.all(Array.from({ length: maxArenas }, () => pool.acquire()));
          for (const arena of all) {
            expect(arena.held).toBe(false);
            expect(arena.alloc(1 << 13).every((b) => b === 0)).toBe(true);
          }
          pool.destroy();
        },
      ),
      { numRuns: RUNS },
    );
  });
});
