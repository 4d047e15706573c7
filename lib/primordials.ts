// Every built-in the package calls after it has loaded, captured while it
// loads (as Node's own lib/ does with its "primordials"). Code that patches
// or replaces a built-in later changes what user code sees, never which
// bytes the package hands to whom: nothing here is looked up again on a
// prototype or the global object.
import { AsyncLocalStorage } from 'node:async_hooks';
import {
  clearTimeout as nodeClearTimeout,
  setImmediate as nodeSetImmediate,
  setTimeout as nodeSetTimeout,
} from 'node:timers';

/**
 * `method` as a plain function taking its receiver first: `call.bind(method)`,
 * whose bound target is the original `Function.prototype.call`, so patching
 * `call` or `bind` afterwards changes nothing.
 */
const uncurryThis = Function.prototype.bind.bind(Function.prototype.call) as <T, A extends unknown[], R>(
  method: (this: T, ...args: A) => R,
) => (self: T, ...args: A) => R;

/** A getter of `proto`'s `key`, as a function of the receiver. */
function uncurryGetter<T, R>(proto: object, key: PropertyKey): (self: T) => R {
  return uncurryThis(Object.getOwnPropertyDescriptor(proto, key)!.get! as (this: T) => R);
}

export const ReflectApply = Reflect.apply;
export const ObjectCreate = Object.create;
export const ObjectDefineProperty = Object.defineProperty;
export const ObjectFreeze = Object.freeze;
export const ObjectKeys = Object.keys;
export const ObjectSetPrototypeOf = Object.setPrototypeOf;
export const NumberIsInteger = Number.isInteger;
export const NumberIsSafeInteger = Number.isSafeInteger;
export const JSONStringify = JSON.stringify;

export const ArrayBufferCtor = ArrayBuffer;
export const ArrayBufferPrototypeGetByteLength = uncurryGetter<ArrayBuffer, number>(
  ArrayBuffer.prototype,
  'byteLength',
);
/** `transfer()` where the runtime has it (Node 22+, Deno, Bun), else undefined. */
export const ArrayBufferPrototypeTransfer: ((self: ArrayBuffer) => ArrayBuffer) | undefined =
  typeof (ArrayBuffer.prototype as { transfer?: unknown }).transfer === 'function'
    ? uncurryThis((ArrayBuffer.prototype as unknown as { transfer: (this: ArrayBuffer) => ArrayBuffer }).transfer)
    : undefined;
export const StructuredClone: typeof structuredClone | undefined =
  typeof structuredClone === 'function' ? structuredClone : undefined;
export const Uint32ArrayCtor = Uint32Array;

export const MapCtor = Map;
export const MapPrototypeGet = uncurryThis(Map.prototype.get) as <K, V>(self: Map<K, V>, key: K) => V | undefined;
export const MapPrototypeSet = uncurryThis(Map.prototype.set) as <K, V>(self: Map<K, V>, key: K, value: V) => Map<K, V>;
export const MapPrototypeDelete = uncurryThis(Map.prototype.delete) as <K, V>(self: Map<K, V>, key: K) => boolean;
export const MapPrototypeGetSize = uncurryGetter<Map<unknown, unknown>, number>(Map.prototype, 'size');
export const MapPrototypeKeys = uncurryThis(Map.prototype.keys) as <K, V>(self: Map<K, V>) => IterableIterator<K>;
/** `next` of the iterators `Map.prototype.keys` makes. */
export const MapIteratorPrototypeNext = uncurryThis(Object.getPrototypeOf(new Map().keys()).next) as <K>(
  self: IterableIterator<K>,
) => IteratorResult<K>;

export const SetCtor = Set;
export const SetPrototypeAdd = uncurryThis(Set.prototype.add) as <T>(self: Set<T>, value: T) => Set<T>;
export const SetPrototypeDelete = uncurryThis(Set.prototype.delete) as <T>(self: Set<T>, value: T) => boolean;
export const SetPrototypeGetSize = uncurryGetter<Set<unknown>, number>(Set.prototype, 'size');

export const WeakSetCtor = WeakSet;
export const WeakSetPrototypeAdd = uncurryThis(WeakSet.prototype.add) as <T extends object>(
  self: WeakSet<T>,
  value: T,
) => WeakSet<T>;
export const WeakSetPrototypeHas = uncurryThis(WeakSet.prototype.has) as <T extends object>(
  self: WeakSet<T>,
  value: T,
) => boolean;

export const PromiseCtor = Promise;
export const PromiseResolve = Promise.resolve.bind(Promise) as <T>(value: T | PromiseLike<T>) => Promise<Awaited<T>>;
export const PromiseReject = Promise.reject.bind(Promise) as <T = never>(reason: unknown) => Promise<T>;
export const PromisePrototypeThen = uncurryThis(Promise.prototype.then) as <T, R1 = T, R2 = never>(
  self: Promise<T>,
  onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
  onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
) => Promise<R1 | R2>;

// node:timers' functions, not the globals, and taken now: `timers.setTimeout = …` later changes nothing.
export const SetTimeout = nodeSetTimeout;
export const ClearTimeout = nodeClearTimeout;
export const SetImmediate = nodeSetImmediate;

/**
 * An array that inherits nothing, so that appending to it (`list[list.length]
 * = x`) or reading it runs no user code (an index setter on Array.prototype).
 */
export function bareList<T>(): T[] {
  return ObjectSetPrototypeOf([], null) as T[];
}

export const AsyncLocalStorageCtor = AsyncLocalStorage;
export const AsyncLocalStoragePrototypeRun = uncurryThis(AsyncLocalStorage.prototype.run) as <
  S,
  R,
  A extends unknown[],
>(
  self: AsyncLocalStorage<S>,
  store: S,
  callback: (...args: A) => R,
  ...args: A
) => R;
export const AsyncLocalStoragePrototypeGetStore = uncurryThis(AsyncLocalStorage.prototype.getStore) as <S>(
  self: AsyncLocalStorage<S>,
) => S | undefined;
