// Loads what the engine plans with from a live pool: VM, VBD, VDI and SR records in four
// get_all_records calls, decoded into planning views (catalog_decode.h).
#ifndef XCR_ENGINE_POOL_CATALOG_H_
#define XCR_ENGINE_POOL_CATALOG_H_

#include <map>
#include <string>
#include <vector>

#include "base/result.h"
#include "engine/base_selection.h"
#include "engine/catalog.h"
#include "engine/catalog_decode.h"
#include "xapi/connection.h"

namespace xcr::engine {

Result<PoolRecords> LoadPoolRecords(xapi::Connection& conn);

// A pool's VMs (with disks) and VDIs.
struct PoolCatalog {
  std::vector<VmView> vms;
  std::vector<VdiView> vdis;
  std::map<std::string, std::string> sr_names;  // SR uuid -> name_label

  // The VM (not snapshot, not template) whose uuid or name is `id`. kNotFound if none,
  // kInvalidArgument if a name matches several VMs (the message lists their uuids).
  Result<const VmView*> FindVm(const std::string& id) const;
  // Every snapshot of the VM with ref `vm_ref`.
  std::vector<VmView> SnapshotsOf(const std::string& vm_ref) const;
  // The VDIs on the SR with this uuid.
  TargetInventory Inventory(const std::string& sr_uuid) const;
};

Result<PoolCatalog> LoadPoolCatalog(xapi::Connection& conn);

}  // namespace xcr::engine

#endif  // XCR_ENGINE_POOL_CATALOG_H_
