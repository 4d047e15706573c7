#include "convert.h"

#include <cmath>
#include <limits>
#include <string>

#include "errors.h"

namespace convert {
namespace {

constexpr double kMaxSafeInteger = 9007199254740991.0;

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

/// `count` as the type of `field`, or a RangeError when it does not fit.
template <typename Field>
Field Narrow(Napi::Env env, uint64_t count, const char* name) {
  if (count > std::numeric_limits<Field>::max()) {
    errors::ThrowRangeError(env, errors::kInvalidArgValue, std::string(name) + " is out of range");
  }
  return static_cast<Field>(count);
}

engram_arena_options_t ToOptions(Napi::Env env, Napi::Value value) {
  if (!value.IsObject()) {
    errors::ThrowTypeError(env, errors::kInvalidArgType, "options must be an object, got " + Describe(value));
  }
  const Napi::Object object = value.As<Napi::Object>();
  engram_arena_options_t options = {};
#define ENGRAM_READ_FIELD(c_field, js_name)            \
  options.c_field = Narrow<decltype(options.c_field)>( \
      env, ToCount(env, object.Get(#js_name), #js_name, errors::kInvalidArgValue), #js_name);
  ENGRAM_ARENA_OPTIONS_FIELDS(ENGRAM_READ_FIELD)
#undef ENGRAM_READ_FIELD
  return options;
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
