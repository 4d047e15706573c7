// Test-only seams of the binding. lib/binding.ts types them @internal, so they
// stay out of the published typings; nothing in lib/ calls them.
#include <napi.h>

#include "api.h"
#include "convert.h"
#include "errors.h"

namespace {

// testingFailReservations(count): the next `count` reservations fail, so that
// tests reach ArenaInitError without exhausting memory.
Napi::Value TestingFailReservations(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const uint64_t count = convert::ToCount(env, info[0], "count", errors::kInvalidSize);
  engram_testing_fail_reservations(static_cast<uint32_t>(count > UINT32_MAX ? UINT32_MAX : count));
  return env.Undefined();
}

}  // namespace

void RegisterTestingApi(Napi::Env env, Napi::Object exports) {
  exports.Set("testingFailReservations", Napi::Function::New<TestingFailReservations>(env));
}
