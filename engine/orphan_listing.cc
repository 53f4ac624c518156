#include "engine/orphan_listing.h"

#include "engine/other_config_keys.h"
#include "engine/replica_ops.h"

namespace xcr::engine {

std::vector<OrphanEntry> ListOrphans(const PoolCatalog& catalog,
                                     const std::set<std::string>& known_jobs) {
  std::vector<OrphanEntry> replicas, snapshots;
  for (const VmView& v : catalog.vms) {
    std::string job(ConfigValue(v.other_config, keys::kJob));
    if (job.empty() || known_jobs.count(job)) continue;
    bool replica = LooksLikeReplica(v) && !(v.is_a_template && !v.is_a_snapshot);
    bool snapshot = v.is_a_snapshot && ConfigValue(v.other_config, keys::kSr).empty();
    if (!replica && !snapshot) continue;
    OrphanEntry e;
    e.kind = replica ? "replica" : "snapshot";
    e.uuid = v.uuid;
    e.name = v.name_label;
    e.job = job;
    e.schedule = std::string(ConfigValue(v.other_config, keys::kSchedule));
    e.vm = std::string(ConfigValue(v.other_config, keys::kVm));
    e.datetime = std::string(ConfigValue(v.other_config, keys::kDatetime));
    if (replica) {
      e.sr = std::string(ConfigValue(v.other_config, keys::kSr));
      auto it = catalog.sr_names.find(e.sr);
      if (it != catalog.sr_names.end()) e.sr_name = it->second;
    }
    e.complete = !replica || e.datetime != keys::kDatetimePlaceholder;
    (replica ? replicas : snapshots).push_back(std::move(e));
  }
  replicas.insert(replicas.end(), snapshots.begin(), snapshots.end());
  return replicas;
}

Result<std::vector<OrphanEntry>> ListOrphans(xapi::Connection& conn,
                                             const std::set<std::string>& known_jobs) {
  auto catalog = LoadPoolCatalog(conn);
  if (!catalog.ok()) {
    return catalog.status().WithContext("list the replicas of pool '" + conn.master_url() + "'");
  }
  return ListOrphans(*catalog, known_jobs);
}

nlohmann::json OrphanListingJson(const std::vector<OrphanEntry>& orphans) {
  nlohmann::json out = nlohmann::json::array();
  for (const OrphanEntry& e : orphans) {
    out.push_back({{"kind", e.kind},
                   {"uuid", e.uuid},
                   {"name", e.name},
                   {"job", e.job},
                   {"schedule", e.schedule},
                   {"vm", e.vm},
                   {"sr", e.sr},
                   {"sr_name", e.sr_name},
                   {"datetime", e.datetime},
                   {"complete", e.complete}});
  }
  return out;
}

}  // namespace xcr::engine
