#include "errors.h"

#include <string>

#include "api.h"
#include "env_data.h"

namespace errors {
namespace {

[[noreturn]] void ThrowValue(Napi::Error error, const char* code) {
  error.Set("code", Napi::String::New(error.Env(), code));
  throw error;
}

/// Builds `new cls(message, details)`, or an Error with `code` when the facade
/// has not registered its classes (someone loaded the .node directly).
[[noreturn]] void ThrowClass(Napi::Env env, Napi::FunctionReference& cls, const char* code, const std::string& message,
                             Napi::Object details) {
  if (cls.IsEmpty()) {
    Napi::Error error = Napi::Error::New(env, message);
    error.Value().Set("details", details);
    ThrowValue(error, code);
  }
  details.Set("code", code);
  Napi::Value instance = cls.New({Napi::String::New(env, message), details});
  throw Napi::Error(env, instance);
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
  ThrowClass(env, GetEnvData(env)->destroyed_error, kDestroyed, "the arena was destroyed; its memory is gone",
             Napi::Object::New(env));
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
                   std::to_string(request->alignment) + "), " + std::to_string(request->remaining_bytes) +
                   " bytes remain";
      }
      ThrowClass(env, GetEnvData(env)->overflow_error, kOverflow, message, details);
    }
    case ENGRAM_ERR_INVALID_ALIGNMENT:
      ThrowRangeError(env, kInvalidAlignment,
                      "alignment must be a power of two from 1 to " + std::to_string(ENGRAM_MAX_ALIGNMENT));
    case ENGRAM_ERR_INVALID_SIZE:
      ThrowRangeError(env, kInvalidSize,
                      "size must be at most " + std::to_string(ENGRAM_MAX_ALLOC_BYTES) +
                          " bytes (1 GiB); config sizes at least " + std::to_string(ENGRAM_MIN_CONFIG_SIZE_BYTES));
    case ENGRAM_ERR_INIT_FAILED:
      ThrowClass(env, GetEnvData(env)->init_error, kInit, "could not reserve memory for the arena",
                 Napi::Object::New(env));
    case ENGRAM_ERR_DESTROYED:
      ThrowDestroyed(env);
    default:
      ThrowArenaError(env, kInternal, "engram-arena internal error: status " + std::to_string(code));
  }
}

void CheckOptions(Napi::Env env, int32_t code) {
  if (code == ENGRAM_ERR_INVALID_ARGUMENT) {
    ThrowRangeError(env, kInvalidArgValue, "options: an unknown overflow strategy, or a flag neither 0 nor 1");
  }
  Check(env, code);
}

}  // namespace errors

namespace {

// setErrorClasses({ ArenaError, ArenaOverflowError, ArenaDestroyedError, ArenaInitError })
Napi::Value SetErrorClasses(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsObject()) errors::ThrowTypeError(env, errors::kInvalidArgType, "expected an object");
  Napi::Object classes = info[0].As<Napi::Object>();
  EnvData* data = GetEnvData(env);
  struct Slot {
    const char* name;
    Napi::FunctionReference* ref;
  };
  const Slot slots[] = {{"ArenaError", &data->arena_error},
                        {"ArenaOverflowError", &data->overflow_error},
                        {"ArenaDestroyedError", &data->destroyed_error},
                        {"ArenaInitError", &data->init_error}};
  for (const Slot& slot : slots) {
    Napi::Value cls = classes.Get(slot.name);
    if (!cls.IsFunction()) {
      errors::ThrowTypeError(env, errors::kInvalidArgType, std::string(slot.name) + " must be a class");
    }
    *slot.ref = Napi::Persistent(cls.As<Napi::Function>());
  }
  return env.Undefined();
}

}  // namespace

void RegisterErrorApi(Napi::Env env, Napi::Object exports) {
  exports.Set("setErrorClasses", Napi::Function::New<SetErrorClasses>(env));
}
