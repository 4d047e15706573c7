// The JavaScript objects of engram_arena.h's counter structs, built from the
// header's field lists so that no field is named here again.
#pragma once
#include <napi.h>

#include <cstddef>

#include "engram_arena.h"

// Expanded inside the functions below, where `out` and `source` exist.
#define ENGRAM_COPY_FIELD(c_field, js_name) out.Set(#js_name, static_cast<double>(source.c_field));

/// engram_arena_stats_t as lib/types.ts's ArenaStats.
inline Napi::Object StatsObject(Napi::Env env, const engram_arena_stats_t& source) {
  Napi::Object out = Napi::Object::New(env);
  ENGRAM_STATS_FIELDS(ENGRAM_COPY_FIELD)
  return out;
}

/// engram_metrics_t as lib/types.ts's ArenaMetrics.
inline Napi::Object MetricsObject(Napi::Env env, const engram_metrics_t& source) {
  Napi::Object out = Napi::Object::New(env);
  ENGRAM_METRICS_FIELDS(ENGRAM_COPY_FIELD)
  return out;
}

#undef ENGRAM_COPY_FIELD

// The low 32-bit word of each engram_arena_state_t field, by index into a
// Uint32Array over the struct (the facade reads the struct in place).
#define ENGRAM_STATE_WORD(c_field, js_name) \
  out.Set(#js_name, static_cast<double>(offsetof(engram_arena_state_t, c_field) / sizeof(uint32_t)));

/// {jsName: word index} for every engram_arena_state_t field.
inline Napi::Object StateWordsObject(Napi::Env env) {
  Napi::Object out = Napi::Object::New(env);
  ENGRAM_STATE_FIELDS(ENGRAM_STATE_WORD)
  return out;
}

#undef ENGRAM_STATE_WORD
