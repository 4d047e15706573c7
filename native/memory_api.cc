// Free functions over engine-owned memory blocks: alignment within a block,
// giving a dead block's pages back, freeing it, and counting blocks that user
// code moved out of an arena.
#include <napi.h>

#include "api.h"
#include "convert.h"
#include "errors.h"

namespace {

// paddingFor(buffer, alignment) -> bytes from the buffer's start to the first
// address aligned to `alignment` (a power of two up to ENGRAM_MAX_ALIGNMENT).
Napi::Value PaddingFor(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const convert::Bytes bytes = convert::ToAttachedBuffer(env, info[0], "buffer");
  const uint64_t alignment = convert::ToCount(env, info[1], "alignment", errors::kInvalidAlignment);
  if (alignment == 0 || alignment > ENGRAM_MAX_ALIGNMENT || (alignment & (alignment - 1)) != 0) {
    errors::ThrowRangeError(env, errors::kInvalidAlignment, "alignment must be a power of two up to 4096");
  }
  const uint64_t address = reinterpret_cast<uintptr_t>(bytes.data);
  return Napi::Number::New(env, static_cast<double>((alignment - address % alignment) % alignment));
}

// discardMemory(buffer): the block's whole pages go back to the system; the
// buffer stays attached and usable (its bytes read as zero or as before).
Napi::Value DiscardMemory(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const convert::Bytes bytes = convert::ToAttachedBuffer(env, info[0], "buffer");
  engram_discard_memory(bytes.data, bytes.length);
  return env.Undefined();
}

// freeMemory(buffer): detaches it, which frees an engine-owned block at once
// instead of at the next collection. A buffer that cannot be detached is left
// to the collector.
Napi::Value FreeMemory(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info[0].IsArrayBuffer()) napi_detach_arraybuffer(env, info[0]);
  return env.Undefined();
}

// countMovedOut(): one arena memory block left with its user (see
// engram_record_moved_out).
Napi::Value CountMovedOut(const Napi::CallbackInfo& info) {
  engram_record_moved_out();
  return info.Env().Undefined();
}

}  // namespace

void RegisterMemoryApi(Napi::Env env, Napi::Object exports) {
  exports.Set("paddingFor", Napi::Function::New<PaddingFor>(env));
  exports.Set("discardMemory", Napi::Function::New<DiscardMemory>(env));
  exports.Set("freeMemory", Napi::Function::New<FreeMemory>(env));
  exports.Set("countMovedOut", Napi::Function::New<CountMovedOut>(env));
}
