#include "engine/replica_metadata.h"

#include "engine/backup_datetime.h"
#include "engine/other_config_keys.h"

namespace xcr::engine {
namespace {

StringMap Common(const RunIdentity& id, const std::string& datetime) {
  return {{std::string(keys::kJob), id.job_id},
          {std::string(keys::kSchedule), id.schedule_id},
          {std::string(keys::kVm), id.vm_uuid},
          {std::string(keys::kDatetime), datetime}};
}

std::string JobName(const RunIdentity& id) { return id.job_name.empty() ? id.job_id : id.job_name; }

}  // namespace

StringMap SnapshotKeys(const RunIdentity& id, const std::string& datetime) {
  return Common(id, datetime);
}

StringMap SnapshotVdiKeys(const RunIdentity& id, const std::string& datetime,
                          const std::string& vdi_uuid) {
  StringMap m = Common(id, datetime);
  m[std::string(keys::kContentKey)] = vdi_uuid;
  return m;
}

StringMap ExportedKeys(int delta_chain_length) {
  return {{std::string(keys::kExported), "true"},
          {std::string(keys::kDeltaChainLength), std::to_string(delta_chain_length)}};
}

StringMap ReplicaVmKeys(const RunIdentity& id, const std::string& sr_uuid,
                        const std::string& source_snapshot_uuid, int delta_chain_length) {
  StringMap m = Common(id, std::string(keys::kDatetimePlaceholder));
  m[std::string(keys::kSr)] = sr_uuid;
  m[std::string(keys::kCopyOf)] = source_snapshot_uuid;
  m[std::string(keys::kDeltaChainLength)] = std::to_string(delta_chain_length);
  m[std::string(keys::kIncludeNonNbdQcow2Fix)] = "true";
  return m;
}

StringMap ReplicaVdiKeys(const RunIdentity& id, const std::string& sr_uuid,
                         const std::string& source_vdi_uuid, int delta_chain_length) {
  StringMap m = Common(id, std::string(keys::kDatetimePlaceholder));
  m[std::string(keys::kSr)] = sr_uuid;
  m[std::string(keys::kCopyOf)] = source_vdi_uuid;
  m[std::string(keys::kContentKey)] = source_vdi_uuid;
  m[std::string(keys::kDeltaChainLength)] = std::to_string(delta_chain_length);
  m[std::string(keys::kIncludeNonNbdQcow2Fix)] = "true";
  return m;
}

std::string ReplicaName(const RunIdentity& id) {
  return id.vm_name + " - " + JobName(id) + " - (" + FormatCompactDatetime(id.run_unix_seconds) +
         ")";
}

std::string ImportingName(const RunIdentity& id) {
  return std::string(keys::kImportingNamePrefix) + ReplicaName(id);
}

std::string SnapshotName(const RunIdentity& id) {
  return "[xcr " + JobName(id) + "] " + id.vm_name;
}

int64_t NextRunTime(int64_t now, const std::string& job_id, const std::string& vm_uuid,
                    const std::vector<VmView>& source_snapshots,
                    const std::vector<TargetInventory>& targets) {
  int64_t next = now;
  auto consider = [&](const StringMap& oc) {
    if (ConfigValue(oc, keys::kJob) != job_id || ConfigValue(oc, keys::kVm) != vm_uuid) return;
    auto t = ParseBackupDatetime(ConfigValue(oc, keys::kDatetime));
    if (t.ok() && *t + 1 > next) next = *t + 1;
  };
  for (const VmView& s : source_snapshots) consider(s.other_config);
  for (const TargetInventory& t : targets) {
    for (const VdiView& v : t.vdis) consider(v.other_config);
  }
  return next;
}

bool IsNoBackupDisk(const VdiView& vdi) {
  return vdi.name_label.find(keys::kNoBackupMarker) != std::string::npos;
}

bool IsReplicationKey(const std::string& key) {
  return key.rfind("xo:backup:", 0) == 0 || key == keys::kCopyOf || key.rfind("xcr:", 0) == 0 ||
         key.rfind("xo:import:", 0) == 0;
}

}  // namespace xcr::engine
