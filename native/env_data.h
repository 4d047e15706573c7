// Per-environment state of the addon: one per main thread and per worker.
#pragma once
#include <napi.h>

/// What the shim keeps for one Node-API environment: the facade's error
/// classes. Owned by the environment's cleanup hook (env_data.cc). Arena
/// memory is never here: the engine owns it.
struct EnvData {
  napi_env env = nullptr;
  /// The facade's error classes; empty until it registers them.
  Napi::FunctionReference arena_error;
  Napi::FunctionReference overflow_error;
  Napi::FunctionReference destroyed_error;
  Napi::FunctionReference init_error;
};

inline EnvData* GetEnvData(Napi::Env env) { return env.GetInstanceData<EnvData>(); }

/// Makes the environment's EnvData and the cleanup hook that owns it.
EnvData* AttachEnvData(Napi::Env env);
