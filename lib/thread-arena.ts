// Windows: the external ArrayBuffers that views of arena memory are made on,
// how big they are, and how this runtime makes the views of an old epoch go
// dark. See native/arena_wrap.h for the native half.
import { isMainThread } from 'node:worker_threads';
import { binding, type NativeArena } from './binding';

/**
 * Bytes of a chunk. V8 counts a new external buffer's length as fresh memory
 * pressure until the shim corrects it, so windows stay far below V8's 64 MiB
 * trigger for a full GC.
 */
const CHUNK_BYTES = 4 * 1024 * 1024;
/**
 * The smallest window. Everything a window shows can be written through
 * `view.buffer`, so a zeroing reset zeroes every window's whole reach:
 * windows double from here, keeping that within about twice the bytes used.
 */
export const MIN_WINDOW_BYTES = 4 * 1024;

type Transfer = (this: ArrayBuffer) => ArrayBuffer;
const transfer = (ArrayBuffer.prototype as { transfer?: Transfer }).transfer;

/**
 * True when `buffer.transfer()` moves an external buffer's memory to the new
 * buffer without copying it, proved on a buffer the addon made exactly as it
 * makes windows. Then the facade ends an epoch by transferring its windows:
 * every old view is detached, and the same arena bytes live on in the new
 * buffer, with no native call and no new external buffer per epoch.
 */
function transferKeepsMemory(): boolean {
  if (typeof transfer !== 'function') return false;
  const probe = binding.probeBuffer();
  if (probe === null) return false;
  try {
    const moved = transfer.call(probe);
    return probe.byteLength === 0 && binding.probeIs(moved);
  } catch {
    return false;
  }
}

function chosenMode(): 'transfer' | 'native' {
  const forced = process.env.ENGRAM_ARENA_VIEWS;
  if (forced === 'native') return 'native';
  const works = transferKeepsMemory();
  if (forced === 'transfer' && !works) {
    throw new Error('ENGRAM_ARENA_VIEWS=transfer, but ArrayBuffer.prototype.transfer copies arena memory on this runtime');
  }
  return works ? 'transfer' : 'native';
}

/**
 * How old views go dark at reset: `transfer` (the facade transfers its
 * windows; Node 22+, Bun, Deno) or `native` (the shim detaches the windows it
 * keeps; Node 20). `ENGRAM_ARENA_VIEWS=native` forces the native path.
 */
export const VIEW_MODE = chosenMode();
export const TRANSFERS = VIEW_MODE === 'transfer';
// The shim's memory-pressure correction for windows it makes per epoch is
// safe only on Node 20's V8 (see NativeArena::ExternalView).
binding.setViewMode(TRANSFERS, !TRANSFERS && typeof transfer !== 'function');

// Windows are not marked untransferable: from Node 24 the mark makes a buffer
// undetachable, and Node never moves an external buffer through postMessage
// or structuredClone anyway (Node 20 copies it, Node 22+ throws
// DataCloneError; test/post-message.test.ts).

/** Moves `window`'s memory to a new buffer, detaching every view of the old one. */
export function moveOn(window: ArrayBuffer): ArrayBuffer {
  return transfer!.call(window);
}

/**
 * The bytes a window at `base` should span to hold arena bytes up to `last`
 * (inclusive) within its chunk, given that the previous epoch used `hint`
 * bytes: a steady workload then opens one window per chunk and epoch.
 */
export function windowBytes(base: number, last: number, hint: number, capacity: number): number {
  const chunk = capacity - base < CHUNK_BYTES ? capacity - base : CHUNK_BYTES;
  let wanted = last + 1 - base;
  if (hint > base + wanted) wanted = hint - base;
  let size = MIN_WINDOW_BYTES;
  while (size < wanted) size *= 2;
  return size < chunk ? size : chunk;
}

/** The chunk-aligned base of the window that holds arena byte `first`, or -1 if [first, last] straddles chunks. */
export function windowBase(first: number, last: number): number {
  // No Math.*: user code must not run while an allocation is half made.
  const base = first - (first % CHUNK_BYTES);
  return last < base + CHUNK_BYTES ? base : -1;
}

/**
 * What an arena has handed views out over in this epoch (transfer mode). Kept
 * apart from the Arena so that it outlives it: when an Arena is collected,
 * its record tells whether memory was moved out behind its back.
 */
export interface ViewRecord {
  readonly native: NativeArena;
  /** The newest window at the arena's start: the one carried to the next epoch. */
  home: ArrayBuffer | null;
  /** This epoch's other windows (rare: chunks past the first, outgrown windows). */
  readonly others: ArrayBuffer[];
  /** This epoch's non-empty fallback buffers. */
  readonly fallbacks: ArrayBuffer[];
}

/**
 * A list that inherits nothing, so appending to it can run no user code (a
 * setter or patched method on Array.prototype) while an allocation is half made.
 */
export function bareList<T>(): T[] {
  return Object.setPrototypeOf([], null) as T[];
}

export function append<T>(list: T[], item: T): void {
  list[list.length] = item;
}

function anyDetached(buffers: ArrayBuffer[]): boolean {
  for (let i = 0; i < buffers.length; i++) if (buffers[i].byteLength === 0) return true;
  return false;
}

/** True if a buffer we hold was detached by someone else: its memory was moved out. */
export function escaped(record: ViewRecord): boolean {
  return (
    (record.home !== null && record.home.byteLength === 0) ||
    (record.others.length !== 0 && anyDetached(record.others)) ||
    (record.fallbacks.length !== 0 && anyDetached(record.fallbacks))
  );
}

/** Detaches `buffers` (those not detached already) and empties the list. */
export function moveAllOn(buffers: ArrayBuffer[]): void {
  for (let i = 0; i < buffers.length; i++) if (buffers[i].byteLength !== 0) moveOn(buffers[i]);
  buffers.length = 0;
}

// Records of the live arenas of a worker, for its 'exit' scan.
const live = new Set<ViewRecord>();

// An Arena collected with a window moved out: its memory may be reachable
// from that buffer (perhaps in another thread), so it must never be freed.
const collected = new FinalizationRegistry<ViewRecord>((record) => {
  live.delete(record);
  if (escaped(record)) record.native.markEscaped();
});

/** Watches `record` for as long as `owner` lives (until {@link unwatch}). */
export function watch(owner: object, record: ViewRecord): void {
  collected.register(owner, record, owner);
  if (!isMainThread) live.add(record);
}

export function unwatch(owner: object, record: ViewRecord): void {
  collected.unregister(owner);
  live.delete(record);
}

// A worker's teardown detaches and finalizes every external buffer before any
// hook of ours runs, so memory that JavaScript moved out of an arena (and may
// have posted to another thread) can only be told apart now: such arenas are
// kept, never freed. (A terminate()d worker emits no 'exit'; see README.)
if (!isMainThread) {
  process.once('exit', () => {
    binding.scanEscapes();
    for (const record of live) if (escaped(record)) record.native.markEscaped();
  });
}
