#include "jobs/pool_config_json.h"

#include "jobs/job_json_reader.h"

namespace xcr::jobs {

nlohmann::json PoolToJson(const PoolConfig& pool) {
  return {{"id", pool.id},
          {"name", pool.name},
          {"urls", pool.urls},
          {"user", pool.user},
          {"hasPassword", !pool.password.empty()},
          {"fingerprint", pool.fingerprint},
          {"insecure", pool.insecure}};
}

FieldErrors PoolFromJson(const nlohmann::json& json, PoolConfig* pool) {
  FieldErrors errors;
  JsonObjectReader r(json, "", &errors);
  if (!r.is_object()) return errors;
  r.String("id", &pool->id);
  r.String("name", &pool->name);
  r.StringList("urls", &pool->urls);
  r.String("user", &pool->user);
  r.String("password", &pool->password);
  r.String("fingerprint", &pool->fingerprint);
  r.Bool("insecure", &pool->insecure);
  (void)r.Member("hasPassword");  // sent back by clients that edit what they read; ignored
  r.Finish();
  return errors;
}

}  // namespace xcr::jobs
