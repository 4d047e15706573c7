// The typed array classes Arena.allocArray() makes views of.
import { ObjectFreeze } from './primordials';

/** Typed array constructors that {@link Arena.allocArray} accepts. */
export type TypedArrayConstructor =
  | Int8ArrayConstructor
  | Uint8ArrayConstructor
  | Uint8ClampedArrayConstructor
  | Int16ArrayConstructor
  | Uint16ArrayConstructor
  | Int32ArrayConstructor
  | Uint32ArrayConstructor
  | Float32ArrayConstructor
  | Float64ArrayConstructor
  | BigInt64ArrayConstructor
  | BigUint64ArrayConstructor;

// Compared by identity, captured at load: no Set method a user could patch.
const TYPED_ARRAYS: readonly unknown[] = ObjectFreeze([
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
]);

/** Whether `value` is one of the built-in typed array constructors (as they were at load). */
export function isTypedArrayConstructor(value: unknown): boolean {
  for (let i = 0; i < TYPED_ARRAYS.length; i++) if (TYPED_ARRAYS[i] === value) return true;
  return false;
}
