// The JavaScript class behind lib/arena.ts: one instance per arena handle.
#pragma once
#include <napi.h>
#include <vector>

#include "arena_block.h"

/// Wraps one arena (an instance arena, or this thread's arena). Hands out
/// offsets into one external ArrayBuffer per epoch (the facade makes the
/// views) and detaches that buffer at every reset, so that old views read as
/// empty instead of showing the next request's bytes.
class NativeArena : public Napi::ObjectWrap<NativeArena> {
 public:
  static Napi::Function Define(Napi::Env env);
  /// A wrapper over this thread's arena (created by engram_thread_arena).
  static Napi::Object NewThreadWrapper(Napi::Env env, engram_arena* arena);

  explicit NativeArena(const Napi::CallbackInfo& info);
  ~NativeArena() override;

  /// Detaches every view, then frees (instance) or forgets (thread) the memory.
  void Retire(Napi::Env env);
  /// Detaches every view, then resets the arena (zeroing, freeing fallbacks).
  void ResetNow(Napi::Env env);
  /// For environment teardown, when no JavaScript can run: the thread's arena
  /// is being freed by the caller, so the block must stop pointing at it.
  void ForgetArena();

 private:
  Napi::Value Alloc(const Napi::CallbackInfo& info);
  Napi::Value Epoch(const Napi::CallbackInfo& info);
  Napi::Value Reset(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);
  Napi::Value Remaining(const Napi::CallbackInfo& info);
  Napi::Value Utilization(const Napi::CallbackInfo& info);
  Napi::Value Capacity(const Napi::CallbackInfo& info);
  Napi::Value Options(const Napi::CallbackInfo& info);
  Napi::Value Destroyed(const Napi::CallbackInfo& info);
  Napi::Value IsThreadArena(const Napi::CallbackInfo& info);
  Napi::Value Destroy(const Napi::CallbackInfo& info);

  engram_arena* Live(Napi::Env env) const;
  /// An external ArrayBuffer over [data, data+size) that keeps the block alive.
  Napi::ArrayBuffer ExternalView(Napi::Env env, uint8_t* data, uint64_t size_bytes);
  void DetachViews(Napi::Env env);

  ArenaBlock* block_ = nullptr;
  uint8_t overflow_strategy_ = ENGRAM_OVERFLOW_ERROR_RETURN;
  bool zero_on_reset_ = true;
  Napi::Reference<Napi::ArrayBuffer> epoch_;
  std::vector<Napi::Reference<Napi::ArrayBuffer>> fallbacks_;
};
