// The calling thread's arena. The shim owns its one native wrapper (EnvData's
// slot, filled by the wrapper's own constructor); the facade owns the one
// Arena over it and retires it through that Arena's destroy(). The functions
// here serve the facade when it has no Arena for the thread (yet).
#include <napi.h>

#include "api.h"
#include "arena_wrap.h"
#include "env_data.h"

namespace {

// threadArena() -> the wrapper of this thread's arena, made on first use.
Napi::Value ThreadArena(const Napi::CallbackInfo& info) {
  EnvData* data = GetEnvData(info.Env());
  if (data->thread_arena != nullptr) return data->thread_wrapper.Value();
  // No arguments: the constructor adopts this thread's arena and takes the slot.
  return data->arena_class.New({});
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

// deinitThreadArena(): for a thread arena the facade holds no Arena over (its
// construction failed, or it was never asked for); otherwise the facade goes
// through that Arena's destroy().
Napi::Value DeinitThreadArena(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EnvData* data = GetEnvData(env);
  if (data->thread_arena != nullptr) {
    // Retire frees it (or hands it over to the views if one escaped) and
    // frees the thread's slot.
    data->thread_arena->Retire(env);
  } else {
    engram_deinit_thread_arena();  // no wrapper means no views to detach
  }
  return env.Undefined();
}

}  // namespace

void RegisterThreadArenaApi(Napi::Env env, Napi::Object exports) {
  exports.Set("threadArena", Napi::Function::New<ThreadArena>(env));
  exports.Set("resetThreadArena", Napi::Function::New<ResetThreadArena>(env));
  exports.Set("deinitThreadArena", Napi::Function::New<DeinitThreadArena>(env));
}
