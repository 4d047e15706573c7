// Argument conversion: JavaScript values to the C types of engram_arena.h,
// with a TypeError or RangeError (and its code) for anything else.
#pragma once
#include <napi.h>

#include <cstdint>

#include "engram_arena.h"

namespace convert {

/// A non-negative integer no larger than 2^53-1; TypeError or RangeError otherwise.
/// `range_code` names the RangeError (size or alignment).
uint64_t ToCount(Napi::Env env, Napi::Value value, const char* name, const char* range_code);

/// An object of numbers, one per engram_arena_options_t field under its
/// JavaScript name (OptionsObject's form), as the C struct: a TypeError or
/// RangeError for a value no field can hold. Which values are valid options is
/// the library's to say (and the facade's to word).
engram_arena_options_t ToOptions(Napi::Env env, Napi::Value value);

/// The bytes of an ArrayBuffer argument.
struct Bytes {
  uint8_t* data;
  uint64_t length;
};

/// An attached ArrayBuffer's bytes: TypeError for anything else, ArenaError
/// ERR_ARENA_INTERNAL for a detached one (the facade never passes one; native
/// code must never touch memory whose buffer is gone).
Bytes ToAttachedBuffer(Napi::Env env, Napi::Value value, const char* name);

/// A real boolean; TypeError otherwise (no truthiness guessing).
bool ToBool(Napi::Env env, Napi::Value value, const char* name);

}  // namespace convert
