// POST /api/replicas/UUID/clone: the disaster-recovery clone of a replica on its target pool
// (what `xcr clone-replica` does), through PoolAccess::CloneReplica.
#include "jobs/daemon_api.h"
#include "jobs/daemon_api_http.h"

namespace xcr::jobs {

net::HttpResponse DaemonApi::CloneReplica(const std::string& uuid, const net::HttpRequest& req) {
  auto body = ParseJsonBody(req);
  if (!body.ok()) return ErrorResponse(body.status());
  FieldErrors errors;
  std::string pool_id, name;
  bool start = false;
  for (const auto& [key, value] : body->items()) {
    if (key == "pool") {
      if (value.is_string()) {
        pool_id = value.get<std::string>();
      } else {
        errors.push_back({"pool", "must be a pool id (a string)"});
      }
    } else if (key == "name") {
      if (value.is_string()) {
        name = value.get<std::string>();
      } else if (!value.is_null()) {
        errors.push_back({"name", "must be a string (the new VM's name)"});
      }
    } else if (key == "start") {
      if (value.is_boolean()) {
        start = value.get<bool>();
      } else if (!value.is_null()) {
        errors.push_back({"start", "must be true or false"});
      }
    } else {
      errors.push_back({key, "unknown field"});
    }
  }
  if (pool_id.empty() && (!body->contains("pool") || (*body)["pool"].is_string())) {
    errors.push_back({"pool", "required: the id of the pool holding the replica"});
  }
  if (!errors.empty()) return FieldErrorResponse("the clone request is invalid", errors);
  auto pool = store_->GetPool(pool_id);
  if (!pool.ok()) return ErrorResponse(pool.status());
  auto clone = pools_->CloneReplica(*pool, uuid, name, start);
  if (!clone.ok()) {
    switch (clone.status().code()) {
      case StatusCode::kNotFound:            // no such VM on the pool: 404
      case StatusCode::kInvalidArgument:     // not a replica: 400
      case StatusCode::kFailedPrecondition:  // an interrupted copy: 409
        return ErrorResponse(clone.status());
      default:
        return PoolErrorResponse(clone.status());
    }
  }
  return JsonResponse(201,
                      {{"uuid", clone->uuid}, {"name", clone->name}, {"started", clone->started}});
}

}  // namespace xcr::jobs
