// Arena memory: engine-owned ArrayBuffers, the genuine Buffers made over them,
// and how an epoch's views go dark. Every built-in used here is captured when
// the package loads, so that code patching built-ins later cannot change who
// owns which bytes (docs/design.md, "Memory").
import { Buffer } from 'node:buffer';
import { binding } from './binding';
import { ArenaInitError } from './errors';
import {
  ArrayBufferCtor,
  ArrayBufferPrototypeGetByteLength,
  ArrayBufferPrototypeTransfer,
  bareList,
  ReflectApply,
  SetImmediate,
  StructuredClone,
  Uint32ArrayCtor,
} from './primordials';

/**
 * The class the runtime makes its own Buffers with, `Buffer[Symbol.species]`:
 * Node's internal FastBuffer on Node and Deno, Buffer itself on Bun (whose
 * constructor, unlike Node's, is not deprecated and makes a view). Views made
 * with it are genuine Buffers, indistinguishable from `Buffer.from`'s. A
 * runtime without one gets `Buffer.from(arrayBuffer, offset, length)`, the
 * same view at a higher cost.
 */
type BufferClass = new (memory: ArrayBuffer, offset: number, length: number) => Buffer;
const species = (Buffer as unknown as Record<symbol, unknown>)[Symbol.species] as BufferClass | undefined;
const bufferFrom = Buffer.from;
/** Called with `new`, returns the Buffer.from view (a constructor may return an object). */
function ViewByFrom(memory: ArrayBuffer, offset: number, length: number): Buffer {
  return ReflectApply(bufferFrom, Buffer, [memory, offset, length]) as Buffer;
}
/** `new BufferView(memory, offset, length)`: a genuine Buffer over those bytes, no copy. */
export const BufferView: BufferClass =
  typeof species === 'function' && species.prototype === Buffer.prototype
    ? species
    : (ViewByFrom as unknown as BufferClass);

/** Bytes of a live ArrayBuffer, 0 once detached, whatever user code did to the prototype. */
export function byteLengthOf(buffer: ArrayBuffer): number {
  return ArrayBufferPrototypeGetByteLength(buffer);
}

/** A zero-filled engine-owned ArrayBuffer for an arena or a fallback; ArenaInitError when the engine refuses it. */
export function reserveMemory(bytes: number): ArrayBuffer {
  try {
    return new ArrayBufferCtor(bytes);
  } catch {
    throw new ArenaInitError(`could not reserve ${bytes} bytes of arena memory`);
  }
}

/** A Uint32Array over `buffer`, made with the constructor captured at load. */
export function wordsOver(buffer: ArrayBuffer): Uint32Array {
  return new Uint32ArrayCtor(buffer);
}

/**
 * How this runtime moves an ArrayBuffer's memory into a new buffer, detaching
 * the old one and every view of it: `transfer()` (Node 22+, Deno, Bun), or a
 * structured clone with a transfer list (Node 20). Both keep the same memory
 * on V8; Bun copies it.
 */
export const MOVE: 'transfer' | 'structuredClone' =
  ArrayBufferPrototypeTransfer !== undefined ? 'transfer' : 'structuredClone';

/**
 * Moves `buffer`'s memory into a new ArrayBuffer, so that every view made
 * before reads as empty; returns the new buffer, or null when the memory could
 * not be moved: it was moved out already (the user owns it now) or the user
 * pinned it (`markAsUntransferable` makes a buffer undetachable on Node 24+).
 * Either way no view of ours can reach it after, and the caller must go on
 * with fresh memory.
 */
export const moveOut: (buffer: ArrayBuffer) => ArrayBuffer | null =
  ArrayBufferPrototypeTransfer !== undefined ? moveByTransfer : moveByClone;

/** transfer(), captured: it detaches the old buffer or throws (detached or pinned). */
function moveByTransfer(buffer: ArrayBuffer): ArrayBuffer | null {
  try {
    return ArrayBufferPrototypeTransfer!(buffer);
  } catch {
    return null;
  }
}

/**
 * A structured clone with a transfer list (Node 20). It runs through a
 * MessagePort that user code can patch, so its result is checked, not
 * trusted: the old buffer detached, the new one whole.
 */
function moveByClone(buffer: ArrayBuffer): ArrayBuffer | null {
  const bytes = byteLengthOf(buffer);
  if (bytes === 0) return null;
  let moved: ArrayBuffer;
  try {
    // An own data property and an array literal: nothing on a prototype is consulted.
    moved = StructuredClone!(buffer, { transfer: [buffer] });
  } catch {
    return null;
  }
  if (byteLengthOf(buffer) !== 0 || byteLengthOf(moved) !== bytes) return null;
  return moved;
}

// Memory of destroyed arenas, kept until the current task has ended.
let buried: ArrayBuffer[] = bareList();
let burialScheduled = false;

function freeBuried(): void {
  const list = buried;
  buried = bareList();
  burialScheduled = false;
  for (let i = 0; i < list.length; i++) binding.freeMemory(list[i]);
}

/**
 * Gives a destroyed arena's memory back: its pages now (the mapping stays, so
 * a late write lands in a fresh zero page), the block itself once the current
 * task has ended. Native code that took a pointer before the call that
 * destroyed the arena (`Buffer#fill` whose `valueOf` destroys it) may still
 * write there until that call returns. A macrotask, not a microtask: user
 * code can drain microtasks synchronously (`process._tickCallback()`).
 */
export function bury(memory: ArrayBuffer): void {
  binding.discardMemory(memory);
  buried[buried.length] = memory;
  if (!burialScheduled) {
    burialScheduled = true;
    SetImmediate(freeBuried);
  }
}
