// The JavaScript objects of engram_arena_abi.h's records, built from its
// generated field lists so that no field is named here: a field added in
// zig/src/abi.zig reaches JavaScript with no change in this folder.
#pragma once
#include <napi.h>

#include "engram_arena.h"

// Expanded inside the functions below, where `out` and `source` exist.
#define ENGRAM_COPY_FIELD(c_field, js_name) out.Set(#js_name, static_cast<double>(source.c_field));

/// engram_arena_stats_t as lib/abi.ts's ArenaStats.
inline Napi::Object StatsObject(Napi::Env env, const engram_arena_stats_t& source) {
  Napi::Object out = Napi::Object::New(env);
  ENGRAM_ARENA_STATS_FIELDS(ENGRAM_COPY_FIELD)
  return out;
}

/// engram_arena_metrics_t as lib/abi.ts's ArenaMetrics.
inline Napi::Object MetricsObject(Napi::Env env, const engram_arena_metrics_t& source) {
  Napi::Object out = Napi::Object::New(env);
  ENGRAM_ARENA_METRICS_FIELDS(ENGRAM_COPY_FIELD)
  return out;
}

/// engram_arena_options_t as numbers, each the C field's value (the strategy's
/// ENGRAM_OVERFLOW_* value, zero_on_reset 0 or 1): names are the facade's.
inline Napi::Object OptionsObject(Napi::Env env, const engram_arena_options_t& source) {
  Napi::Object out = Napi::Object::New(env);
  ENGRAM_ARENA_OPTIONS_FIELDS(ENGRAM_COPY_FIELD)
  return out;
}

#undef ENGRAM_COPY_FIELD
