#include "engine/replica_listing.h"

#include <algorithm>
#include <sstream>

#include "engine/backup_datetime.h"
#include "engine/other_config_keys.h"
#include "engine/progress_meter.h"
#include "engine/replica_ops.h"

namespace xcr::engine {

std::vector<ReplicaEntry> ListPoolReplicas(const PoolCatalog& catalog, const std::string& filter,
                                           int64_t now_unix_s) {
  std::vector<ReplicaEntry> list;
  for (const VmView& v : catalog.vms) {
    if (!LooksLikeReplica(v)) continue;
    ReplicaEntry e;
    e.source_vm = std::string(ConfigValue(v.other_config, keys::kVm));
    if (!filter.empty() && e.source_vm != filter &&
        v.name_label.find(filter) == std::string::npos) {
      continue;
    }
    e.uuid = v.uuid;
    e.name = v.name_label;
    e.job = std::string(ConfigValue(v.other_config, keys::kJob));
    e.schedule = std::string(ConfigValue(v.other_config, keys::kSchedule));
    e.sr = std::string(ConfigValue(v.other_config, keys::kSr));
    e.datetime = std::string(ConfigValue(v.other_config, keys::kDatetime));
    auto t = ParseBackupDatetime(e.datetime);
    e.complete = e.datetime != keys::kDatetimePlaceholder && t.ok();
    e.age_s = e.complete ? now_unix_s - *t : -1;
    std::string chain(ConfigValue(v.other_config, keys::kDeltaChainLength));
    if (!chain.empty() && chain.size() < 10 &&
        chain.find_first_not_of("0123456789") == std::string::npos) {
      e.delta_chain_length = std::stoi(chain);
    }
    auto sr_name = catalog.sr_names.find(e.sr);
    if (sr_name != catalog.sr_names.end()) e.sr_name = sr_name->second;
    e.disks = v.disks.size();
    for (const DiskView& d : v.disks) {
      e.virtual_size += d.vdi.virtual_size;
      e.physical_utilisation += d.vdi.physical_utilisation;
    }
    list.push_back(std::move(e));
  }
  std::stable_sort(list.begin(), list.end(), [](const ReplicaEntry& x, const ReplicaEntry& y) {
    return DatetimeSortKey(x.datetime) > DatetimeSortKey(y.datetime);
  });
  return list;
}

Result<std::vector<ReplicaEntry>> ListPoolReplicas(xapi::Connection& conn,
                                                   const std::string& filter, int64_t now_unix_s) {
  auto catalog = LoadPoolCatalog(conn);
  if (!catalog.ok()) return catalog.status();
  return ListPoolReplicas(*catalog, filter, now_unix_s);
}

nlohmann::json ReplicaListingJson(const std::vector<ReplicaEntry>& replicas) {
  nlohmann::json list = nlohmann::json::array();
  for (const ReplicaEntry& e : replicas) {
    list.push_back(
        {{"uuid", e.uuid},
         {"name", e.name},
         {"source_vm", e.source_vm},
         {"job", e.job},
         {"schedule", e.schedule},
         {"sr", e.sr},
         {"sr_name", e.sr_name},
         {"datetime", e.datetime},
         {"complete", e.complete},
         {"age_s", e.age_s},
         {"delta_chain_length",
          e.delta_chain_length >= 0 ? nlohmann::json(e.delta_chain_length) : nlohmann::json()},
         {"disks", e.disks},
         {"virtual_size", e.virtual_size},
         {"physical_utilisation", e.physical_utilisation}});
  }
  return list;
}

std::string ReplicaListingText(const std::vector<ReplicaEntry>& replicas, const std::string& pool) {
  std::ostringstream out;
  if (replicas.empty()) out << "no replicas on " << pool << "\n";
  for (const ReplicaEntry& e : replicas) {
    out << e.uuid << "  " << e.name << "\n"
        << "    "
        << (e.complete ? "age " + FormatDuration(e.age_s)
                       : std::string("INCOMPLETE (interrupted copy; the next run deletes it)"))
        << ", delta chain "
        << (e.delta_chain_length >= 0 ? std::to_string(e.delta_chain_length) : std::string("?"))
        << ", " << e.disks << " disk(s), SR "
        << (e.sr_name.empty() ? e.sr : "'" + e.sr_name + "' (" + e.sr + ")") << "\n";
  }
  return out.str();
}

}  // namespace xcr::engine
