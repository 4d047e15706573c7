// Per-environment state of the addon: one per main thread and per worker.
#pragma once
#include <napi.h>

#include <unordered_set>
#include <vector>

#include "engram_arena.h"

class NativeArena;

/// Everything the shim keeps for one Node-API environment. Owned by the
/// environment's cleanup hook (env_data.cc), which frees the thread arena of
/// that thread.
struct EnvData {
  napi_env env = nullptr;
  Napi::FunctionReference arena_class;
  /// The facade's error classes; empty until it registers them.
  Napi::FunctionReference arena_error;
  Napi::FunctionReference overflow_error;
  Napi::FunctionReference destroyed_error;
  Napi::FunctionReference init_error;
  /// The one wrapper of this thread's arena, while it lives. Only the
  /// wrapper's constructor sets it (SetThreadWrapper); retiring or disowning
  /// the arena clears it (ForgetThreadWrapper).
  Napi::ObjectReference thread_wrapper;
  NativeArena* thread_arena = nullptr;
  /// Every live wrapper, for the teardown scan.
  std::unordered_set<NativeArena*> wrappers;
  /// Whether TeardownScan is registered, and what it found for the thread arena.
  bool scan_armed = false;
  /// The facade detaches windows and fallbacks itself (by transferring them),
  /// so wrappers keep no reference to them; see NativeArena.
  bool js_owns_views = false;
  /// Windows get the memory-pressure correction (NativeArena::ExternalView).
  bool correct_pressure = false;
  /// Arenas retired (engram_arena_retire) whose memory goes back at the end
  /// of the current JavaScript call (FreeRetired; see BlockRetireArena).
  std::vector<engram_arena*> retired;
  /// The memory behind the last probeBuffer(), for probeIs().
  const void* probe = nullptr;
  bool thread_escaped = false;

  void SetThreadWrapper(NativeArena* wrapper, Napi::Object object);
  /// Clears the slot if `wrapper` is in it; the next threadArena() makes a new one.
  void ForgetThreadWrapper(const NativeArena* wrapper);
};

inline EnvData* GetEnvData(Napi::Env env) { return env.GetInstanceData<EnvData>(); }

/// Makes the environment's EnvData and the cleanup hook that owns it.
EnvData* AttachEnvData(Napi::Env env);

/// Re-registers the teardown scan so that it runs before the cleanup hooks of
/// external buffers made so far (hooks run newest first).
void RearmTeardownScan(Napi::Env env);
