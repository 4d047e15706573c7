// Argument conversion and the mapping of engram_arena.h status codes to errors.
#pragma once
#include <napi.h>
#include <cstdint>

#include "engram_arena.h"

namespace status {

/// The codes the shim throws. Each is a row of CODES in lib/errors.ts, the
/// package's one table of codes (class, meaning), marked `native: true` there;
/// test/errors.test.ts fails when this directory and that table disagree.
constexpr const char* kInvalidSize = "ERR_ARENA_INVALID_SIZE";
constexpr const char* kInvalidAlignment = "ERR_ARENA_INVALID_ALIGNMENT";
constexpr const char* kInvalidArgType = "ERR_INVALID_ARG_TYPE";
constexpr const char* kInvalidArgValue = "ERR_INVALID_ARG_VALUE";
constexpr const char* kOverflow = "ERR_ARENA_OVERFLOW";
constexpr const char* kDestroyed = "ERR_ARENA_DESTROYED";
constexpr const char* kInit = "ERR_ARENA_INIT";
constexpr const char* kInternal = "ERR_ARENA_INTERNAL";

/// Throws a TypeError or RangeError carrying `code`.
[[noreturn]] void ThrowTypeError(Napi::Env env, const char* code, const std::string& message);
[[noreturn]] void ThrowRangeError(Napi::Env env, const char* code, const std::string& message);
/// Throws an ArenaError (or plain Error before the facade registered its classes).
[[noreturn]] void ThrowArenaError(Napi::Env env, const char* code, const std::string& message);
/// Throws ArenaDestroyedError.
[[noreturn]] void ThrowDestroyed(Napi::Env env);

/// What an allocation asked for, so that an overflow error can say it.
struct Request {
  uint64_t size_bytes;
  uint64_t alignment;
  uint64_t remaining_bytes;
};

/// Throws the error for a non-OK status. `request` is used for overflows.
[[noreturn]] void Throw(Napi::Env env, int32_t code, const Request* request = nullptr);

/// Throws unless `code` is ENGRAM_OK.
inline void Check(Napi::Env env, int32_t code) {
  if (code != ENGRAM_OK) Throw(env, code);
}

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

}  // namespace status
