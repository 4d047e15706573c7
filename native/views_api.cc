// How views of arena memory are made and how the shim notices them leaving:
// the view mode, the transfer() probe, the escape scan and deferred frees.
#include <napi.h>

#include <vector>

#include "api.h"
#include "arena_block.h"
#include "arena_wrap.h"
#include "env_data.h"
#include "status.h"

namespace {

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

}  // namespace

void RegisterViewApi(Napi::Env env, Napi::Object exports) {
  exports.Set("scanEscapes", Napi::Function::New<ScanEscapes>(env));
  exports.Set("freeRetired", Napi::Function::New<FreeRetiredExport>(env));
  exports.Set("setViewMode", Napi::Function::New<SetViewMode>(env));
  exports.Set("probeBuffer", Napi::Function::New<ProbeBuffer>(env));
  exports.Set("probeIs", Napi::Function::New<ProbeIs>(env));
}
