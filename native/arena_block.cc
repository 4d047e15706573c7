#include "arena_block.h"

#include <cassert>

#include "env_data.h"

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

void BlockRetireArena(napi_env env, ArenaBlock* block) {
  EnvData* data = nullptr;
  napi_get_instance_data(env, reinterpret_cast<void**>(&data));
  if (block->arena == nullptr || block->escaped || data == nullptr) {
    BlockFreeArena(env, block);
    return;
  }
  engram_arena* arena = block->arena;
  if (block->thread_owned) {
    // Take the memory out of the thread's slot, which a fresh arena may need
    // before the memory can go.
    engram_arena* owned = nullptr;
    if (engram_thread_arena_disown(&owned) != ENGRAM_OK) {
      BlockFreeArena(env, block);
      return;
    }
    arena = owned;
  }
  // Destroyed now as far as anyone can see (metrics included); only the
  // memory waits for FreeRetired.
  if (engram_arena_retire(arena) != ENGRAM_OK) {
    engram_arena_destroy(arena);
  } else {
    data->retired.push_back(arena);
  }
  block->arena = nullptr;
  int64_t total = 0;
  // Undo BlockReportMemory.
  napi_adjust_external_memory(env, -static_cast<int64_t>(block->capacity_bytes), &total);
}

void FreeRetired(napi_env env) {
  EnvData* data = nullptr;
  napi_get_instance_data(env, reinterpret_cast<void**>(&data));
  if (data == nullptr) return;
  std::vector<engram_arena*> retired;
  retired.swap(data->retired);
  for (engram_arena* arena : retired) engram_arena_destroy(arena);
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
