// Lifetime of the memory behind one arena, shared by its JavaScript wrapper and
// by every ArrayBuffer that views it.
#pragma once
#include <node_api.h>
#include <cstdint>

#include "engram_arena.h"

/// One reference per holder: the wrapper, and each external ArrayBuffer until
/// V8 finalizes it. The memory goes back only when the last holder lets go, so
/// a view kept after its Arena was collected still reads its bytes.
/// Explicit destroy()/reset() first detach every view, so they may free or
/// reuse the memory at once; the block itself then only counts.
struct ArenaBlock {
  engram_arena* arena;      ///< null once freed (destroyed) or retired (thread arena gone)
  uint64_t capacity_bytes;  ///< what V8 was told this block keeps alive
  bool thread_owned;        ///< freed by engram_deinit_thread_arena, never by destroy
  /// Some ArrayBuffer over this memory was moved out (transferred) behind our
  /// back. Its new owner may live in another thread and outlive this one, and
  /// a worker's teardown runs view finalizers early, so the memory is never
  /// freed: a deliberate leak, only after such a transfer.
  bool escaped;
  uint32_t refs;

  ArenaBlock(engram_arena* a, uint64_t capacity, bool thread)
      : arena(a), capacity_bytes(capacity), thread_owned(thread), escaped(false), refs(1) {}
};

/// Tells V8 about the native memory the block holds, so dropped arenas get collected.
void BlockReportMemory(napi_env env, ArenaBlock* block);
void BlockRetain(ArenaBlock* block);
/// Drops one reference; the last one frees an instance arena and the block.
void BlockRelease(napi_env env, ArenaBlock* block);
/// Frees (instance) or forgets (thread) the arena now; views must already be
/// detached. An escaped arena is only forgotten, never freed.
void BlockFreeArena(napi_env env, ArenaBlock* block);
/// Retires the arena now (it reads as destroyed, and a thread arena's slot is
/// free for a fresh one) but keeps its memory until FreeRetired: native code
/// that took a pointer before the JavaScript call that destroyed the arena
/// (Buffer#fill calling a valueOf that destroys it) may still write to it
/// until that call returns. Views must already be detached.
void BlockRetireArena(napi_env env, ArenaBlock* block);
/// Gives back the memory of every arena this environment retired.
void FreeRetired(napi_env env);
