#include "arena_block.h"

#include <cassert>

void BlockReportMemory(napi_env env, ArenaBlock* block) {
  int64_t total = 0;
  napi_adjust_external_memory(env, static_cast<int64_t>(block->capacity_bytes), &total);
}

void BlockRetain(ArenaBlock* block) {
  assert(block->refs > 0);
  block->refs += 1;
}

void BlockFreeArena(napi_env env, ArenaBlock* block) {
  if (block->arena == nullptr) return;
  if (block->escaped) {
    // Leaked on purpose (see ArenaBlock::escaped); a thread arena was disowned
    // first, so the thread's slot is free.
  } else if (block->thread_owned) {
    engram_deinit_thread_arena();
  } else {
    engram_arena_destroy(block->arena);
  }
  block->arena = nullptr;
  int64_t total = 0;
  // Undo BlockReportMemory; harmless if the environment is going away.
  napi_adjust_external_memory(env, -static_cast<int64_t>(block->capacity_bytes), &total);
}

void BlockRelease(napi_env env, ArenaBlock* block) {
  assert(block->refs > 0);
  block->refs -= 1;
  if (block->refs != 0) return;
  // A thread arena is retired by its environment's cleanup hook, never here:
  // finalizers may run on teardown after the thread's arena was freed. A
  // quarantined arena (see NativeArena::Quarantine) is freed here.
  if (!block->thread_owned) BlockFreeArena(env, block);
  delete block;
}
