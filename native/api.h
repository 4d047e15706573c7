// The binding's free functions, grouped by job, one file a group; addon.cc
// registers each group on the module's exports. lib/binding.ts describes the
// whole surface for the facade.
#pragma once
#include <napi.h>

/// setErrorClasses (errors.cc): the facade's classes for the errors the shim throws.
void RegisterErrorApi(Napi::Env env, Napi::Object exports);
/// setConfig, getConfig, resetConfig, envErrors, metrics, resetMetrics, abiHash (config_api.cc).
void RegisterConfigApi(Napi::Env env, Napi::Object exports);
/// paddingFor, discardMemory, freeMemory, countMovedOut (memory_api.cc).
void RegisterMemoryApi(Napi::Env env, Napi::Object exports);
/// Test-only seams (testing_api.cc): never part of the published typings.
void RegisterTestingApi(Napi::Env env, Napi::Object exports);
