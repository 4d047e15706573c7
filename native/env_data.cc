// The life of an environment's EnvData: made at module load, freed by the
// environment's cleanup hook (a worker exiting, or the main thread at exit).
#include "env_data.h"

namespace {

void CleanupEnv(void* arg) {
  EnvData* data = static_cast<EnvData*>(arg);
  napi_set_instance_data(data->env, nullptr, nullptr, nullptr);
  delete data;
}

}  // namespace

EnvData* AttachEnvData(Napi::Env env) {
  EnvData* data = new EnvData();
  data->env = env;
  // The cleanup hook owns EnvData; instance data only finds it.
  napi_set_instance_data(env, data, nullptr, nullptr);
  napi_add_env_cleanup_hook(env, CleanupEnv, data);
  return data;
}
