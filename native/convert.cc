#include "convert.h"

#include <cmath>
#include <string>

#include "errors.h"

namespace convert {
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

std::string Describe(Napi::Value value) {
  switch (value.Type()) {
    case napi_undefined:
      return "undefined";
    case napi_null:
      return "null";
    case napi_boolean:
      return "a boolean";
    case napi_number:
      return "a number";
    case napi_string:
      return "a string";
    case napi_symbol:
      return "a symbol";
    case napi_bigint:
      return "a bigint";
    case napi_function:
      return "a function";
    default:
      return "an object";
  }
}

}  // namespace

uint64_t ToCount(Napi::Env env, Napi::Value value, const char* name, const char* range_code) {
  if (!value.IsNumber()) {
    errors::ThrowTypeError(env, errors::kInvalidArgType,
                           std::string(name) + " must be a number, got " + Describe(value));
  }
  const double number = value.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(number) || number < 0 || std::floor(number) != number || number > kMaxSafeInteger) {
    errors::ThrowRangeError(env, range_code,
                            std::string(name) + " must be a non-negative integer, got " + value.ToString().Utf8Value());
  }
  return static_cast<uint64_t>(number);
}

uint8_t ToStrategy(Napi::Env env, Napi::Value value) {
  if (!value.IsString()) {
    errors::ThrowTypeError(env, errors::kInvalidArgType, "overflowStrategy must be a string, got " + Describe(value));
  }
  const std::string name = value.As<Napi::String>().Utf8Value();
  for (const Strategy& strategy : kStrategies) {
    if (name == strategy.name) return strategy.value;
  }
  // The facade refuses unknown names with the message users see (lib/validate.ts);
  // only a direct call of the internal binding gets here.
  errors::ThrowRangeError(env, errors::kInvalidArgValue, "unknown overflowStrategy '" + name + "'");
}

const char* StrategyName(uint8_t strategy) {
  for (const Strategy& known : kStrategies) {
    if (strategy == known.value) return known.name;
  }
  return "error_return";
}

bool ToBool(Napi::Env env, Napi::Value value, const char* name) {
  if (!value.IsBoolean()) {
    errors::ThrowTypeError(env, errors::kInvalidArgType,
                           std::string(name) + " must be a boolean, got " + Describe(value));
  }
  return value.As<Napi::Boolean>().Value();
}

Bytes ToAttachedBuffer(Napi::Env env, Napi::Value value, const char* name) {
  if (!value.IsArrayBuffer()) {
    errors::ThrowTypeError(env, errors::kInvalidArgType,
                           std::string(name) + " must be an ArrayBuffer, got " + Describe(value));
  }
  void* data = nullptr;
  size_t length = 0;
  if (napi_get_arraybuffer_info(env, value, &data, &length) != napi_ok) throw Napi::Error::New(env);
  if (data == nullptr || length == 0) {
    bool detached = false;
    napi_is_detached_arraybuffer(env, value, &detached);
    if (detached)
      errors::ThrowArenaError(env, errors::kInternal,
                              std::string(name) + " was detached before native code could use it");
    errors::ThrowRangeError(env, errors::kInvalidSize, std::string(name) + " is empty");
  }
  return Bytes{static_cast<uint8_t*>(data), static_cast<uint64_t>(length)};
}

}  // namespace convert
