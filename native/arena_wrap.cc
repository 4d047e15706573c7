#include "arena_wrap.h"

#include <string>

#include "env_data.h"
#include "status.h"

namespace {

void FinalizeView(napi_env env, void* /*data*/, void* hint) {
  BlockRelease(env, static_cast<ArenaBlock*>(hint));
}

void DetachIfAttached(Napi::Reference<Napi::ArrayBuffer>& ref) {
  if (ref.IsEmpty()) return;
  Napi::ArrayBuffer buffer = ref.Value();
  if (!buffer.IsEmpty() && !buffer.IsDetached()) buffer.Detach();
  ref.Reset();
}

}  // namespace

Napi::Function NativeArena::Define(Napi::Env env) {
  return DefineClass(env, "NativeArena",
                     {
                         InstanceMethod<&NativeArena::Alloc>("alloc"),
                         InstanceMethod<&NativeArena::Epoch>("epoch"),
                         InstanceMethod<&NativeArena::Reset>("reset"),
                         InstanceMethod<&NativeArena::Stats>("stats"),
                         InstanceMethod<&NativeArena::Remaining>("remaining"),
                         InstanceMethod<&NativeArena::Utilization>("utilization"),
                         InstanceMethod<&NativeArena::Capacity>("capacity"),
                         InstanceMethod<&NativeArena::Options>("options"),
                         InstanceMethod<&NativeArena::Destroyed>("destroyed"),
                         InstanceMethod<&NativeArena::IsThreadArena>("isThreadArena"),
                         InstanceMethod<&NativeArena::Destroy>("destroy"),
                     });
}

Napi::Object NativeArena::NewThreadWrapper(Napi::Env env, engram_arena* arena) {
  return GetEnvData(env)->arena_class.New({Napi::External<engram_arena>::New(env, arena)});
}

// new NativeArena(capacityBytes, overflowStrategy, zeroOnReset), or with an
// External from NewThreadWrapper (JavaScript cannot forge one).
NativeArena::NativeArena(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeArena>(info) {
  Napi::Env env = info.Env();
  if (info.Length() == 1 && info[0].IsExternal()) {
    engram_arena* arena = info[0].As<Napi::External<engram_arena>>().Data();
    engram_config_t config;
    engram_get_config(&config);
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
  // The first view now, so that a runtime that refuses external buffers
  // fails at construction rather than at the first allocation.
  try {
    epoch_ = Napi::Persistent(ExternalView(env, engram_arena_base(block_->arena), block_->capacity_bytes));
  } catch (...) {
    // A throwing constructor never runs the destructor: give the memory back here.
    if (!block_->thread_owned) BlockFreeArena(env, block_);
    BlockRelease(env, block_);
    block_ = nullptr;
    throw;
  }
}

NativeArena::~NativeArena() {
  // Views may still be reachable: never detach here, only let go. Each view
  // holds its own reference to the block.
  epoch_.Reset();
  fallbacks_.clear();
  if (block_ != nullptr) BlockRelease(Env(), block_);
}

engram_arena* NativeArena::Live(Napi::Env env) const {
  if (block_ == nullptr || block_->arena == nullptr) status::ThrowDestroyed(env);
  return block_->arena;
}

Napi::ArrayBuffer NativeArena::ExternalView(Napi::Env env, uint8_t* data, uint64_t size_bytes) {
  napi_value result = nullptr;
  const napi_status st = napi_create_external_arraybuffer(
      env, data, static_cast<size_t>(size_bytes), FinalizeView, block_, &result);
  if (st == napi_no_external_buffers_allowed) {
    status::ThrowArenaError(env, status::kExternalBuffers,
                            "this runtime forbids external ArrayBuffers (for example Electron's "
                            "V8 memory cage), so arena memory cannot be handed to JavaScript");
  }
  if (st != napi_ok) throw Napi::Error::New(env);
  BlockRetain(block_);
  return Napi::ArrayBuffer(env, result);
}

void NativeArena::DetachViews(Napi::Env /*env*/) {
  DetachIfAttached(epoch_);
  for (auto& ref : fallbacks_) DetachIfAttached(ref);
  fallbacks_.clear();
}

void NativeArena::Retire(Napi::Env env) {
  if (block_ == nullptr || block_->arena == nullptr) return;
  DetachViews(env);
  BlockFreeArena(env, block_);
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
  Napi::ArrayBuffer buffer = ExternalView(env, out.ptr, size);
  fallbacks_.push_back(Napi::Persistent(buffer));
  return buffer;
}

// epoch() -> the ArrayBuffer over the whole arena for the current epoch.
Napi::Value NativeArena::Epoch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  engram_arena* arena = Live(env);
  if (epoch_.IsEmpty()) {
    epoch_ = Napi::Persistent(ExternalView(env, engram_arena_base(arena), block_->capacity_bytes));
  }
  return epoch_.Value();
}

void NativeArena::ResetNow(Napi::Env env) {
  engram_arena* arena = Live(env);
  // Views go dark before the bytes are zeroed or handed out again.
  DetachViews(env);
  status::Check(env, engram_arena_reset(arena));
}

void NativeArena::ForgetArena() {
  if (block_ != nullptr) block_->arena = nullptr;
}

Napi::Value NativeArena::Reset(const Napi::CallbackInfo& info) {
  ResetNow(info.Env());
  return info.Env().Undefined();
}

Napi::Value NativeArena::Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  engram_arena_stats_t stats;
  status::Check(env, engram_arena_get_stats(Live(env), &stats));
  Napi::Object out = Napi::Object::New(env);
  out.Set("capacity", static_cast<double>(stats.capacity_bytes));
  out.Set("currentUsage", static_cast<double>(stats.current_usage_bytes));
  out.Set("highWaterMark", static_cast<double>(stats.high_water_mark_bytes));
  out.Set("overflowCount", static_cast<double>(stats.overflow_count));
  out.Set("utilization", stats.utilization);
  out.Set("allocations", static_cast<double>(stats.allocation_count));
  out.Set("fallbacks", static_cast<double>(stats.fallback_count));
  out.Set("bytesAllocated", static_cast<double>(stats.bytes_allocated));
  out.Set("fallbackBytes", static_cast<double>(stats.fallback_bytes));
  return out;
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
  const uint64_t capacity = block_ == nullptr ? 0 : block_->capacity_bytes;
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

Napi::Value NativeArena::IsThreadArena(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), block_ != nullptr && block_->thread_owned);
}

// destroy(): idempotent. The thread arena is retired through deinitThreadArena.
Napi::Value NativeArena::Destroy(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (block_ != nullptr && block_->thread_owned) {
    EnvData* data = GetEnvData(env);
    if (data->thread_arena == this) {
      data->thread_arena = nullptr;
      data->thread_wrapper.Reset();
    }
  }
  Retire(env);
  return env.Undefined();
}
