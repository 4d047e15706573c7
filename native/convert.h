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

/// 'panic' | 'error_return' | 'fallback' to ENGRAM_OVERFLOW_*: a type check and a
/// lookup. Which names are valid, and the message for the others, is the
/// facade's (lib/validate.ts); an unknown name here means the internal binding
/// was called directly, and gets a generic RangeError.
uint8_t ToStrategy(Napi::Env env, Napi::Value value);
const char* StrategyName(uint8_t strategy);

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
