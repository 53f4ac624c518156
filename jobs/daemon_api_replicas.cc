// POST /api/replicas/UUID/clone: the disaster-recovery clone of a replica on its target pool
// (what `xcr clone-replica` does), through PoolAccess::CloneReplica; and the replica VM's uuid
// for GET /api/replicas, through PoolAccess::ListReplicas.
#include <map>
#include <set>

#include "base/logging.h"
#include "jobs/daemon_api.h"
#include "jobs/daemon_api_http.h"

namespace xcr::jobs {

const std::vector<engine::ReplicaEntry>* DaemonApi::PoolReplicas(PoolReplicaCache& cache,
                                                                 const std::string& pool_id) {
  auto it = cache.find(pool_id);
  if (it == cache.end()) {
    it = cache.emplace(pool_id, std::nullopt).first;
    auto pool = store_->GetPool(pool_id);
    if (pool.ok()) {
      auto replicas = pools_->ListReplicas(*pool);
      if (replicas.ok()) {
        it->second = std::move(*replicas);
      } else {
        XCR_LOG(WARN) << "api: replicas on pool '" << pool->name
                      << "' not listed: " << replicas.status().ToString();
      }
    }
  }
  return it->second ? &*it->second : nullptr;
}

void DaemonApi::AddReplicaVms(nlohmann::json& entries, PoolReplicaCache& cache) {
  for (nlohmann::json& e : entries) {
    e["uuid"] = nullptr;
    e["name"] = nullptr;
    const std::vector<engine::ReplicaEntry>* listed =
        PoolReplicas(cache, e["pool"].get<std::string>());
    if (listed == nullptr) continue;
    const std::string sr = e["sr"].get<std::string>();
    const engine::ReplicaEntry* best = nullptr;  // newest first: the first match wins
    for (const engine::ReplicaEntry& r : *listed) {
      if (!r.complete || r.job != e["job"] || r.source_vm != e["vm"]) continue;
      if (r.sr == sr || r.sr_name == sr) {
        best = &r;
        break;
      }
      if (!best) best = &r;  // the job names its SR some other way: still this VM's replica
    }
    if (best) {
      e["uuid"] = best->uuid;
      e["name"] = best->name;
    }
  }
}

nlohmann::json DaemonApi::ListOrphans(PoolReplicaCache& cache) {
  nlohmann::json out = nlohmann::json::array();
  auto pools = store_->ListPools();
  auto jobs = store_->ListJobs();
  if (!pools.ok() || !jobs.ok()) return out;
  std::set<std::string> known;
  for (const Job& j : *jobs) known.insert(j.id);
  for (const PoolConfig& pool : *pools) {
    const std::vector<engine::ReplicaEntry>* listed = PoolReplicas(cache, pool.id);
    if (listed == nullptr) continue;
    for (const engine::ReplicaEntry& r : *listed) {
      if (r.job.empty() || known.count(r.job)) continue;
      out.push_back({{"uuid", r.uuid},
                     {"name", r.name},
                     {"job", r.job},
                     {"vm", r.source_vm},
                     {"pool", pool.id},
                     {"pool_name", pool.name},
                     {"sr", r.sr},
                     {"sr_name", r.sr_name},
                     {"datetime", r.datetime},
                     {"complete", r.complete}});
    }
  }
  return out;
}

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
