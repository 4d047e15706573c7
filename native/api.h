// The binding's free functions, grouped by job, one file a group; addon.cc
// registers each group on the module's exports. lib/binding.ts describes the
// whole surface for the facade.
#pragma once
#include <napi.h>

/// setErrorClasses (status.cc): the facade's classes for the errors the shim throws.
void RegisterErrorApi(Napi::Env env, Napi::Object exports);
/// setConfig, getConfig, resetConfig, envErrors, metrics, resetMetrics, limits (config_api.cc).
void RegisterConfigApi(Napi::Env env, Napi::Object exports);
/// threadArena, resetThreadArena, deinitThreadArena (thread_arena.cc).
void RegisterThreadArenaApi(Napi::Env env, Napi::Object exports);
/// setViewMode, probeBuffer, probeIs, scanEscapes, freeRetired (views_api.cc).
void RegisterViewApi(Napi::Env env, Napi::Object exports);
/// Test-only seams (testing_api.cc): never part of the published typings.
void RegisterTestingApi(Napi::Env env, Napi::Object exports);
