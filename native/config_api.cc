// The global config, the global metrics and the ABI's identity.
#include <napi.h>

#include "api.h"
#include "convert.h"
#include "errors.h"
#include "fields.h"

namespace {

// setConfig(options): the whole config, in OptionsObject's form.
Napi::Value SetConfig(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const engram_arena_options_t options = convert::ToOptions(env, info[0]);
  errors::CheckOptions(env, engram_set_config(&options));
  return env.Undefined();
}

// getConfig() -> the config in force, in OptionsObject's form.
Napi::Value GetConfig(const Napi::CallbackInfo& info) {
  engram_arena_options_t options;
  engram_get_config(&options);
  return OptionsObject(info.Env(), options);
}

Napi::Value ResetConfig(const Napi::CallbackInfo& info) {
  engram_reset_config();
  return info.Env().Undefined();
}

// envErrors() -> ENGRAM_ENV_* bits for the variables present but invalid.
Napi::Value EnvErrors(const Napi::CallbackInfo& info) {
  engram_arena_options_t config;
  engram_get_config(&config);  // loads the environment if nothing has yet
  return Napi::Number::New(info.Env(), engram_config_env_errors());
}

Napi::Value Metrics(const Napi::CallbackInfo& info) {
  engram_arena_metrics_t metrics;
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

  // The facade's generated lib/abi.ts carries the same hash: a binary built
  // from another zig/src/abi.zig than the dist/ beside it is refused at load.
  exports.Set("abiHash", static_cast<double>(ENGRAM_ABI_HASH));
}
