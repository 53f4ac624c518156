// Storage and VM operations shared by the VM, VDI and sim.* handlers. All need the service lock
// held (they run inside handlers).
#ifndef XCR_SIM_VM_OPS_H_
#define XCR_SIM_VM_OPS_H_

#include <string>
#include <vector>

#include "base/result.h"
#include "sim/service.h"
#include "sim/xapi_names.h"

namespace xcr::sim {

// Creates a VDI with a fresh disk. `fields` overrides defaults (SR, virtual_size, type, ...).
Result<std::string> CreateVdi(Ctx& x, Struct fields);
// VDI.snapshot (snapshot=true) or VDI.clone (snapshot=false).
Result<std::string> SnapshotVdi(Ctx& x, const std::string& vdi, bool snapshot);
// A full private copy of the VDI in sr.
Result<std::string> CopyVdi(Ctx& x, const std::string& vdi, const std::string& sr);
// VDI.destroy with its checks (VDI_IN_USE).
Status DestroyVdi(Ctx& x, const std::string& vdi);
// Creates a VBD or VIF from a (partial) record, with the checks of VBD.create / VIF.create.
Result<std::string> CreateVbd(Ctx& x, Struct rec);
Result<std::string> CreateVif(Ctx& x, Struct rec);
// Recomputes VM.allowed_operations from its power state and flags.
void RefreshVmAllowed(Ctx& x, const std::string& vm);
// SR_BACKEND_FAILURE_44 when the store is out of space (or the SR-full fault is on).
Status SrFullError();
// Maps a store failure to the XAPI error a real SR gives.
Status StorageError(const Status& s);
// Adds n halted VMs, each with one disk of disk_size bytes with data in every 4th block (and the
// first), a VBD, and a VIF on the pool network. Returns the VM refs.
Result<std::vector<std::string>> PopulateLocked(Ctx& x, int n, uint64_t disk_size);
// Writes `length` bytes of deterministic pseudo-random data (from seed) at offset.
Status WriteRandom(BlockStore& store, const std::string& disk, uint64_t offset, uint64_t length,
                   uint64_t seed);
// A random locally administered MAC address.
std::string RandomMac();

}  // namespace xcr::sim

#endif  // XCR_SIM_VM_OPS_H_
