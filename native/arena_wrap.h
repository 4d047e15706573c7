// The JavaScript class behind lib/arena.ts: one instance per arena handle.
#pragma once
#include <napi.h>

#include <vector>

#include "engram_arena.h"

/// Wraps one hosted arena (engram_arena_create_hosted): the Zig library keeps
/// its counters and rules, while its memory is an ArrayBuffer the JavaScript
/// engine owns. The facade hands that buffer and the engine-owned counters
/// (engram_arena_state_t) to every call that needs them, so native code only
/// ever touches memory that is attached at the moment of the call, and never
/// frees any of it: the engine does, when the last view is gone. The
/// counters live in an engine-owned ArrayBuffer this wrapper makes and keeps.
class NativeArena : public Napi::ObjectWrap<NativeArena> {
 public:
  static Napi::Function Define(Napi::Env env);

  explicit NativeArena(const Napi::CallbackInfo& info);
  ~NativeArena() override;

 private:
  Napi::Value State(const Napi::CallbackInfo& info);
  Napi::Value Bind(const Napi::CallbackInfo& info);
  Napi::Value Alloc(const Napi::CallbackInfo& info);
  Napi::Value Reset(const Napi::CallbackInfo& info);
  Napi::Value ResetFunction(const Napi::CallbackInfo& info);
  static Napi::Value ResetBound(const Napi::CallbackInfo& info);
  /// What a function from resetFunction() calls: this wrapper until it is
  /// finalized, then nothing. Freed by whichever of the two lets go last.
  struct ResetTarget {
    NativeArena* arena;
    int shares;
  };
  static void ReleaseTarget(napi_env env, void* data, void* hint);
  Napi::Value Stats(const Napi::CallbackInfo& info);
  Napi::Value Destroy(const Napi::CallbackInfo& info);

  /// The arena, after checking it is not destroyed and its state buffer is attached.
  engram_arena* Live(Napi::Env env);
  /// Points the arena at the ArrayBuffer `memory`; returns where its byte 0 sits.
  uint64_t BindMemory(Napi::Env env, Napi::Value memory, bool fresh);

  /// Null once destroyed.
  engram_arena* arena_ = nullptr;
  /// The counters the facade bumps: the data of state_ref_, an ArrayBuffer
  /// the engine owns and this wrapper holds; null if it was ever found detached.
  engram_arena_state_t* state_ = nullptr;
  Napi::Reference<Napi::ArrayBuffer> state_ref_;
  /// Every ResetTarget this wrapper handed out (one per resetFunction() call).
  std::vector<ResetTarget*> targets_;
};
