// Module entry: registration only. The free functions live in the files that
// native/api.h lists; per-environment state and its teardown in env_data.cc.
#include <napi.h>

#include "api.h"
#include "arena_wrap.h"
#include "env_data.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  EnvData* data = AttachEnvData(env);
  Napi::Function arena_class = NativeArena::Define(env);
  data->arena_class = Napi::Persistent(arena_class);
  exports.Set("NativeArena", arena_class);
  RegisterErrorApi(env, exports);
  RegisterConfigApi(env, exports);
  RegisterThreadArenaApi(env, exports);
  RegisterViewApi(env, exports);
  RegisterTestingApi(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(engram_arena, Init)
