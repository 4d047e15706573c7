// The JavaScript objects of engram_arena.h's counter structs, built from the
// header's field lists so that no field is named here again.
#pragma once
#include <napi.h>

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
