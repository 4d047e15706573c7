// The errors the shim throws: their codes, the facade's classes for them, and
// the mapping of engram_arena.h status codes to them.
#pragma once
#include <napi.h>

#include <cstdint>

#include "engram_arena.h"

namespace errors {

/// The codes the shim throws. Each is a row of CODES in lib/errors.ts, the
/// package's one table of codes (class, meaning), marked `native: true` there;
/// test/unit/errors.test.ts fails when this directory and that table disagree.
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

/// Check for a call given engram_arena_options_t: there ENGRAM_ERR_INVALID_ARGUMENT
/// means a field's value is none the library knows (a RangeError), not a bug.
void CheckOptions(Napi::Env env, int32_t code);

}  // namespace errors
