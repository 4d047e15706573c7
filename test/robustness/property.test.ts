// Model-based property test: random sequences of create, alloc, allocArray,
// reset, destroy, configure, metrics and thread-arena calls, and of user code
// moving an arena's memory out, against a small TypeScript model of the
// seed's semantics. After every step the observable state (stats, remaining,
// utilization, capacity, destroyed, global metrics, config, the bytes of
// every view, of the whole arena memory and of every block moved out) must
// equal the model.
//
// ENGRAM_PROPERTY_RUNS (default 1000) sets the number of sequences;
// ENGRAM_PROPERTY_SEED replays one seed.
import { receiveMessageOnPort } from 'node:worker_threads';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { LIMITS } from '../../dist/abi.js';
import { binding } from '../../dist/binding.js';
import {
  Arena,
  ArenaDestroyedError,
  ArenaOverflowError,
  configure,
  deinitThreadArena,
  getConfig,
  metrics,
  resetConfig,
  resetMetrics,
  resetThreadArena,
  type TypedArrayConstructor,
  threadArena,
} from '../../dist/index.js';
import { arenaOffset, TYPED_ARRAY_CLASSES } from '../fixtures/arena-helpers';

const RUNS = Number(process.env.ENGRAM_PROPERTY_RUNS ?? 1000);
const SEED = process.env.ENGRAM_PROPERTY_SEED === undefined ? undefined : Number(process.env.ENGRAM_PROPERTY_SEED);
const MAX_ALLOC = 2 ** 30;
const MAX_ALIGN = 4096;
const MAX_ARENAS = 6;
/** An arena's memory block is its capacity plus this, so that byte 0 can sit on a page. */
const SLACK = LIMITS.hostedSlackBytes;
const HAS_TRANSFER = typeof (ArrayBuffer.prototype as { transfer?: unknown }).transfer === 'function';

type Strategy = 'error_return' | 'fallback';
const TYPED: TypedArrayConstructor[] = [...TYPED_ARRAY_CLASSES];

// ---------------------------------------------------------------- the model

interface MArena {
  size: number;
  strategy: Strategy;
  zero: boolean;
  offset: number;
  hwm: number;
  overflows: number;
  allocations: number;
  bytes: number;
  fallbacks: number;
  fallbackBytes: number;
  destroyed: boolean;
  /** Expected content of the whole arena memory (fresh pages are zero). */
  shadow: Uint8Array;
  /** User code moved this epoch's memory out; the arena has not noticed yet. */
  movedOut: boolean;
}

interface Totals {
  totalResets: number;
  totalOverflows: number;
  maxHighWaterMark: number;
  totalAllocations: number;
  totalBytesAllocated: number;
  totalFallbacks: number;
  totalMovedOut: number;
}

interface ConfigModel {
  size: number;
  overflowStrategy: string;
  zeroOnReset: boolean;
}

interface Model {
  arenas: MArena[];
  thread: MArena | null;
  config: ConfigModel;
  envDefault: ConfigModel;
  totals: Totals;
  live: number;
  reserved: number;
}

/** A view handed out by the real arena and what it must contain. */
interface View {
  bytes: Uint8Array;
  epoch: number;
  fallback: boolean;
  start: number; // offset in the arena (arena views)
  length: number;
  tag: number; // fill byte (fallback views; arena views use the shadow)
}

interface RArena {
  arena: Arena;
  epoch: number;
  views: View[];
}

/** A block user code moved out of an arena, and what its arena bytes must stay. */
interface Moved {
  memory: ArrayBuffer;
  base: number;
  expected: Uint8Array;
}

interface Real {
  arenas: RArena[];
  thread: RArena | null;
  tag: number;
  moved: Moved[];
}

const zeroTotals = (): Totals => ({
  totalResets: 0,
  totalOverflows: 0,
  maxHighWaterMark: 0,
  totalAllocations: 0,
  totalBytesAllocated: 0,
  totalFallbacks: 0,
  totalMovedOut: 0,
});

function newModelArena(capacity: number, strategy: Strategy, zero: boolean): MArena {
  return {
    size: capacity,
    strategy,
    zero,
    offset: 0,
    hwm: 0,
    overflows: 0,
    allocations: 0,
    bytes: 0,
    fallbacks: 0,
    fallbackBytes: 0,
    destroyed: false,
    shadow: new Uint8Array(capacity),
    movedOut: false,
  };
}

const isPow2 = (n: number) => n > 0 && (n & (n - 1)) === 0;
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function fold(m: Model, a: MArena, countReset: boolean): void {
  if (countReset) m.totals.totalResets += 1;
  m.totals.totalOverflows += a.overflows;
  m.totals.maxHighWaterMark = Math.max(m.totals.maxHighWaterMark, a.hwm);
  m.totals.totalAllocations += a.allocations;
  m.totals.totalBytesAllocated += a.bytes;
  m.totals.totalFallbacks += a.fallbacks;
}

/**
 * The arena's next alloc, allocArray or reset (even one that then fails)
 * finds its memory moved out, counts it and goes on with fresh memory, which
 * the shadow already is.
 */
function notice(m: Model, a: MArena): void {
  if (!a.movedOut || a.destroyed) return;
  a.movedOut = false;
  m.totals.totalMovedOut += 1;
}

function modelReset(m: Model, a: MArena): void {
  notice(m, a);
  fold(m, a, true);
  if (a.zero) a.shadow.fill(0, 0, a.offset);
  a.offset = 0;
  a.overflows = 0;
  a.allocations = 0;
  a.bytes = 0;
  a.fallbacks = 0;
  a.fallbackBytes = 0;
}

function modelRetire(m: Model, a: MArena): void {
  fold(m, a, false);
  // destroy() counts a block moved out in the last epoch too: each block that
  // left with its user is counted once, whichever call finds it gone.
  notice(m, a);
  a.destroyed = true;
  m.live -= 1;
  m.reserved -= a.size;
}

type Failure = 'type' | 'range';
/** The shim's ToCount: a number, then a non-negative safe integer. */
const countCheck = (v: unknown): Failure | null => (typeof v !== 'number' ? 'type' : isCount(v) ? null : 'range');
const strategyCheck = (v: unknown, names: string[]): Failure | null =>
  typeof v !== 'string' ? 'type' : names.includes(v) ? null : 'range';
const boolCheck = (v: unknown): Failure | null => (typeof v === 'boolean' ? null : 'type');
function firstFailure(...checks: (Failure | null)[]): Failure | null {
  for (const c of checks) if (c !== null) return c;
  return null;
}
const STRATEGIES = ['panic', 'error_return', 'fallback'];

type AllocOutcome =
  | { kind: 'type' }
  | { kind: 'range' }
  | { kind: 'destroyed' }
  | { kind: 'overflow'; remaining: number }
  | { kind: 'fallback' }
  | { kind: 'ok'; start: number };

/** The seed's alloc: validate, align the address (base is page-aligned), bump or overflow. */
function modelAlloc(a: MArena, size: unknown, alignment: unknown): AllocOutcome {
  if (a.destroyed) return { kind: 'destroyed' };
  // The shim converts size, then alignment (type, then range); the core then
  // checks the alignment, then the size limit.
  const conversion = firstFailure(countCheck(size), countCheck(alignment));
  if (conversion !== null) return { kind: conversion };
  if (!isPow2(alignment as number) || (alignment as number) > MAX_ALIGN) return { kind: 'range' };
  if ((size as number) > MAX_ALLOC) return { kind: 'range' };
  return bump(a, size as number, alignment as number);
}

function bump(a: MArena, size: number, alignment: number): AllocOutcome {
  const start = Math.ceil(a.offset / alignment) * alignment;
  if (start > a.size || size > a.size - start) {
    a.overflows += 1;
    if (a.strategy === 'error_return') return { kind: 'overflow', remaining: a.size - a.offset };
    a.allocations += 1;
    a.bytes += size;
    a.fallbacks += 1;
    a.fallbackBytes += size;
    return { kind: 'fallback' };
  }
  a.offset = start + size;
  a.hwm = Math.max(a.hwm, a.offset);
  a.allocations += 1;
  a.bytes += size;
  return { kind: 'ok', start };
}

function modelStats(a: MArena) {
  return {
    size: a.size,
    currentUsage: a.offset,
    highWaterMark: a.hwm,
    overflows: a.overflows,
    utilization: a.offset / a.size,
    allocations: a.allocations,
    fallbacks: a.fallbacks,
    bytesAllocated: a.bytes,
    fallbackBytes: a.fallbackBytes,
  };
}

// ------------------------------------------------------------- verification

let stepsChecked = 0;
let allocsServed = 0;
let fallbacksServed = 0;
let overflowsSeen = 0;
let rejectedCalls = 0;
let memoryBytesCompared = 0;
let movesOut = 0;

function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

function verifyArena(label: string, ma: MArena, ra: RArena): void {
  expect(ra.arena.destroyed, `${label} destroyed`).toBe(ma.destroyed);
  if (ma.destroyed) {
    expect(() => ra.arena.stats()).toThrow(ArenaDestroyedError);
    expect(() => ra.arena.remaining()).toThrow(ArenaDestroyedError);
  } else {
    expect(ra.arena.stats(), `${label} stats`).toEqual(modelStats(ma));
    expect(ra.arena.remaining(), `${label} remaining`).toBe(ma.size - ma.offset);
    expect(ra.arena.utilization(), `${label} utilization`).toBe(ma.offset / ma.size);
    expect(ra.arena.size, `${label} capacity`).toBe(ma.size);
  }
  let block: ArrayBufferLike | null = null;
  for (const v of ra.views) {
    const current = !ma.destroyed && v.epoch === ra.epoch;
    if (!current) {
      // Detached at reset/destroy: reads as empty, never the next epoch's bytes.
      expect(v.bytes.byteLength, `${label} stale view must be detached`).toBe(0);
      expect(v.bytes.buffer.byteLength).toBe(0);
      continue;
    }
    expect(v.bytes.byteLength, `${label} live view length`).toBe(v.length);
    if (v.fallback) {
      const expected = Buffer.alloc(v.length, v.tag);
      expect(
        Buffer.from(v.bytes.buffer, v.bytes.byteOffset, v.bytes.byteLength).equals(expected),
        `${label} fallback bytes`,
      ).toBe(true);
    } else {
      const expected = Buffer.from(ma.shadow.buffer, v.start, v.length);
      expect(
        Buffer.from(v.bytes.buffer, v.bytes.byteOffset, v.bytes.byteLength).equals(expected),
        `${label} view bytes`,
      ).toBe(true);
      // Every arena view of an epoch sits on the same block.
      if (block === null) block = v.bytes.buffer;
      expect(v.bytes.buffer === block, `${label} views share the block`).toBe(true);
    }
  }
  if (block !== null) {
    // A view's buffer is the arena's whole block: every arena byte in it
    // (padding, unused tail, bytes zeroed or kept by reset) must equal the
    // model's memory. Past the high-water mark nothing was ever handed out:
    // the first page there is compared too, the rest (up to 1 MiB of zeros)
    // is not.
    expect(block.byteLength).toBe(ma.size + SLACK);
    const base = binding.paddingFor(block as ArrayBuffer, 4096);
    const n = Math.min(ma.size, ma.hwm + 4096);
    expect(Buffer.from(block, base, n).equals(Buffer.from(ma.shadow.buffer, 0, n)), `${label} arena memory`).toBe(true);
    memoryBytesCompared += n;
  }
}

/** Blocks moved out belong to the user: no arena call after may change a byte of them. */
function verifyMoved(r: Real): void {
  for (const moved of r.moved) {
    const now = Buffer.from(moved.memory, moved.base, moved.expected.byteLength);
    expect(now.equals(moved.expected), 'memory moved out changed').toBe(true);
  }
}

function verify(m: Model, r: Real): void {
  stepsChecked += 1;
  m.arenas.forEach((ma, i) => {
    verifyArena(`arena ${i}`, ma, r.arenas[i]);
  });
  if (m.thread !== null && r.thread !== null) verifyArena('thread arena', m.thread, r.thread);
  verifyMoved(r);
  expect(metrics()).toEqual({ ...m.totals, liveArenas: m.live, reservedBytes: m.reserved });
  expect(getConfig()).toEqual(m.config);
}

/** Runs `fn`, expecting it to throw `cls`; a failed call must change nothing. */
function expectRejected(m: Model, r: Real, cls: Function, fn: () => unknown): unknown {
  let error: unknown;
  try {
    fn();
  } catch (err) {
    error = err;
  }
  expect(error, 'call should have thrown').toBeInstanceOf(cls);
  rejectedCalls += 1;
  verify(m, r);
  return error;
}

// ----------------------------------------------------------------- commands

type Cmd = fc.Command<Model, Real>;

function fillTag(r: Real): number {
  r.tag = (r.tag % 254) + 1;
  return r.tag;
}

/** Shared by alloc and allocArray on instance and thread arenas. */
function doAlloc(
  m: Model,
  r: Real,
  ma: MArena,
  ra: RArena,
  size: unknown,
  alignment: unknown,
  call: () => ArrayBufferView,
  isBufferApi: boolean,
): void {
  // A failed call changes nothing, except that it notices memory moved out.
  notice(m, ma);
  const before = { ...ma, shadow: ma.shadow };
  const outcome = modelAlloc(ma, size, alignment === undefined ? 8 : alignment);
  switch (outcome.kind) {
    case 'destroyed':
      expectRejected(m, r, ArenaDestroyedError, call);
      return;
    case 'type':
      expectRejected(m, r, TypeError, call);
      return;
    case 'range': {
      const err = expectRejected(m, r, RangeError, call) as { code?: string };
      expect(['ERR_ARENA_INVALID_SIZE', 'ERR_ARENA_INVALID_ALIGNMENT']).toContain(err.code);
      return;
    }
    case 'overflow': {
      overflowsSeen += 1;
      const err = expectRejected(m, r, ArenaOverflowError, call) as ArenaOverflowError;
      expect(err.code).toBe('ERR_ARENA_OVERFLOW');
      expect(err.requested).toBe((size as number) + 0); // -0 is reported as 0
      expect(err.remaining).toBe(outcome.remaining);
      expect(before.offset).toBe(ma.offset);
      return;
    }
    default:
      break;
  }
  const view = call();
  const bytes = bytesOf(view);
  const length = (size as number) + 0; // -0 is a valid size of 0
  const tag = fillTag(r);
  expect(bytes.byteLength).toBe(length);
  if (isBufferApi) expect(Buffer.isBuffer(view)).toBe(true);
  const align = (alignment as number | undefined) ?? 8;
  if (outcome.kind === 'fallback') {
    fallbacksServed += 1;
    // Served from an engine-owned buffer of its own (no other view's), with room
    // for alignment padding at most; offset unchanged; zeroed if the arena zeroes.
    for (const other of ra.views) expect(other.bytes.buffer === bytes.buffer, 'fallback shares a buffer').toBe(false);
    expect(bytes.buffer.byteLength).toBeGreaterThanOrEqual(length);
    expect(bytes.buffer.byteLength).toBeLessThanOrEqual(length + align);
    // No page-aligned byte 0 here: the address itself must be aligned.
    if (length + (align > 1 ? align : 0) > 0) {
      expect((bytes.byteOffset - binding.paddingFor(bytes.buffer as ArrayBuffer, align)) % align).toBe(0);
    }
    if (ma.zero) expect(bytes.every((b) => b === 0)).toBe(true);
    bytes.fill(tag);
    ra.views.push({ bytes, epoch: ra.epoch, fallback: true, start: -1, length, tag });
  } else {
    allocsServed += 1;
    expect(arenaOffset(bytes)).toBe(outcome.start);
    // Arena byte 0 is page-aligned, so this aligns the address; byteOffset
    // itself (from the block's start) is only promised that up to 16.
    expect(arenaOffset(bytes) % align).toBe(0);
    expect(bytes.byteOffset % Math.min(align, 16)).toBe(0);
    expect(bytes.buffer.byteLength).toBe(ma.size + SLACK);
    // Fresh bytes are what the model says: zero, or kept from before the reset.
    expect(
      Buffer.from(bytes.buffer, bytes.byteOffset, length).equals(Buffer.from(ma.shadow.buffer, outcome.start, length)),
    ).toBe(true);
    bytes.fill(tag);
    ma.shadow.fill(tag, outcome.start, outcome.start + length);
    ra.views.push({ bytes, epoch: ra.epoch, fallback: false, start: outcome.start, length, tag });
  }
  verify(m, r);
}

class CreateCmd implements Cmd {
  constructor(readonly opts: { size?: unknown; overflowStrategy?: unknown; zeroOnReset?: unknown } | undefined) {}
  check(m: Readonly<Model>) {
    return m.arenas.length < MAX_ARENAS;
  }
  run(m: Model, r: Real) {
    const o = this.opts ?? {};
    const size = o.size ?? m.config.size;
    const strategy = o.overflowStrategy ?? m.config.overflowStrategy;
    const zero = o.zeroOnReset ?? m.config.zeroOnReset;
    const make = () => new Arena(this.opts as never);
    const failure = firstFailure(
      countCheck(size),
      strategyCheck(strategy, STRATEGIES),
      boolCheck(zero),
      size === 0 || (size as number) > MAX_ALLOC ? 'range' : null,
    );
    if (failure !== null) {
      expectRejected(m, r, failure === 'type' ? TypeError : RangeError, make);
      return;
    }
    const arena = make();
    m.arenas.push(newModelArena(size as number, strategy as Strategy, zero as boolean));
    m.live += 1;
    m.reserved += size as number;
    r.arenas.push({ arena, epoch: 0, views: [] });
    expect(arena.options).toEqual({ size, overflowStrategy: strategy, zeroOnReset: zero });
    verify(m, r);
  }
  toString() {
    return `create(${JSON.stringify(this.opts)})`;
  }
}

abstract class OnArena implements Cmd {
  constructor(readonly index: number) {}
  check(m: Readonly<Model>) {
    return m.arenas.length > 0;
  }
  pick(m: Model, r: Real): [MArena, RArena, number] {
    const i = this.index % m.arenas.length;
    return [m.arenas[i], r.arenas[i], i];
  }
  abstract run(m: Model, r: Real): void;
}

class AllocCmd extends OnArena {
  constructor(
    index: number,
    readonly size: unknown,
    readonly alignment: unknown,
  ) {
    super(index);
  }
  run(m: Model, r: Real) {
    const [ma, ra] = this.pick(m, r);
    // Keep heap fallbacks small: a fallback request of up to 1 GiB is legal but slow to zero.
    if (ma.strategy === 'fallback' && typeof this.size === 'number' && this.size > 1 << 20 && this.size <= MAX_ALLOC)
      return;
    const call = () =>
      this.alignment === undefined
        ? ra.arena.alloc(this.size as number)
        : ra.arena.alloc(this.size as number, this.alignment as number);
    doAlloc(m, r, ma, ra, this.size, this.alignment, call, true);
  }
  toString() {
    return `alloc#${this.index}(${Object.is(this.size, -0) ? '-0' : String(this.size)}, ${Object.is(this.alignment, -0) ? '-0' : String(this.alignment)})`;
  }
}

class AllocArrayCmd extends OnArena {
  constructor(
    index: number,
    readonly type: number,
    readonly length: number,
    readonly alignment: number | undefined,
  ) {
    super(index);
  }
  run(m: Model, r: Real) {
    const [ma, ra] = this.pick(m, r);
    const ctor = TYPED[this.type];
    const el = ctor.BYTES_PER_ELEMENT;
    // The facade raises a smaller valid alignment to the element size.
    let align: number = this.alignment === undefined ? el : this.alignment;
    if (align > 0 && align < el && isPow2(align)) align = el;
    const call = () => ra.arena.allocArray(ctor, this.length, this.alignment);
    const before = ma.offset;
    doAlloc(m, r, ma, ra, this.length * el, align, call, false);
    const last = ra.views[ra.views.length - 1];
    if (last !== undefined && !last.fallback && ma.offset !== before) {
      expect(last.bytes.byteOffset % el).toBe(0);
    }
  }
  toString() {
    return `allocArray#${this.index}(${TYPED[this.type].name}, ${this.length}, ${this.alignment})`;
  }
}

class ResetCmd extends OnArena {
  run(m: Model, r: Real) {
    const [ma, ra] = this.pick(m, r);
    if (ma.destroyed) {
      expectRejected(m, r, ArenaDestroyedError, () => ra.arena.reset());
      return;
    }
    ra.arena.reset();
    modelReset(m, ma);
    ra.epoch += 1;
    verify(m, r);
    ra.views = ra.views.filter((v) => v.epoch === ra.epoch); // old ones were checked detached
  }
  toString() {
    return `reset#${this.index}`;
  }
}

class DestroyCmd extends OnArena {
  run(m: Model, r: Real) {
    const [ma, ra] = this.pick(m, r);
    ra.arena.destroy(); // idempotent
    if (!ma.destroyed) modelRetire(m, ma);
    verify(m, r);
    ra.views = [];
  }
  toString() {
    return `destroy#${this.index}`;
  }
}

type MoveWay = 'transfer' | 'structuredClone' | 'postMessage';

/** Moves `memory` out the way user code would; returns the new owner's ArrayBuffer. */
function moveOut(memory: ArrayBuffer, way: MoveWay): ArrayBuffer {
  if (way === 'transfer' && HAS_TRANSFER) return (memory as ArrayBuffer & { transfer(): ArrayBuffer }).transfer();
  if (way === 'postMessage') {
    const { port1, port2 } = new MessageChannel();
    try {
      port1.postMessage(memory, [memory]);
      return receiveMessageOnPort(port2)!.message as ArrayBuffer;
    } finally {
      port1.close();
    }
  }
  return structuredClone(memory, { transfer: [memory] });
}

/**
 * User code moves the memory of an arena's current epoch out through one of
 * its views (index -1: the thread arena). That memory is the user's from then
 * on: every view of the epoch detaches, the bytes moved keep what they held
 * whatever the arena does next, and the arena's next call goes on with fresh
 * zeroed memory at the same offset, counting the block in totalMovedOut.
 */
class MoveOutCmd implements Cmd {
  constructor(
    readonly index: number,
    readonly way: MoveWay,
  ) {}
  check() {
    return true;
  }
  run(m: Model, r: Real) {
    const thread = this.index < 0;
    const ma = thread ? m.thread : m.arenas[this.index % Math.max(1, m.arenas.length)];
    const ra = thread ? r.thread : r.arenas[this.index % Math.max(1, r.arenas.length)];
    const current = ma && ra && !ma.destroyed ? ra.views.filter((v) => !v.fallback && v.epoch === ra.epoch) : [];
    if (ma === undefined || ma === null || ra === undefined || ra === null || current.length === 0) {
      verify(m, r); // no view to reach the memory through: nothing to move
      return;
    }
    const memory = current[current.length - 1].bytes.buffer as ArrayBuffer;
    const base = binding.paddingFor(memory, 4096);
    const moved = moveOut(memory, this.way);
    movesOut += 1;
    expect(memory.byteLength).toBe(0);
    expect(moved.byteLength).toBe(ma.size + SLACK);
    const n = Math.min(ma.size, ma.hwm + 4096);
    const expected = Uint8Array.from(ma.shadow.subarray(0, n));
    // The bytes moved are exactly the arena's: nothing lost, nothing zeroed.
    expect(Buffer.from(moved, base, n).equals(expected)).toBe(true);
    r.moved.push({ memory: moved, base, expected });
    for (const v of current) v.epoch = -1; // detached with the block
    ma.movedOut = true;
    ma.shadow.fill(0); // what the arena goes on with
    verify(m, r);
  }
  toString() {
    return `moveOut#${this.index < 0 ? 'thread' : this.index}(${this.way})`;
  }
}

class ConfigureCmd implements Cmd {
  constructor(readonly opts: { size?: unknown; overflowStrategy?: unknown; zeroOnReset?: unknown }) {}
  check() {
    return true;
  }
  run(m: Model, r: Real) {
    const o = this.opts;
    const next = {
      size: o.size ?? m.config.size,
      overflowStrategy: o.overflowStrategy ?? m.config.overflowStrategy,
      zeroOnReset: o.zeroOnReset ?? m.config.zeroOnReset,
    };
    const call = () => configure(this.opts as never);
    const p = next.size as number;
    const failure = firstFailure(
      countCheck(next.size),
      strategyCheck(next.overflowStrategy, STRATEGIES),
      boolCheck(next.zeroOnReset),
      p < 65536 || p > MAX_ALLOC ? 'range' : null,
    );
    if (failure !== null) {
      expectRejected(m, r, failure === 'type' ? TypeError : RangeError, call);
      return;
    }
    // 'panic' is valid but would abort this process at the first overflow: never generated.
    expect(next.overflowStrategy).not.toBe('panic');
    expect(call()).toEqual(next);
    m.config = next as ConfigModel;
    verify(m, r);
  }
  toString() {
    return `configure(${JSON.stringify(this.opts)})`;
  }
}

class ResetConfigCmd implements Cmd {
  check() {
    return true;
  }
  run(m: Model, r: Real) {
    resetConfig();
    m.config = { ...m.envDefault };
    verify(m, r);
  }
  toString() {
    return 'resetConfig()';
  }
}

class ResetMetricsCmd implements Cmd {
  check() {
    return true;
  }
  run(m: Model, r: Real) {
    resetMetrics();
    m.totals = zeroTotals();
    verify(m, r);
  }
  toString() {
    return 'resetMetrics()';
  }
}

/** Thread arena: threadArena() makes it from the config in force on first use. */
function ensureThread(m: Model, r: Real): void {
  const arena = threadArena();
  if (m.thread === null) {
    const c = m.config;
    m.thread = newModelArena(c.size, c.overflowStrategy as Strategy, c.zeroOnReset);
    m.live += 1;
    m.reserved += c.size;
    r.thread = { arena, epoch: 0, views: [] };
  }
  expect(r.thread!.arena).toBe(arena);
}

class ThreadAllocCmd implements Cmd {
  constructor(
    readonly size: number,
    readonly alignment: number | undefined,
  ) {}
  check() {
    return true;
  }
  run(m: Model, r: Real) {
    ensureThread(m, r);
    const ma = m.thread!;
    const ra = r.thread!;
    if (ma.strategy === 'fallback' && this.size > 1 << 20 && this.size <= MAX_ALLOC) return;
    const call = () =>
      this.alignment === undefined ? ra.arena.alloc(this.size) : ra.arena.alloc(this.size, this.alignment);
    doAlloc(m, r, ma, ra, this.size, this.alignment, call, true);
  }
  toString() {
    return `threadArena().alloc(${this.size}, ${this.alignment})`;
  }
}

class ThreadResetCmd implements Cmd {
  check() {
    return true;
  }
  run(m: Model, r: Real) {
    resetThreadArena(); // a no-op when there is no thread arena
    if (m.thread !== null) {
      modelReset(m, m.thread);
      r.thread!.epoch += 1;
    }
    verify(m, r);
    if (r.thread !== null) r.thread.views = r.thread.views.filter((v) => v.epoch === r.thread!.epoch);
  }
  toString() {
    return 'resetThreadArena()';
  }
}

class ThreadDeinitCmd implements Cmd {
  check() {
    return true;
  }
  run(m: Model, r: Real) {
    deinitThreadArena();
    if (m.thread !== null) {
      modelRetire(m, m.thread);
      verifyArena('deinit thread arena', m.thread, r.thread!);
      m.thread = null;
      r.thread = null;
    }
    verify(m, r);
  }
  toString() {
    return 'deinitThreadArena()';
  }
}

// -------------------------------------------------------------- arbitraries

const POW2 = Array.from({ length: 13 }, (_, i) => 2 ** i); // 1 .. 4096
const arbIndex = fc.nat({ max: MAX_ARENAS - 1 });
const arbSize = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 64 }) },
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 5000 }) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 70000 }) },
  { weight: 1, arbitrary: fc.constantFrom(MAX_ALLOC, MAX_ALLOC + 1, 2 ** 53 - 1, 2 ** 53, -1, 1.5, NaN, Infinity, -0) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>('8', null, undefined, 8n, true, {}) },
);
const arbAlign = fc.oneof(
  { weight: 2, arbitrary: fc.constant(undefined) },
  { weight: 8, arbitrary: fc.constantFrom(...POW2) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(0, 3, 6, 24, 8192, 2 ** 40, 1.5, -8, NaN, -0, '8', null) },
);
const arbStrategy = fc.constantFrom<unknown>('error_return', 'fallback');
const arbCapacity = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(1, 7, 64, 100, 4095, 4096, 4097, 5000, 8192, 12289, 65536) },
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 70000 }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(0, -1, 1.5, MAX_ALLOC + 1, NaN, '4096', 4096n) },
);
const arbCreate = fc
  .option(
    fc.record(
      {
        size: arbCapacity,
        overflowStrategy: fc.oneof(
          { weight: 9, arbitrary: arbStrategy },
          { weight: 1, arbitrary: fc.constantFrom<unknown>('nope', 1) },
        ),
        zeroOnReset: fc.oneof(
          { weight: 9, arbitrary: fc.boolean() },
          { weight: 1, arbitrary: fc.constantFrom<unknown>(1, 'true') },
        ),
      },
      { requiredKeys: [] },
    ),
    { freq: 6 },
  )
  .map((o) => (o === null ? undefined : o))
  .map((o) => new CreateCmd(o));
const arbConfigure = fc
  .record(
    {
      size: fc.oneof(
        { weight: 8, arbitrary: fc.constantFrom(65536, 65536 + 8, 100000, 131072) },
        { weight: 2, arbitrary: fc.constantFrom<unknown>(1000, 65535, MAX_ALLOC + 1, 1.5e5 + 0.5, NaN, '65536') },
      ),
      overflowStrategy: fc.oneof(
        { weight: 9, arbitrary: arbStrategy },
        { weight: 1, arbitrary: fc.constantFrom<unknown>('PANIC', 2) },
      ),
      zeroOnReset: fc.oneof(
        { weight: 9, arbitrary: fc.boolean() },
        { weight: 1, arbitrary: fc.constantFrom<unknown>(0, 'false') },
      ),
    },
    { requiredKeys: [] },
  )
  .map((o) => new ConfigureCmd(o));

const allCommands = [
  arbCreate,
  arbCreate,
  fc.tuple(arbIndex, arbSize, arbAlign).map(([i, s, a]) => new AllocCmd(i, s, a)),
  fc.tuple(arbIndex, arbSize, arbAlign).map(([i, s, a]) => new AllocCmd(i, s, a)),
  fc.tuple(arbIndex, arbSize, arbAlign).map(([i, s, a]) => new AllocCmd(i, s, a)),
  fc.tuple(arbIndex, fc.integer({ min: 0, max: 50 }), arbAlign).map(([i, s, a]) => new AllocCmd(i, s, a)),
  fc
    .tuple(arbIndex, fc.integer({ min: 0, max: 300 }), fc.constantFrom(...POW2))
    .map(([i, s, a]) => new AllocCmd(i, s, a)),
  fc
    .tuple(arbIndex, fc.integer({ min: 0, max: 300 }), fc.constantFrom(...POW2))
    .map(([i, s, a]) => new AllocCmd(i, s, a)),
  fc
    .tuple(
      arbIndex,
      fc.nat({ max: TYPED.length - 1 }),
      fc.integer({ min: 0, max: 600 }),
      fc.option(fc.constantFrom(1, 2, 4, 8, 16, 64, 4096), { nil: undefined }),
    )
    .map(([i, t, n, a]) => new AllocArrayCmd(i, t, n, a)),
  arbIndex.map((i) => new ResetCmd(i)),
  arbIndex.map((i) => new DestroyCmd(i)),
  arbConfigure,
  fc.constant(new ResetConfigCmd()),
  fc.constant(new ResetMetricsCmd()),
  fc
    .tuple(fc.integer({ min: 0, max: 3000 }), fc.option(fc.constantFrom(...POW2), { nil: undefined }))
    .map(([s, a]) => new ThreadAllocCmd(s, a)),
  fc.constant(new ThreadResetCmd()),
  fc.constant(new ThreadDeinitCmd()),
  fc
    .tuple(
      fc.integer({ min: -1, max: MAX_ARENAS - 1 }),
      fc.constantFrom<MoveWay>('transfer', 'structuredClone', 'postMessage'),
    )
    .map(([i, way]) => new MoveOutCmd(i, way)),
];

// -------------------------------------------------------------------- tests

const liveReal: Real[] = [];

function cleanup(r: Real): void {
  for (const ra of r.arenas) ra.arena.destroy();
  r.arenas = [];
}

describe('property: the binding behaves as the model, step by step', () => {
  afterAll(() => {
    for (const r of liveReal) cleanup(r);
    deinitThreadArena();
    resetConfig();
  });

  it(`matches the model over ${RUNS} random sequences`, () => {
    resetConfig();
    const envDefault = getConfig();
    // Panic would abort the test process; the model runs never configure it.
    expect(envDefault.overflowStrategy).not.toBe('panic');
    let sequences = 0;
    let commandsRun = 0;
    fc.assert(
      fc.property(fc.commands(allCommands, { maxCommands: 40, size: 'max' }), (cmds) => {
        sequences += 1;
        deinitThreadArena();
        resetConfig();
        resetMetrics();
        const base = metrics();
        const real: Real = { arenas: [], thread: null, tag: 0, moved: [] };
        liveReal.push(real);
        const setup = () => ({
          model: {
            arenas: [],
            thread: null,
            config: { ...envDefault },
            envDefault,
            totals: zeroTotals(),
            live: base.liveArenas,
            reserved: base.reservedBytes,
          } as Model,
          real,
        });
        try {
          fc.modelRun(setup, cmds);
        } finally {
          cleanup(real);
          deinitThreadArena();
          liveReal.pop();
        }
        commandsRun += [...cmds].length;
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: false },
    );
    console.log(
      `[property] sequences run: ${sequences} (asked ${RUNS}), commands generated: ${commandsRun}, ` +
        `states checked against the model: ${stepsChecked}, arena allocations: ${allocsServed}, fallbacks: ${fallbacksServed}, ` +
        `overflow errors: ${overflowsSeen}, rejected calls (state unchanged): ${rejectedCalls}, ` +
        `blocks moved out: ${movesOut}, arena bytes compared with the model: ${(memoryBytesCompared / 2 ** 20).toFixed(0)} MiB`,
    );
    expect(sequences).toBeGreaterThanOrEqual(RUNS);
    expect(allocsServed).toBeGreaterThan(RUNS);
    expect(fallbacksServed).toBeGreaterThan(0);
    expect(overflowsSeen).toBeGreaterThan(0);
    expect(movesOut).toBeGreaterThan(0);
  });

  it('alignment is of the address: views of a fresh arena align at every power of two up to 4096', () => {
    // The arena base is page-aligned, so an offset aligned to A is an address aligned to A.
    const arena = new Arena({ size: 1 << 16 });
    arena.alloc(1, 1);
    for (const a of POW2) {
      const v = arena.alloc(3, a);
      expect(arenaOffset(v) % a).toBe(0);
      // The address itself: paddingFor(buffer, A) is where the block's first A-aligned byte is.
      expect((v.byteOffset - binding.paddingFor(v.buffer as ArrayBuffer, a)) % a).toBe(0);
    }
    arena.destroy();
  });
});
