// PoolInventory: a pool's VMs and VDIs as the clean-up code (purge, leftover heal) needs them:
// the planning views of pool_catalog.h plus, for every VDI, the VMs it is attached to by any
// VBD (CD drives included) and its type. A VDI attached to nothing is what an interrupted
// import, or a VM destroyed without its disks, leaves behind.
#ifndef XCR_ENGINE_POOL_INVENTORY_H_
#define XCR_ENGINE_POOL_INVENTORY_H_

#include <map>
#include <string>
#include <vector>

#include "base/result.h"
#include "engine/catalog.h"
#include "engine/catalog_decode.h"
#include "xapi/connection.h"

namespace xcr::engine {

struct PoolInventory {
  std::vector<VmView> vms;    // every VM, snapshot and template (not the control domain)
  std::vector<VdiView> vdis;  // every VDI
  std::map<std::string, std::vector<std::string>> vdi_vms;  // VDI ref -> refs of VMs using it
  std::map<std::string, std::string> vdi_types;             // VDI ref -> type ("user", ...)

  const VmView* Vm(const std::string& ref) const;
  // True if some VBD (of any type, on any VM) refers to the VDI.
  bool Attached(const std::string& vdi_ref) const;
};

// From the four get_all_records results. Corruption naming the record when one cannot be read.
Result<PoolInventory> DecodePoolInventory(const PoolRecords& records);
Result<PoolInventory> LoadPoolInventory(xapi::Connection& conn);

}  // namespace xcr::engine

#endif  // XCR_ENGINE_POOL_INVENTORY_H_
