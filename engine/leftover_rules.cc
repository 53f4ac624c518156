#include "engine/leftover_rules.h"

#include "engine/other_config_keys.h"

namespace xcr::engine {

bool HasNoXoKeys(const StringMap& m) {
  for (const auto& [k, v] : m) {
    if (k.rfind("xo:", 0) == 0) return false;
  }
  return true;
}

bool IsUntaggedRunSnapshot(const VmView& snap, const VmView& parent, const std::string& job_name) {
  if (job_name.empty() || !snap.is_a_snapshot || snap.snapshot_of != parent.ref) return false;
  return snap.name_label == "[xcr " + job_name + "] " + parent.name_label &&
         HasNoXoKeys(snap.other_config);
}

bool IsLooseJobDisk(const PoolInventory& inventory, const VdiView& vdi, const std::string& job_id,
                    const std::string& vm_uuid) {
  if (job_id.empty() || ConfigValue(vdi.other_config, keys::kJob) != job_id) return false;
  if (!vm_uuid.empty() && ConfigValue(vdi.other_config, keys::kVm) != vm_uuid) return false;
  auto type = inventory.vdi_types.find(vdi.ref);
  if (type != inventory.vdi_types.end() && type->second == "cbt_metadata") return false;
  return !inventory.Attached(vdi.ref);
}

}  // namespace xcr::engine
