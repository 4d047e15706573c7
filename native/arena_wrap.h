// The JavaScript class behind lib/arena.ts: one instance per arena handle.
#pragma once
#include <napi.h>
#include <vector>

#include "arena_block.h"

/// Wraps one arena (an instance arena, or this thread's arena). Hands out
/// external ArrayBuffers over parts of the arena, "windows" (the facade picks
/// their geometry and makes the views), and makes sure old views read as
/// empty before their bytes are zeroed or handed out again.
///
/// Who detaches old windows depends on the runtime (EnvData::js_owns_views):
/// where ArrayBuffer.prototype.transfer is zero-copy the facade detaches them
/// itself and keeps the memory under a fresh buffer, so this class tracks no
/// windows at all; elsewhere (Node 20) it keeps each window and detaches it at
/// reset.
class NativeArena : public Napi::ObjectWrap<NativeArena> {
 public:
  /// What a view's finalizer must undo: its reference to the block, and the
  /// memory-pressure correction still outstanding for it.
  struct ViewRecord {
    ArenaBlock* block;
    int64_t uncounted_bytes;
  };
  /// An external ArrayBuffer the wrapper keeps (and detaches), with its record.
  struct View {
    Napi::Reference<Napi::ArrayBuffer> ref;
    ViewRecord* record;
  };

  static Napi::Function Define(Napi::Env env);

  explicit NativeArena(const Napi::CallbackInfo& info);
  ~NativeArena() override;

  /// Detaches every view, then frees (instance) or forgets (thread) the
  /// memory; a thread arena's wrapper then leaves the thread's slot.
  void Retire(Napi::Env env);
  /// Detaches every tracked view, then resets the arena (zeroing, freeing fallbacks).
  void ResetNow(Napi::Env env);
  /// For environment teardown, before Node-API finalizes the wrappers: keeps
  /// the destructor from scanning views Node has detached itself, and from
  /// EnvData, which is gone by then. Returns whether the arena escaped earlier.
  bool PrepareTeardown();
  /// For environment teardown: the thread's arena is being freed (or leaked)
  /// by the caller, so the block must stop pointing at it.
  void ForgetArena();
  /// Marks the arena escaped if a view was moved out; a thread arena is then
  /// disowned so that the thread's teardown keeps its memory. For a worker's
  /// 'exit' event, the last moment JavaScript-moved memory can be told apart.
  void ScanForEscape(Napi::Env env);

 private:
  Napi::Value Alloc(const Napi::CallbackInfo& info);
  Napi::Value Window(const Napi::CallbackInfo& info);
  Napi::Value State(const Napi::CallbackInfo& info);
  Napi::Value Reset(const Napi::CallbackInfo& info);
  Napi::Value ResetFunction(const Napi::CallbackInfo& info);
  static Napi::Value ResetBound(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);
  Napi::Value Remaining(const Napi::CallbackInfo& info);
  Napi::Value Utilization(const Napi::CallbackInfo& info);
  Napi::Value Capacity(const Napi::CallbackInfo& info);
  Napi::Value Options(const Napi::CallbackInfo& info);
  Napi::Value Destroyed(const Napi::CallbackInfo& info);
  Napi::Value Destroy(const Napi::CallbackInfo& info);
  Napi::Value QuarantineNow(const Napi::CallbackInfo& info);
  Napi::Value MarkEscaped(const Napi::CallbackInfo& info);

  engram_arena* Live(Napi::Env env) const;
  /// Gives up memory that an escaped ArrayBuffer may still reach; see Quarantine.
  void Quarantine(Napi::Env env);
  /// True if a window or fallback is detached while we still hold it: moved out.
  bool AnyViewEscaped() const;
  /// Takes the thread's arena over so that its memory can be kept (leaked).
  void DisownThreadArena(Napi::Env env);
  /// An external ArrayBuffer over [data, data+size) that keeps the block alive.
  /// `arena_memory`: the bytes are the arena's own, already reported to V8.
  View ExternalView(Napi::Env env, uint8_t* data, uint64_t size_bytes, bool arena_memory);
  /// Detaches every window and fallback; true if one was already detached by
  /// someone else (ArrayBuffer.prototype.transfer, a BYOB stream read), which
  /// means a new ArrayBuffer now owns that memory behind our back.
  bool DetachViews(Napi::Env env);

  ArenaBlock* block_ = nullptr;
  uint8_t overflow_strategy_ = ENGRAM_OVERFLOW_ERROR_RETURN;
  bool zero_on_reset_ = true;
  /// An external ArrayBuffer over arena bytes [base, base + size), exposed to
  /// zeroing, and tracked unless the facade owns views.
  Napi::Value NewWindow(Napi::Env env, uint64_t base_bytes, uint64_t size_bytes);
  /// Keeps `view` in `list` for DetachViews, unless the facade owns views;
  /// returns its buffer.
  Napi::Value Track(Napi::Env env, View view, std::vector<View>& list);
  /// Throws ERR_ARENA_TRANSFERRED after Quarantine.
  [[noreturn]] void ThrowTransferred(Napi::Env env);

  /// Windows this wrapper detaches at reset (empty when the facade owns views).
  std::vector<View> windows_;
  std::vector<View> fallbacks_;
  /// The arena's engram_arena_state_t, for the facade's bump in JavaScript;
  /// it lives as long as the arena, so only Retire detaches it.
  View state_;
  /// Set by PrepareTeardown: the environment is going away.
  bool torn_down_ = false;
};
