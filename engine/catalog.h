// Plain views of the XAPI objects the engine plans with (VMs, snapshots, their disks), decoded
// from XAPI records. Planning logic (base selection, retention) is pure functions over these, so
// it is tested without a pool.
#ifndef XCR_ENGINE_CATALOG_H_
#define XCR_ENGINE_CATALOG_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace xcr::engine {

using StringMap = std::map<std::string, std::string>;

struct VdiView {
  std::string ref;
  std::string uuid;
  std::string name_label;
  std::string sr_uuid;
  uint64_t virtual_size = 0;
  uint64_t physical_utilisation = 0;  // bytes the SR holds for it, as the pool reports
  bool is_a_snapshot = false;
  std::string snapshot_of;  // ref of the VDI this is a snapshot of, or "OpaqueRef:NULL"
  StringMap other_config;
};

// A disk of a VM: a VBD of type Disk and its VDI.
struct DiskView {
  std::string userdevice;
  bool bootable = false;
  VdiView vdi;
};

struct VmView {
  std::string ref;
  std::string uuid;
  std::string name_label;
  bool is_a_template = false;
  bool is_a_snapshot = false;
  std::string snapshot_of;             // ref of the VM this is a snapshot of
  std::vector<std::string> snapshots;  // refs of this VM's snapshots
  int64_t snapshot_time = 0;
  StringMap other_config;
  StringMap blocked_operations;
  std::vector<std::string> tags;
  std::vector<DiskView> disks;
};

// other_config[key], or "" when absent.
std::string_view ConfigValue(const StringMap& m, std::string_view key);

}  // namespace xcr::engine

#endif  // XCR_ENGINE_CATALOG_H_
