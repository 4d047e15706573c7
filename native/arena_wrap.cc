#include "arena_wrap.h"

#include <cstring>

#include "convert.h"
#include "errors.h"
#include "fields.h"

namespace {

/// The facade's copy of the counters is the truth between calls: it bumps
/// the fields of ENGRAM_ARENA_STATE_HOST_FIELDS itself (the library derives
/// the high-water mark from the offset). One call's worth of syncing: those
/// in at the start, every field back out at the end (also when the call
/// throws: an overflow is counted). The library never trusts the offset it is
/// given (engram_arena_abi.h), and nothing else is copied in.
class StateSync {
 public:
  StateSync(engram_arena* arena, engram_arena_state_t* host) : arena_(arena), host_(host) {
    engram_arena_state_t* own = engram_arena_state(arena_);
#define ENGRAM_COPY_IN(c_field, js_name) own->c_field = host->c_field;
    ENGRAM_ARENA_STATE_HOST_FIELDS(ENGRAM_COPY_IN)
#undef ENGRAM_COPY_IN
  }
  StateSync(const StateSync&) = delete;
  StateSync& operator=(const StateSync&) = delete;
  ~StateSync() { std::memcpy(host_, engram_arena_state(arena_), sizeof(engram_arena_state_t)); }

 private:
  engram_arena* arena_;
  engram_arena_state_t* host_;
};

}  // namespace

Napi::Function NativeArena::Define(Napi::Env env) {
  return DefineClass(env, "NativeArena",
                     {
                         InstanceMethod<&NativeArena::State>("state"),
                         InstanceMethod<&NativeArena::Bind>("bind"),
                         InstanceMethod<&NativeArena::Alloc>("alloc"),
                         InstanceMethod<&NativeArena::Reset>("reset"),
                         InstanceMethod<&NativeArena::ResetFunction>("resetFunction"),
                         InstanceMethod<&NativeArena::Stats>("stats"),
                         InstanceMethod<&NativeArena::Destroy>("destroy"),
                     });
}

// new NativeArena(options), options in OptionsObject's form.
NativeArena::NativeArena(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeArena>(info) {
  Napi::Env env = info.Env();
  const engram_arena_options_t options = convert::ToOptions(env, info[0]);
  errors::CheckOptions(env, engram_arena_create_hosted(&options, &arena_));
  void* data = nullptr;
  napi_value buffer = nullptr;
  if (napi_create_arraybuffer(env, sizeof(engram_arena_state_t), &data, &buffer) != napi_ok) {
    engram_arena_destroy(arena_);
    arena_ = nullptr;
    throw Napi::Error::New(env);
  }
  state_ = static_cast<engram_arena_state_t*>(data);
  std::memcpy(state_, engram_arena_state(arena_), sizeof(*state_));
  state_ref_ = Napi::Persistent(Napi::ArrayBuffer(env, buffer));
}

NativeArena::~NativeArena() {
  for (ResetTarget* target : targets_) {
    target->arena = nullptr;
    ReleaseTarget(nullptr, target, nullptr);
  }
  // Dropped without destroy() (or its thread ended): the counters are folded
  // in as the facade left them. The state buffer is still alive here, held by
  // state_ref_, which is released only after this body.
  if (arena_ == nullptr) return;
  if (state_ != nullptr) {
    StateSync sync(arena_, state_);
  }
  engram_arena_destroy(arena_);
}

engram_arena* NativeArena::Live(Napi::Env env) {
  if (arena_ == nullptr) errors::ThrowDestroyed(env);
  // The state buffer never leaves the facade; should it have been detached
  // all the same, its memory is no longer ours to read or write.
  void* data = nullptr;
  size_t length = 0;
  const bool attached = napi_get_arraybuffer_info(env, state_ref_.Value(), &data, &length) == napi_ok &&
                        data == state_ && length == sizeof(engram_arena_state_t);
  if (!attached) {
    state_ = nullptr;
    errors::ThrowArenaError(env, errors::kInternal, "the arena's counters are gone: its state buffer was detached");
  }
  return arena_;
}

uint64_t NativeArena::BindMemory(Napi::Env env, Napi::Value memory, bool fresh) {
  const convert::Bytes bytes = convert::ToAttachedBuffer(env, memory, "memory");
  uint64_t base = 0;
  errors::Check(env, engram_arena_bind(arena_, bytes.data, bytes.length, fresh ? 1 : 0, &base));
  return base;
}

// state() -> the engine-owned ArrayBuffer over the counters (engram_arena_state_t),
// for the facade's bump; the same buffer for the arena's whole life.
Napi::Value NativeArena::State(const Napi::CallbackInfo& info) {
  Live(info.Env());
  return state_ref_.Value();
}

// bind(memory, fresh) -> base offset
Napi::Value NativeArena::Bind(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  StateSync sync(Live(env), state_);
  return Napi::Number::New(env, static_cast<double>(BindMemory(env, info[0], convert::ToBool(env, info[1], "fresh"))));
}

// alloc(size, alignment, memory) -> offset, or -1 for a fallback the
// facade serves (the library counted it).
Napi::Value NativeArena::Alloc(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  engram_arena* arena = Live(env);
  const uint64_t size = convert::ToCount(env, info[0], "size", errors::kInvalidSize);
  const uint64_t alignment = convert::ToCount(env, info[1], "alignment", errors::kInvalidAlignment);
  StateSync sync(arena, state_);
  BindMemory(env, info[2], false);
  engram_allocation_t out;
  const int32_t code = engram_arena_alloc(arena, size, alignment, &out);
  if (code != ENGRAM_OK) {
    const errors::Request request{size, alignment, engram_arena_remaining(arena)};
    errors::Throw(env, code, &request);
  }
  return Napi::Number::New(env, out.fallback ? -1.0 : static_cast<double>(out.offset));
}

// reset(memory, fresh) -> base offset. `memory` is this epoch's block:
// the last one moved into a new ArrayBuffer (every old view detached), or
// fresh memory when the last one was moved out by its user.
Napi::Value NativeArena::Reset(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  engram_arena* arena = Live(env);
  StateSync sync(arena, state_);
  const uint64_t base = BindMemory(env, info[0], convert::ToBool(env, info[1], "fresh"));
  errors::Check(env, engram_arena_reset(arena));
  return Napi::Number::New(env, static_cast<double>(base));
}

// resetFunction() -> reset() bound to this wrapper, for the facade's once-per-
// epoch call: it finds the wrapper through the function's data instead of
// napi_unwrap, a third of a reset's native cost on Node 24. The data is a
// ResetTarget both sides own a share of, so the function may outlive the
// wrapper: it then answers as a destroyed arena.
Napi::Value NativeArena::ResetFunction(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ResetTarget* target = new ResetTarget{this, 2};
  Napi::Function function;
  try {
    function = Napi::Function::New<&NativeArena::ResetBound>(env, "reset", target);
  } catch (...) {
    delete target;
    throw;
  }
  if (napi_add_finalizer(env, function, target, ReleaseTarget, nullptr, nullptr) != napi_ok) {
    target->shares = 1;  // the function keeps a pointer it never frees: leak rather than free under it
  }
  targets_.push_back(target);
  return function;
}

Napi::Value NativeArena::ResetBound(const Napi::CallbackInfo& info) {
  NativeArena* arena = static_cast<ResetTarget*>(info.Data())->arena;
  if (arena == nullptr) errors::ThrowDestroyed(info.Env());
  return arena->Reset(info);
}

void NativeArena::ReleaseTarget(napi_env /*env*/, void* data, void* /*hint*/) {
  ResetTarget* target = static_cast<ResetTarget*>(data);
  target->shares -= 1;
  if (target->shares == 0) delete target;
}

Napi::Value NativeArena::Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  engram_arena* arena = Live(env);
  StateSync sync(arena, state_);
  engram_arena_stats_t stats;
  errors::Check(env, engram_arena_get_stats(arena, &stats));
  return StatsObject(env, stats);
}

// destroy(): folds the counters into the metrics and frees the handle;
// idempotent. The memory is the engine's.
Napi::Value NativeArena::Destroy(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (arena_ == nullptr) return env.Undefined();
  engram_arena* arena = Live(env);
  { StateSync sync(arena, state_); }
  arena_ = nullptr;
  engram_arena_destroy(arena);
  return env.Undefined();
}
