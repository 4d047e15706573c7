// Module entry: registration only. The free functions live in the files that
// native/api.h lists; per-environment state and its teardown in env_data.cc.
#include <napi.h>

#include "api.h"
#include "arena_wrap.h"
#include "env_data.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  AttachEnvData(env);
  exports.Set("NativeArena", NativeArena::Define(env));
  RegisterErrorApi(env, exports);
  RegisterConfigApi(env, exports);
  RegisterMemoryApi(env, exports);
  RegisterTestingApi(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(engram_arena, Init)
