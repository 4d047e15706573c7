#include "status.h"

#include <cmath>
#include <string>

#include "api.h"
#include "env_data.h"

namespace status {
namespace {

constexpr double kMaxSafeInteger = 9007199254740991.0;

/// The names of the ENGRAM_OVERFLOW_* values, both ways.
struct Strategy {
  const char* name;
  uint8_t value;
};
constexpr Strategy kStrategies[] = {{"panic", ENGRAM_OVERFLOW_PANIC},
                                    {"error_return", ENGRAM_OVERFLOW_ERROR_RETURN},
                                    {"fallback", ENGRAM_OVERFLOW_FALLBACK}};

[[noreturn]] void ThrowValue(Napi::Error error, const char* code) {
  error.Set("code", Napi::String::New(error.Env(), code));
  throw error;
}

/// Builds `new cls(message, details)`, or an Error with `code` when the facade
/// has not registered its classes (someone loaded the .node directly).
[[noreturn]] void ThrowClass(Napi::Env env, Napi::FunctionReference& cls, const char* code,
                             const std::string& message, Napi::Object details) {
  if (cls.IsEmpty()) {
    Napi::Error error = Napi::Error::New(env, message);
    error.Value().Set("details", details);
    ThrowValue(error, code);
  }
  details.Set("code", code);
  Napi::Value instance = cls.New({Napi::String::New(env, message), details});
  throw Napi::Error(env, instance);
}

std::string Describe(Napi::Value value) {
  switch (value.Type()) {
    case napi_undefined: return "undefined";
    case napi_null: return "null";
    case napi_boolean: return "a boolean";
    case napi_number: return "a number";
    case napi_string: return "a string";
    case napi_symbol: return "a symbol";
    case napi_bigint: return "a bigint";
    case napi_function: return "a function";
    default: return "an object";
  }
}

}  // namespace

void ThrowTypeError(Napi::Env env, const char* code, const std::string& message) {
  ThrowValue(Napi::TypeError::New(env, message), code);
}

void ThrowRangeError(Napi::Env env, const char* code, const std::string& message) {
  ThrowValue(Napi::RangeError::New(env, message), code);
}

void ThrowArenaError(Napi::Env env, const char* code, const std::string& message) {
  ThrowClass(env, GetEnvData(env)->arena_error, code, message, Napi::Object::New(env));
}

void ThrowDestroyed(Napi::Env env) {
  ThrowClass(env, GetEnvData(env)->destroyed_error, kDestroyed,
             "the arena was destroyed; its memory is gone", Napi::Object::New(env));
}

void Throw(Napi::Env env, int32_t code, const Request* request) {
  switch (code) {
    case ENGRAM_ERR_OUT_OF_CAPACITY: {
      Napi::Object details = Napi::Object::New(env);
      std::string message = "arena overflow";
      if (request != nullptr) {
        details.Set("requested", static_cast<double>(request->size_bytes));
        details.Set("alignment", static_cast<double>(request->alignment));
        details.Set("remaining", static_cast<double>(request->remaining_bytes));
        message += ": " + std::to_string(request->size_bytes) + " bytes requested (alignment " +
                   std::to_string(request->alignment) + "), " +
                   std::to_string(request->remaining_bytes) + " bytes remain";
      }
      ThrowClass(env, GetEnvData(env)->overflow_error, kOverflow, message, details);
    }
    case ENGRAM_ERR_INVALID_ALIGNMENT:
      ThrowRangeError(env, kInvalidAlignment,
                      "alignment must be a power of two from 1 to " +
                          std::to_string(ENGRAM_MAX_ALIGNMENT));
    case ENGRAM_ERR_INVALID_SIZE:
      ThrowRangeError(env, kInvalidSize,
                      "size must be at most " + std::to_string(ENGRAM_MAX_ALLOC_BYTES) +
                          " bytes (1 GiB); pool sizes at least " +
                          std::to_string(ENGRAM_MIN_POOL_SIZE_BYTES));
    case ENGRAM_ERR_INIT_FAILED:
      ThrowClass(env, GetEnvData(env)->init_error, kInit,
                 "could not reserve memory for the arena", Napi::Object::New(env));
    case ENGRAM_ERR_DESTROYED:
      ThrowDestroyed(env);
    default:
      ThrowArenaError(env, kInternal,
                      "engram-arena internal error: status " + std::to_string(code));
  }
}

uint64_t ToCount(Napi::Env env, Napi::Value value, const char* name, const char* range_code) {
  if (!value.IsNumber()) {
    ThrowTypeError(env, kInvalidArgType,
                   std::string(name) + " must be a number, got " + Describe(value));
  }
  const double number = value.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(number) || number < 0 || std::floor(number) != number ||
      number > kMaxSafeInteger) {
    ThrowRangeError(env, range_code,
                    std::string(name) + " must be a non-negative integer, got " +
                        value.ToString().Utf8Value());
  }
  return static_cast<uint64_t>(number);
}

uint8_t ToStrategy(Napi::Env env, Napi::Value value) {
  if (!value.IsString()) {
    ThrowTypeError(env, kInvalidArgType,
                   "overflowStrategy must be a string, got " + Describe(value));
  }
  const std::string name = value.As<Napi::String>().Utf8Value();
  for (const Strategy& strategy : kStrategies) {
    if (name == strategy.name) return strategy.value;
  }
  // The facade refuses unknown names with the message users see (lib/validate.ts);
  // only a direct call of the internal binding gets here.
  ThrowRangeError(env, kInvalidArgValue, "unknown overflowStrategy '" + name + "'");
}

const char* StrategyName(uint8_t strategy) {
  for (const Strategy& known : kStrategies) {
    if (strategy == known.value) return known.name;
  }
  return "error_return";
}

bool ToBool(Napi::Env env, Napi::Value value, const char* name) {
  if (!value.IsBoolean()) {
    ThrowTypeError(env, kInvalidArgType,
                   std::string(name) + " must be a boolean, got " + Describe(value));
  }
  return value.As<Napi::Boolean>().Value();
}

Bytes ToAttachedBuffer(Napi::Env env, Napi::Value value, const char* name) {
  if (!value.IsArrayBuffer()) {
    ThrowTypeError(env, kInvalidArgType, std::string(name) + " must be an ArrayBuffer, got " + Describe(value));
  }
  void* data = nullptr;
  size_t length = 0;
  if (napi_get_arraybuffer_info(env, value, &data, &length) != napi_ok) throw Napi::Error::New(env);
  if (data == nullptr || length == 0) {
    bool detached = false;
    napi_is_detached_arraybuffer(env, value, &detached);
    if (detached) ThrowArenaError(env, kInternal, std::string(name) + " was detached before native code could use it");
    ThrowRangeError(env, kInvalidSize, std::string(name) + " is empty");
  }
  return Bytes{static_cast<uint8_t*>(data), static_cast<uint64_t>(length)};
}

}  // namespace status

namespace {

// setErrorClasses({ ArenaError, ArenaOverflowError, ArenaDestroyedError, ArenaInitError })
Napi::Value SetErrorClasses(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsObject()) status::ThrowTypeError(env, status::kInvalidArgType, "expected an object");
  Napi::Object classes = info[0].As<Napi::Object>();
  EnvData* data = GetEnvData(env);
  struct Slot { const char* name; Napi::FunctionReference* ref; };
  const Slot slots[] = {{"ArenaError", &data->arena_error},
                        {"ArenaOverflowError", &data->overflow_error},
                        {"ArenaDestroyedError", &data->destroyed_error},
                        {"ArenaInitError", &data->init_error}};
  for (const Slot& slot : slots) {
    Napi::Value cls = classes.Get(slot.name);
    if (!cls.IsFunction()) {
      status::ThrowTypeError(env, status::kInvalidArgType, std::string(slot.name) + " must be a class");
    }
    *slot.ref = Napi::Persistent(cls.As<Napi::Function>());
  }
  return env.Undefined();
}

}  // namespace

void RegisterErrorApi(Napi::Env env, Napi::Object exports) {
  exports.Set("setErrorClasses", Napi::Function::New<SetErrorClasses>(env));
}
