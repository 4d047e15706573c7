// An arena's options between their JavaScript form ({ size, overflowStrategy:
// 'fallback', zeroOnReset: true }) and the C struct's (numbers), field by
// field from the generated list, so that an option added in zig/src/abi.zig
// needs no change here.
import { ARENA_OPTIONS_FIELDS, type ArenaOptions, OVERFLOW_STRATEGIES } from './abi';
import type { NativeOptions } from './binding';
import { ObjectCreate, ObjectDefineProperty } from './primordials';

/** Every option given: what an arena is made with, and the config. */
export type ArenaSettings = Required<ArenaOptions>;

type Field = (typeof ARENA_OPTIONS_FIELDS)[number];

/** A plain object's own data property, defined rather than assigned: no setter on Object.prototype runs. */
function defineOwn(target: object, key: string, value: unknown): void {
  const descriptor = ObjectCreate(null) as PropertyDescriptor;
  descriptor.value = value;
  descriptor.enumerable = true;
  descriptor.writable = true;
  descriptor.configurable = true;
  ObjectDefineProperty(target, key, descriptor);
}

function toNumber(field: Field, value: unknown): number {
  switch (field.kind) {
    case 'OverflowStrategy':
      for (let i = 0; i < OVERFLOW_STRATEGIES.length; i++) if (OVERFLOW_STRATEGIES[i] === value) return i;
      return -1; // validated before: the shim refuses it all the same
    case 'boolean':
      return value === true ? 1 : 0;
    default:
      return value as number;
  }
}

function fromNumber(field: Field, value: number): unknown {
  switch (field.kind) {
    case 'OverflowStrategy':
      return OVERFLOW_STRATEGIES[value];
    case 'boolean':
      return value !== 0;
    default:
      return value;
  }
}

/** Settings in the shim's form. */
export function toNative(settings: ArenaSettings): NativeOptions {
  const out = ObjectCreate(null) as Record<string, number>;
  for (let i = 0; i < ARENA_OPTIONS_FIELDS.length; i++) {
    const field = ARENA_OPTIONS_FIELDS[i];
    out[field.name] = toNumber(field, settings[field.name]);
  }
  return out as NativeOptions;
}

/** Settings from the shim's form, as a plain object for the user. */
export function fromNative(options: NativeOptions): ArenaSettings {
  const out = {};
  for (let i = 0; i < ARENA_OPTIONS_FIELDS.length; i++) {
    const field = ARENA_OPTIONS_FIELDS[i];
    defineOwn(out, field.name, fromNumber(field, options[field.name]));
  }
  return out as ArenaSettings;
}
