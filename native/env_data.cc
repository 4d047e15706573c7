// The life of an environment's EnvData: made at module load, torn down by the
// environment's cleanup hooks (a worker exiting, or the main thread at exit).
#include "env_data.h"

#include "arena_block.h"
#include "arena_wrap.h"

void EnvData::SetThreadWrapper(NativeArena* wrapper, Napi::Object object) {
  thread_wrapper = Napi::Persistent(object);
  thread_arena = wrapper;
}

void EnvData::ForgetThreadWrapper(const NativeArena* wrapper) {
  if (thread_arena != wrapper || wrapper == nullptr) return;
  thread_arena = nullptr;
  thread_wrapper.Reset();
}

namespace {

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

// Runs on the environment's own thread when it is torn down: its thread arena
// goes with it.
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

}  // namespace

EnvData* AttachEnvData(Napi::Env env) {
  EnvData* data = new EnvData();
  data->env = env;
  // The cleanup hook owns EnvData; instance data only finds it.
  napi_set_instance_data(env, data, nullptr, nullptr);
  napi_add_env_cleanup_hook(env, CleanupEnv, data);
  return data;
}

void RearmTeardownScan(Napi::Env env) {
  EnvData* data = GetEnvData(env);
  if (data == nullptr) return;
  if (data->scan_armed) napi_remove_env_cleanup_hook(env, TeardownScan, data);
  data->scan_armed = napi_add_env_cleanup_hook(env, TeardownScan, data) == napi_ok;
}
