// The global config, the global metrics and the library's limits.
#include <napi.h>

#include "api.h"
#include "convert.h"
#include "errors.h"
#include "fields.h"

namespace {

// setConfig(poolSizeBytes, overflowStrategy, zeroOnReset)
Napi::Value SetConfig(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  engram_config_t config = {};
  config.pool_size_bytes = convert::ToCount(env, info[0], "poolSize", errors::kInvalidSize);
  config.overflow_strategy = convert::ToStrategy(env, info[1]);
  config.zero_on_reset = convert::ToBool(env, info[2], "zeroOnReset") ? 1 : 0;
  errors::Check(env, engram_set_config(&config));
  return env.Undefined();
}

Napi::Value GetConfig(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  engram_config_t config;
  engram_get_config(&config);
  Napi::Object out = Napi::Object::New(env);
  out.Set("poolSize", static_cast<double>(config.pool_size_bytes));
  out.Set("overflowStrategy", convert::StrategyName(config.overflow_strategy));
  out.Set("zeroOnReset", config.zero_on_reset != 0);
  return out;
}

Napi::Value ResetConfig(const Napi::CallbackInfo& info) {
  engram_reset_config();
  return info.Env().Undefined();
}

// envErrors() -> ENGRAM_ENV_* bits for the variables present but invalid.
Napi::Value EnvErrors(const Napi::CallbackInfo& info) {
  engram_config_t config;
  engram_get_config(&config);  // loads the environment if nothing has yet
  return Napi::Number::New(info.Env(), engram_config_env_errors());
}

Napi::Value Metrics(const Napi::CallbackInfo& info) {
  engram_metrics_t metrics;
  engram_get_metrics(&metrics);
  return MetricsObject(info.Env(), metrics);
}

Napi::Value ResetMetrics(const Napi::CallbackInfo& info) {
  engram_reset_arena_metrics();
  return info.Env().Undefined();
}

}  // namespace

void RegisterConfigApi(Napi::Env env, Napi::Object exports) {
  exports.Set("setConfig", Napi::Function::New<SetConfig>(env));
  exports.Set("getConfig", Napi::Function::New<GetConfig>(env));
  exports.Set("resetConfig", Napi::Function::New<ResetConfig>(env));
  exports.Set("envErrors", Napi::Function::New<EnvErrors>(env));
  exports.Set("metrics", Napi::Function::New<Metrics>(env));
  exports.Set("resetMetrics", Napi::Function::New<ResetMetrics>(env));

  Napi::Object limits = Napi::Object::New(env);
  limits.Set("minPoolSize", static_cast<double>(ENGRAM_MIN_POOL_SIZE_BYTES));
  limits.Set("maxCapacity", static_cast<double>(ENGRAM_MAX_CAPACITY_BYTES));
  limits.Set("maxAlloc", static_cast<double>(ENGRAM_MAX_ALLOC_BYTES));
  limits.Set("maxAlignment", static_cast<double>(ENGRAM_MAX_ALIGNMENT));
  limits.Set("hostedSlack", static_cast<double>(ENGRAM_HOSTED_SLACK_BYTES));
  limits.Set("envSizeInvalid", static_cast<double>(ENGRAM_ENV_SIZE_INVALID));
  limits.Set("envOverflowInvalid", static_cast<double>(ENGRAM_ENV_OVERFLOW_INVALID));
  limits.Set("envZeroInvalid", static_cast<double>(ENGRAM_ENV_ZERO_INVALID));
  exports.Set("limits", limits);
  exports.Set("stateWords", StateWordsObject(env));
}
