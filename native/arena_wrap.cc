#include "arena_wrap.h"

#include <string>

#include "env_data.h"
#include "fields.h"
#include "status.h"

namespace {

using ViewRecord = NativeArena::ViewRecord;

void FinalizeView(napi_env env, void* /*data*/, void* hint) {
  ViewRecord* record = static_cast<ViewRecord*>(hint);
  if (record->uncounted_bytes != 0) {
    int64_t total = 0;
    napi_adjust_external_memory(env, record->uncounted_bytes, &total);
  }
  BlockRelease(env, record->block);
  delete record;
}

/// Detaches a window or fallback and gives back the correction made for it
/// (V8 stops counting a buffer the moment it is detached, so here rather than
/// in the finalizer). True if someone else had detached it already.
bool Detach(napi_env env, NativeArena::View& view) {
  if (view.ref.IsEmpty()) return false;
  Napi::ArrayBuffer buffer = view.ref.Value();
  const bool escaped = !buffer.IsEmpty() && buffer.IsDetached();
  if (!buffer.IsEmpty() && !buffer.IsDetached()) {
    buffer.Detach();
    if (view.record->uncounted_bytes != 0) {
      int64_t total = 0;
      napi_adjust_external_memory(env, view.record->uncounted_bytes, &total);
      view.record->uncounted_bytes = 0;
    }
  }
  view.ref.Reset();
  return escaped;
}

}  // namespace

Napi::Function NativeArena::Define(Napi::Env env) {
  return DefineClass(env, "NativeArena",
                     {
                         InstanceMethod<&NativeArena::Alloc>("alloc"),
                         InstanceMethod<&NativeArena::Window>("window"),
                         InstanceMethod<&NativeArena::State>("state"),
                         InstanceMethod<&NativeArena::Reset>("reset"),
                         InstanceMethod<&NativeArena::ResetFunction>("resetFunction"),
                         InstanceMethod<&NativeArena::Stats>("stats"),
                         InstanceMethod<&NativeArena::Remaining>("remaining"),
                         InstanceMethod<&NativeArena::Utilization>("utilization"),
                         InstanceMethod<&NativeArena::Capacity>("capacity"),
                         InstanceMethod<&NativeArena::Options>("options"),
                         InstanceMethod<&NativeArena::Destroyed>("destroyed"),
                         InstanceMethod<&NativeArena::Destroy>("destroy"),
                         InstanceMethod<&NativeArena::QuarantineNow>("quarantine"),
                         InstanceMethod<&NativeArena::MarkEscaped>("markEscaped"),
                     });
}

// new NativeArena(capacityBytes, overflowStrategy, zeroOnReset), or with no
// arguments the wrapper of this thread's arena (threadArena() in
// thread_arena.cc asks for it). Adopting here, from the library itself, needs
// no handle passed in: an External argument would leave a small record behind
// in Node per worker that exits before a GC.
NativeArena::NativeArena(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeArena>(info) {
  Napi::Env env = info.Env();
  EnvData* data = GetEnvData(env);
  if (info.Length() == 0) {
    // One wrapper per thread arena: a second would free it under the first.
    if (data->thread_arena != nullptr) {
      status::ThrowRangeError(env, status::kInvalidArgValue, "this thread's arena is wrapped already");
    }
    engram_arena* arena = nullptr;
    status::Check(env, engram_thread_arena(&arena));
    // The arena's own options: the config may have changed (another thread's
    // configure()) since the thread arena was made from it.
    engram_config_t config;
    status::Check(env, engram_arena_get_options(arena, &config));
    overflow_strategy_ = config.overflow_strategy;
    zero_on_reset_ = config.zero_on_reset != 0;
    block_ = new ArenaBlock(arena, engram_arena_capacity(arena), true);
  } else {
    const uint64_t capacity =
        status::ToCount(env, info[0], "size", status::kInvalidSize);
    overflow_strategy_ = status::ToStrategy(env, info[1]);
    zero_on_reset_ = status::ToBool(env, info[2], "zeroOnReset");
    engram_arena* arena = nullptr;
    status::Check(env, engram_arena_create(capacity, overflow_strategy_, zero_on_reset_, &arena));
    block_ = new ArenaBlock(arena, capacity, false);
  }
  BlockReportMemory(env, block_);
  // The facade opens the first window right away, so a runtime that refuses
  // external buffers fails at construction rather than at the first allocation.
  // Only a wrapper that is fully made joins the teardown list (and takes the
  // thread's slot): a throwing constructor frees this object, which must not
  // stay listed.
  data->wrappers.insert(this);
  if (block_->thread_owned) data->SetThreadWrapper(this, info.This().As<Napi::Object>());
}

NativeArena::~NativeArena() {
  // Views may still be reachable: never detach here, only let go. Each view
  // holds its own reference to the block. A view moved out behind our back is
  // noticed here at the latest (during teardown, PrepareTeardown did it).
  // (At teardown Node has detached every view itself and EnvData is gone.)
  if (!torn_down_) {
    if (block_ != nullptr && AnyViewEscaped()) block_->escaped = true;
    EnvData* data = GetEnvData(Env());
    if (data != nullptr) data->wrappers.erase(this);
  }
  windows_.clear();
  fallbacks_.clear();
  state_.ref.Reset();
  if (block_ != nullptr) BlockRelease(Env(), block_);
}

engram_arena* NativeArena::Live(Napi::Env env) const {
  if (block_ == nullptr || block_->arena == nullptr) status::ThrowDestroyed(env);
  return block_->arena;
}

NativeArena::View NativeArena::ExternalView(Napi::Env env, uint8_t* data, uint64_t size_bytes,
                                           bool arena_memory) {
  ViewRecord* record = new ViewRecord{block_, 0};
  napi_value result = nullptr;
  const napi_status st = napi_create_external_arraybuffer(
      env, data, static_cast<size_t>(size_bytes), FinalizeView, record, &result);
  if (st != napi_ok) delete record;
  if (st == napi_no_external_buffers_allowed) {
    status::ThrowArenaError(env, status::kExternalBuffers,
                            "this runtime forbids external ArrayBuffers (for example Electron's "
                            "V8 memory cage), so arena memory cannot be handed to JavaScript");
  }
  if (st != napi_ok) throw Napi::Error::New(env);
  BlockRetain(block_);
  RearmTeardownScan(env);
  if (arena_memory && GetEnvData(env)->correct_pressure) {
    // V8 counts every external buffer's length as new memory pressure, but
    // arena memory was reported once, at creation (BlockReportMemory). Counted
    // again per window, each reset would look like fresh megabytes and force
    // a full GC (measured on Node 20: ~0.4 ms per reset of a 64 MiB window).
    // The correction is given back when V8 stops counting the buffer (Detach,
    // or the finalizer), so the balance returns to zero. The facade asks for
    // it only where the shim detaches windows on a runtime without transfer()
    // (Node 20): it keeps windows across epochs elsewhere, and newer V8
    // subtracts a swept buffer's bytes from this same counter before our
    // finalizer gives the correction back, a fatal error below zero.
    int64_t total = 0;
    napi_adjust_external_memory(env, -static_cast<int64_t>(size_bytes), &total);
    record->uncounted_bytes = static_cast<int64_t>(size_bytes);
  }
  return View{Napi::Persistent(Napi::ArrayBuffer(env, result)), record};
}

bool NativeArena::DetachViews(Napi::Env env) {
  bool escaped = false;
  for (View& view : windows_) escaped = Detach(env, view) || escaped;
  windows_.clear();
  for (View& view : fallbacks_) escaped = Detach(env, view) || escaped;
  fallbacks_.clear();
  return escaped;
}

// A transferred window's memory now belongs to an ArrayBuffer we cannot see
// or detach, possibly in another thread. Reusing or freeing it would let
// JavaScript read the next user's bytes or freed memory, so the arena is given
// up instead: it reads as destroyed, and its memory (fallbacks too) is never
// freed. Freeing it when the views are finalized is not enough: a worker's
// teardown finalizes them while a buffer posted to another thread lives on.
void NativeArena::Quarantine(Napi::Env env) {
  Detach(env, state_);
  block_->escaped = true;
  // The thread's slot must be free for a fresh arena: take the old one over.
  // (If that fails the thread keeps it, behind this dead wrapper: never reused.)
  DisownThreadArena(env);
  // This wrapper is dead; the memory stays reserved (see ArenaBlock::escaped).
  BlockRelease(env, block_);
  block_ = nullptr;
}

Napi::Value NativeArena::NewWindow(Napi::Env env, uint64_t base_bytes, uint64_t size_bytes) {
  status::Check(env, engram_arena_expose(block_->arena, base_bytes + size_bytes));
  return Track(env, ExternalView(env, engram_arena_base(block_->arena) + base_bytes, size_bytes, true), windows_);
}

Napi::Value NativeArena::Track(Napi::Env env, View view, std::vector<View>& list) {
  Napi::Value buffer = view.ref.Value();
  if (GetEnvData(env)->js_owns_views) {
    // The facade detaches it by transferring it; a reference kept here would
    // only ever see it detached. The record stays with the finalizer.
    view.ref.Reset();
  } else {
    list.push_back(std::move(view));
  }
  return buffer;
}

void NativeArena::Retire(Napi::Env env) {
  if (block_ != nullptr && block_->arena != nullptr) {
    if (DetachViews(env)) {
      Quarantine(env);
    } else {
      Detach(env, state_);
      BlockRetireArena(env, block_);
    }
  }
  // The thread's slot is freed only once its arena is retired: if retiring
  // throws (a worker being terminated), the thread keeps its one wrapper,
  // never gets a second one over the same arena.
  GetEnvData(env)->ForgetThreadWrapper(this);
}

// alloc(size, alignment) -> offset into epoch() | ArrayBuffer (a fallback)
Napi::Value NativeArena::Alloc(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  engram_arena* arena = Live(env);
  const uint64_t size = status::ToCount(env, info[0], "size", status::kInvalidSize);
  const uint64_t alignment =
      status::ToCount(env, info[1], "alignment", status::kInvalidAlignment);
  engram_alloc_t out;
  const int32_t code = engram_arena_alloc(arena, size, alignment, &out);
  if (code != ENGRAM_OK) {
    const status::Request request{size, alignment, engram_arena_remaining(arena)};
    status::Throw(env, code, &request);
  }
  if (!out.fallback) return Napi::Number::New(env, static_cast<double>(out.offset));
  return Track(env, ExternalView(env, out.ptr, size, false), fallbacks_);
}

// window(baseBytes, sizeBytes) -> an external ArrayBuffer over exactly those
// arena bytes. Its geometry is the facade's choice (lib/arena.ts).
Napi::Value NativeArena::Window(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Live(env);
  const uint64_t base = status::ToCount(env, info[0], "baseBytes", status::kInvalidSize);
  const uint64_t size = status::ToCount(env, info[1], "sizeBytes", status::kInvalidSize);
  if (size == 0 || base > block_->capacity_bytes || size > block_->capacity_bytes - base) {
    status::ThrowRangeError(env, status::kInvalidSize, "the window is not inside the arena");
  }
  return NewWindow(env, base, size);
}

// state() -> an ArrayBuffer over the arena's engram_arena_state_t, or null when
// the base is not page-aligned (then offsets would not predict addresses).
Napi::Value NativeArena::State(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  engram_arena* arena = Live(env);
  if (reinterpret_cast<uintptr_t>(engram_arena_base(arena)) % ENGRAM_MAX_ALIGNMENT != 0) return env.Null();
  if (state_.ref.IsEmpty()) {
    engram_arena_state_t* state = engram_arena_state(arena);
    View view = ExternalView(env, reinterpret_cast<uint8_t*>(state), sizeof(*state), false);
    // Where the facade owns views it detaches this one too (at destroy).
    if (GetEnvData(env)->js_owns_views) return view.ref.Value();
    state_ = std::move(view);
  }
  return state_.ref.Value();
}

void NativeArena::ResetNow(Napi::Env env) {
  engram_arena* arena = Live(env);
  // Views go dark before the bytes are zeroed or handed out again.
  if (DetachViews(env)) ThrowTransferred(env);
  status::Check(env, engram_arena_reset(arena));
}

void NativeArena::ThrowTransferred(Napi::Env env) {
  Quarantine(env);
  status::ThrowArenaError(env, status::kTransferred,
                          "an ArrayBuffer over this arena's memory was transferred (for example by "
                          "ArrayBuffer.prototype.transfer, postMessage or a BYOB stream read), so the "
                          "memory cannot be reused; the arena is now destroyed");
}

void NativeArena::ForgetArena() {
  if (block_ != nullptr) block_->arena = nullptr;
}

bool NativeArena::AnyViewEscaped() const {
  auto escaped = [](const View& view) {
    if (view.ref.IsEmpty()) return false;
    Napi::ArrayBuffer buffer = view.ref.Value();
    return !buffer.IsEmpty() && buffer.IsDetached();
  };
  for (const View& view : windows_) {
    if (escaped(view)) return true;
  }
  for (const View& view : fallbacks_) {
    if (escaped(view)) return true;
  }
  return false;
}

bool NativeArena::PrepareTeardown() {
  // No escape scan here: by now Node has detached and finalized every
  // external buffer itself, so all views look moved out.
  torn_down_ = true;
  return block_ != nullptr && block_->escaped;
}

void NativeArena::ScanForEscape(Napi::Env env) {
  if (block_ == nullptr || block_->arena == nullptr || torn_down_ || !AnyViewEscaped()) return;
  block_->escaped = true;
  DisownThreadArena(env);
}

void NativeArena::DisownThreadArena(Napi::Env env) {
  engram_arena* owned = nullptr;
  if (block_ == nullptr || !block_->thread_owned) return;
  if (engram_thread_arena_disown(&owned) != ENGRAM_OK) return;
  block_->arena = owned;
  block_->thread_owned = false;
  EnvData* data = GetEnvData(env);
  if (data != nullptr) data->ForgetThreadWrapper(this);
}

// reset(keptBytes = 0, windowBytes = 0) -> the next epoch's first window, or
// undefined. `keptBytes`: how far the windows the facade carries over reach,
// so that the next zeroing reset covers them; `windowBytes`: a window over
// [0, windowBytes) to open at once, saving a second call per epoch.
Napi::Value NativeArena::Reset(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const uint64_t kept = info[0].IsUndefined() ? 0 : status::ToCount(env, info[0], "keptBytes", status::kInvalidSize);
  const uint64_t window =
      info[1].IsUndefined() ? 0 : status::ToCount(env, info[1], "windowBytes", status::kInvalidSize);
  if (window > (block_ == nullptr ? 0 : block_->capacity_bytes)) status::ThrowRangeError(env, status::kInvalidSize, "the window is not inside the arena");
  ResetNow(env);
  if (kept != 0) status::Check(env, engram_arena_expose(block_->arena, kept));
  if (window == 0) return env.Undefined();
  return NewWindow(env, 0, window);
}

// resetFunction() -> reset() bound to this wrapper, for the facade's once-per-
// epoch call: it finds the wrapper through the function's data instead of
// napi_unwrap, which was a third of a reset's native cost on Node 24. The
// facade keeps it beside the wrapper itself, so it never outlives it.
Napi::Value NativeArena::ResetFunction(const Napi::CallbackInfo& info) {
  return Napi::Function::New<&NativeArena::ResetBound>(info.Env(), "reset", this);
}

Napi::Value NativeArena::ResetBound(const Napi::CallbackInfo& info) {
  return static_cast<NativeArena*>(info.Data())->Reset(info);
}

// quarantine(): the facade found one of its windows moved out behind its back
// (see Quarantine); always throws ERR_ARENA_TRANSFERRED.
Napi::Value NativeArena::QuarantineNow(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Live(env);
  DetachViews(env);
  ThrowTransferred(env);
}

// markEscaped(): memory of this arena was moved out; the arena goes on (until
// its destroy) but its memory is never freed or handed to another thread.
Napi::Value NativeArena::MarkEscaped(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (block_ != nullptr && block_->arena != nullptr && !torn_down_) {
    block_->escaped = true;
    DisownThreadArena(env);
  }
  return env.Undefined();
}

Napi::Value NativeArena::Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  engram_arena_stats_t stats;
  status::Check(env, engram_arena_get_stats(Live(env), &stats));
  return StatsObject(env, stats);
}

Napi::Value NativeArena::Remaining(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return Napi::Number::New(env, static_cast<double>(engram_arena_remaining(Live(env))));
}

Napi::Value NativeArena::Utilization(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  engram_arena_stats_t stats;
  status::Check(env, engram_arena_get_stats(Live(env), &stats));
  return Napi::Number::New(env, stats.utilization);
}

Napi::Value NativeArena::Capacity(const Napi::CallbackInfo& info) {
  // A destroyed arena (a deinitialised thread arena too) holds no memory.
  const uint64_t capacity = block_ == nullptr || block_->arena == nullptr ? 0 : block_->capacity_bytes;
  return Napi::Number::New(info.Env(), static_cast<double>(capacity));
}

Napi::Value NativeArena::Options(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  out.Set("size", static_cast<double>(block_ == nullptr ? 0 : block_->capacity_bytes));
  out.Set("overflowStrategy", status::StrategyName(overflow_strategy_));
  out.Set("zeroOnReset", zero_on_reset_);
  return out;
}

Napi::Value NativeArena::Destroyed(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), block_ == nullptr || block_->arena == nullptr);
}

// destroy(): idempotent; for the thread arena's wrapper this is the facade's
// deinitThreadArena(), leaving the thread's slot free for a fresh arena.
Napi::Value NativeArena::Destroy(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Retire(env);
  return env.Undefined();
}
