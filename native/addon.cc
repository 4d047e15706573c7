// Module entry: the free functions of the binding and per-environment setup.
// lib/binding.ts describes this surface for the facade.
#include <napi.h>

#include <vector>

#include "arena_wrap.h"
#include "env_data.h"
#include "fields.h"
#include "status.h"

namespace {

Napi::Object ConfigObject(Napi::Env env, const engram_config_t& config) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("poolSize", static_cast<double>(config.pool_size_bytes));
  out.Set("overflowStrategy", status::StrategyName(config.overflow_strategy));
  out.Set("zeroOnReset", config.zero_on_reset != 0);
  return out;
}

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

// setConfig(poolSizeBytes, overflowStrategy, zeroOnReset)
Napi::Value SetConfig(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  engram_config_t config = {};
  config.pool_size_bytes = status::ToCount(env, info[0], "poolSize", status::kInvalidSize);
  config.overflow_strategy = status::ToStrategy(env, info[1]);
  config.zero_on_reset = status::ToBool(env, info[2], "zeroOnReset") ? 1 : 0;
  status::Check(env, engram_set_config(&config));
  return env.Undefined();
}

Napi::Value GetConfig(const Napi::CallbackInfo& info) {
  engram_config_t config;
  engram_get_config(&config);
  return ConfigObject(info.Env(), config);
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

// threadArena() -> the wrapper of this thread's arena, made on first use.
Napi::Value ThreadArena(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EnvData* data = GetEnvData(env);
  if (data->thread_arena != nullptr) return data->thread_wrapper.Value();
  engram_arena* arena = nullptr;
  status::Check(env, engram_thread_arena(&arena));
  Napi::Object wrapper = NativeArena::NewThreadWrapper(env, arena);
  data->thread_wrapper = Napi::Persistent(wrapper);
  data->thread_arena = NativeArena::Unwrap(wrapper);
  return wrapper;
}

Napi::Value ResetThreadArena(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EnvData* data = GetEnvData(env);
  if (data->thread_arena != nullptr) {
    data->thread_arena->ResetNow(env);
  } else {
    engram_reset_arenas();  // no wrapper means no views to detach
  }
  return env.Undefined();
}

Napi::Value DeinitThreadArena(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EnvData* data = GetEnvData(env);
  if (data->thread_arena != nullptr) {
    // Retire frees it, or hands it over to the views if one escaped.
    // Forgotten only once retired: if Retire throws (a worker being
    // terminated), the thread keeps one wrapper over its arena, never two.
    data->thread_arena->Retire(env);
    data->thread_arena = nullptr;
    data->thread_wrapper.Reset();
  } else {
    engram_deinit_thread_arena();  // no wrapper means no views to detach
  }
  return env.Undefined();
}

// scanEscapes(): called on a worker's 'exit' event, before Node's teardown
// detaches every external buffer itself (see ArenaBlock::escaped).
Napi::Value ScanEscapes(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EnvData* data = GetEnvData(env);
  // Copy: a disowned thread arena's wrapper may leave the set meanwhile.
  std::vector<NativeArena*> wrappers(data->wrappers.begin(), data->wrappers.end());
  for (NativeArena* wrapper : wrappers) wrapper->ScanForEscape(env);
  return env.Undefined();
}

// setViewMode(jsOwnsViews, correctPressure): whether the facade detaches
// windows itself, and whether windows get the memory-pressure correction (see
// NativeArena::ExternalView). Set once per environment, before the first arena.
Napi::Value SetViewMode(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EnvData* data = GetEnvData(env);
  data->js_owns_views = status::ToBool(env, info[0], "jsOwnsViews");
  data->correct_pressure = status::ToBool(env, info[1], "correctPressure");
  return env.Undefined();
}

constexpr size_t kProbeBytes = 64;

void FreeProbe(napi_env /*env*/, void* data, void* /*hint*/) { delete[] static_cast<uint8_t*>(data); }

// probeBuffer() -> a small external ArrayBuffer made exactly as arena windows
// are, for the facade's start-up check that transfer() keeps the same memory.
Napi::Value ProbeBuffer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint8_t* bytes = new uint8_t[kProbeBytes]();
  napi_value out = nullptr;
  if (napi_create_external_arraybuffer(env, bytes, kProbeBytes, FreeProbe, nullptr, &out) != napi_ok) {
    delete[] bytes;
    return env.Null();  // no external buffers here: the facade reports it at the first arena
  }
  GetEnvData(env)->probe = bytes;
  return Napi::Value(env, out);
}

// probeIs(buffer) -> whether `buffer` is backed by the last probe's memory.
Napi::Value ProbeIs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  void* data = nullptr;
  size_t length = 0;
  const bool same = info[0].IsArrayBuffer() &&
                    napi_get_arraybuffer_info(env, info[0], &data, &length) == napi_ok &&
                    data == GetEnvData(env)->probe && length == kProbeBytes;
  return Napi::Boolean::New(env, same);
}

// freeRetired(): gives back the memory of arenas destroyed earlier in this
// JavaScript turn; the facade schedules it as a microtask after each destroy.
Napi::Value FreeRetiredExport(const Napi::CallbackInfo& info) {
  FreeRetired(info.Env());
  return info.Env().Undefined();
}

Napi::Value TestingFailReservations(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const uint64_t count = status::ToCount(env, info[0], "count", status::kInvalidSize);
  engram_testing_fail_reservations(static_cast<uint32_t>(count > UINT32_MAX ? UINT32_MAX : count));
  return env.Undefined();
}

}  // namespace

// Runs early at teardown (RearmTeardownScan keeps it the newest hook), before
// Node-API finalizes the wrappers: tells each wrapper that the environment is
// going away, so its destructor neither scans views that Node detached itself
// nor touches EnvData, and notes whether the thread arena escaped (found
// earlier: at a reset, destroy, collection or the worker's 'exit').
void TeardownScan(void* arg) {
  EnvData* data = static_cast<EnvData*>(arg);
  Napi::HandleScope scope(data->env);  // cleanup hooks run outside any scope
  for (NativeArena* wrapper : data->wrappers) {
    const bool escaped = wrapper->PrepareTeardown();
    if (wrapper == data->thread_arena) data->thread_escaped = escaped;
  }
}

void RearmTeardownScan(Napi::Env env) {
  EnvData* data = GetEnvData(env);
  if (data == nullptr) return;
  if (data->scan_armed) napi_remove_env_cleanup_hook(env, TeardownScan, data);
  data->scan_armed = napi_add_env_cleanup_hook(env, TeardownScan, data) == napi_ok;
}

namespace {

// Runs on the environment's own thread when it is torn down (a worker exiting,
// or the main thread at exit): its thread arena goes with it.
void CleanupEnv(void* arg) {
  EnvData* data = static_cast<EnvData*>(arg);
  FreeRetired(data->env);
  if (data->thread_arena != nullptr) data->thread_arena->ForgetArena();
  if (data->thread_escaped) {
    engram_arena* owned = nullptr;
    engram_thread_arena_disown(&owned);  // kept forever: see ArenaBlock::escaped
  } else {
    engram_deinit_thread_arena();
  }
  napi_set_instance_data(data->env, nullptr, nullptr, nullptr);
  delete data;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  EnvData* data = new EnvData();
  data->env = env;
  // The cleanup hook owns EnvData; instance data only finds it.
  napi_set_instance_data(env, data, nullptr, nullptr);
  napi_add_env_cleanup_hook(env, CleanupEnv, data);
  Napi::Function arena_class = NativeArena::Define(env);
  data->arena_class = Napi::Persistent(arena_class);

  exports.Set("NativeArena", arena_class);
  exports.Set("setErrorClasses", Napi::Function::New<SetErrorClasses>(env));
  exports.Set("setConfig", Napi::Function::New<SetConfig>(env));
  exports.Set("getConfig", Napi::Function::New<GetConfig>(env));
  exports.Set("resetConfig", Napi::Function::New<ResetConfig>(env));
  exports.Set("envErrors", Napi::Function::New<EnvErrors>(env));
  exports.Set("metrics", Napi::Function::New<Metrics>(env));
  exports.Set("resetMetrics", Napi::Function::New<ResetMetrics>(env));
  exports.Set("threadArena", Napi::Function::New<ThreadArena>(env));
  exports.Set("resetThreadArena", Napi::Function::New<ResetThreadArena>(env));
  exports.Set("deinitThreadArena", Napi::Function::New<DeinitThreadArena>(env));
  exports.Set("scanEscapes", Napi::Function::New<ScanEscapes>(env));
  exports.Set("freeRetired", Napi::Function::New<FreeRetiredExport>(env));
  exports.Set("setViewMode", Napi::Function::New<SetViewMode>(env));
  exports.Set("probeBuffer", Napi::Function::New<ProbeBuffer>(env));
  exports.Set("probeIs", Napi::Function::New<ProbeIs>(env));
  exports.Set("testingFailReservations", Napi::Function::New<TestingFailReservations>(env));

  Napi::Object limits = Napi::Object::New(env);
  limits.Set("minPoolSize", static_cast<double>(ENGRAM_MIN_POOL_SIZE_BYTES));
  limits.Set("maxCapacity", static_cast<double>(ENGRAM_MAX_CAPACITY_BYTES));
  limits.Set("maxAlloc", static_cast<double>(ENGRAM_MAX_ALLOC_BYTES));
  limits.Set("maxAlignment", static_cast<double>(ENGRAM_MAX_ALIGNMENT));
  limits.Set("envSizeInvalid", static_cast<double>(ENGRAM_ENV_SIZE_INVALID));
  limits.Set("envOverflowInvalid", static_cast<double>(ENGRAM_ENV_OVERFLOW_INVALID));
  limits.Set("envZeroInvalid", static_cast<double>(ENGRAM_ENV_ZERO_INVALID));
  exports.Set("limits", limits);
  return exports;
}

}  // namespace

NODE_API_MODULE(engram_arena, Init)
