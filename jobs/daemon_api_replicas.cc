// POST /api/replicas/UUID/clone: the disaster-recovery clone of a replica on its target pool
// (what `xcr clone-replica` does), through PoolAccess::CloneReplica; POST
// /api/replicas/UUID/verify: its content checked as `xcr verify` does, through
// PoolAccess::VerifyReplica; and the replica VM (uuid, name, chain length, size, age) for GET
// /api/replicas, through PoolAccess::ListReplicas.
#include <algorithm>
#include <map>
#include <set>

#include "base/logging.h"
#include "engine/backup_datetime.h"
#include "engine/replica_verify_report.h"
#include "jobs/daemon_api.h"
#include "jobs/daemon_api_http.h"

namespace xcr::jobs {
namespace {

// A replica operation's failure: 404 no such VM, 400 not a replica, 409 an interrupted copy (or
// a verify that needs the source), 502 the pool.
net::HttpResponse ReplicaErrorResponse(const Status& status) {
  switch (status.code()) {
    case StatusCode::kNotFound:
    case StatusCode::kInvalidArgument:
    case StatusCode::kFailedPrecondition:
      return ErrorResponse(status);
    default:
      return PoolErrorResponse(status);
  }
}

// Reads the string field `key` of a request body into *out: a non-empty string, or (when not
// `required`) null or absent.
void ReadPoolId(const nlohmann::json& body, const std::string& key, bool required,
                const std::string& what, FieldErrors* errors, std::string* out) {
  auto it = body.find(key);
  if (it != body.end() && it->is_string() && !it->get<std::string>().empty()) {
    *out = it->get<std::string>();
  } else if (it != body.end() && !it->is_string() && !it->is_null()) {
    errors->push_back({key, "must be a pool id (a string)"});
  } else if (required) {
    errors->push_back({key, "required: the id of " + what});
  }
}

}  // namespace

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
  const int64_t now_s = env_->NowUnixMicros() / 1000000;
  std::map<std::string, std::string> pool_names;
  if (auto pools = store_->ListPools(); pools.ok()) {
    for (const PoolConfig& p : *pools) pool_names[p.id] = p.name;
  }
  for (nlohmann::json& e : entries) {
    auto pool_name = pool_names.find(e["pool"].get<std::string>());
    e["pool_name"] =
        pool_name == pool_names.end() ? nlohmann::json() : nlohmann::json(pool_name->second);
    e["sr_name"] = nullptr;
    e["uuid"] = nullptr;
    e["name"] = nullptr;
    e["chain_length"] = nullptr;
    e["size"] = nullptr;
    e["physical_utilisation"] = nullptr;
    e["disks"] = nullptr;
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
      if (!best->sr_name.empty()) e["sr_name"] = best->sr_name;
      if (best->delta_chain_length >= 0) e["chain_length"] = best->delta_chain_length;
      e["size"] = best->virtual_size;
      e["physical_utilisation"] = best->physical_utilisation;
      e["disks"] = best->disks;
      // The recovery point: the replica's own datetime (its source snapshot's time).
      auto t = engine::ParseBackupDatetime(best->datetime);
      if (t.ok()) e["age_s"] = std::max<int64_t>(0, now_s - *t);
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
      out.push_back(
          {{"uuid", r.uuid},
           {"name", r.name},
           {"job", r.job},
           {"vm", r.source_vm},
           {"pool", pool.id},
           {"pool_name", pool.name},
           {"sr", r.sr},
           {"sr_name", r.sr_name},
           {"datetime", r.datetime},
           {"complete", r.complete},
           {"age_s", r.complete ? nlohmann::json(r.age_s) : nlohmann::json()},
           {"chain_length",
            r.delta_chain_length >= 0 ? nlohmann::json(r.delta_chain_length) : nlohmann::json()},
           {"size", r.virtual_size},
           {"physical_utilisation", r.physical_utilisation},
           {"disks", r.disks}});
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
  if (!clone.ok()) return ReplicaErrorResponse(clone.status());
  return JsonResponse(201,
                      {{"uuid", clone->uuid}, {"name", clone->name}, {"started", clone->started}});
}

net::HttpResponse DaemonApi::VerifyReplica(const std::string& uuid, const net::HttpRequest& req) {
  auto body = ParseJsonBody(req);
  if (!body.ok()) return ErrorResponse(body.status());
  FieldErrors errors;
  std::string pool_id, source_id;
  ReadPoolId(*body, "pool", true, "the pool holding the replica", &errors, &pool_id);
  ReadPoolId(*body, "source", false, "the source pool", &errors, &source_id);
  for (const auto& [key, value] : body->items()) {
    if (key != "pool" && key != "source") errors.push_back({key, "unknown field"});
  }
  if (!errors.empty()) return FieldErrorResponse("the verify request is invalid", errors);
  auto pool = store_->GetPool(pool_id);
  if (!pool.ok()) return ErrorResponse(pool.status());
  // Where the source VM may be: the pool named, else every stored pool (the replica's own last:
  // a replica is mostly on another pool than its source).
  std::vector<PoolConfig> sources;
  if (!source_id.empty()) {
    auto source = store_->GetPool(source_id);
    if (!source.ok()) return ErrorResponse(source.status());
    sources.push_back(std::move(*source));
  } else {
    auto all = store_->ListPools();
    if (!all.ok()) return ErrorResponse(all.status());
    for (PoolConfig& p : *all) {
      if (p.id != pool_id) sources.push_back(std::move(p));
    }
    sources.push_back(*pool);
  }
  auto verified = pools_->VerifyReplica(*pool, sources, uuid);
  if (!verified.ok()) return ReplicaErrorResponse(verified.status());
  nlohmann::json out = engine::VerifyReportJson(uuid, verified->disks);
  out["pool"] = pool_id;
  out["source_pool"] =
      verified->source_pool.empty() ? nlohmann::json() : nlohmann::json(verified->source_pool);
  return JsonResponse(200, out);
}

}  // namespace xcr::jobs
