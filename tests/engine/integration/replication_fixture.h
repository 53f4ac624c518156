// A test fixture for end-to-end replication scenarios: one source pool with one VM, two empty
// target pools, runs of the VM replicator with the per-disk outcome read from the task log, and
// the checks every scenario repeats (replica disks equal to the source snapshot's, userdevices,
// sizes, no orphan VDI on a target SR).
#ifndef XCR_TESTS_ENGINE_INTEGRATION_REPLICATION_FIXTURE_H_
#define XCR_TESTS_ENGINE_INTEGRATION_REPLICATION_FIXTURE_H_

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/other_config_keys.h"
#include "engine/vm_replicator.h"
#include "tests/engine/integration/sim_pools.h"

namespace xcr::engine::testing {

inline constexpr uint64_t kMiB = 1 << 20;
// A delta of n changed 2 MiB blocks: the blocks plus headers, BAT and bitmaps.
constexpr uint64_t DeltaBound(int blocks) { return blocks * 2 * kMiB + 64 * 1024; }

// What one disk's export did in a run (from the task log).
struct DiskRun {
  std::string mode;  // "delta" | "full"
  uint64_t bytes = 0;
};

struct RunResult {
  VmOutcome out;
  std::map<std::string, DiskRun> disks;  // by userdevice
  std::string log;                       // the task log as text, for failure messages
  uint64_t DiskBytesSum() const {
    uint64_t n = 0;
    for (const auto& [dev, d] : disks) n += d.bytes;
    return n;
  }
};

class ReplicationFixture : public ::testing::Test {
 protected:
  static constexpr uint64_t kDiskSize = 16 * kMiB;

  void SetUp() override {
    src_ = std::make_unique<SimPool>(dir_.File("src"), 1, kDiskSize);
    dst_ = std::make_unique<SimPool>(dir_.File("dst"), 0, kDiskSize);
    dst2_ = std::make_unique<SimPool>(dir_.File("dst2"), 0, kDiskSize);
    ASSERT_OK(src_->Start());
    ASSERT_OK(dst_->Start());
    ASSERT_OK(dst2_->Start());
    ASSERT_OK_AND_ASSIGN(auto cat, src_->Catalog());
    for (const VmView& v : cat.vms) {
      if (!v.is_a_snapshot && !v.is_a_template) vm_ = v;
    }
    ASSERT_FALSE(vm_.uuid.empty());
    ASSERT_OK_AND_ASSIGN(src_sr_, src_->SrUuid());
    ASSERT_OK_AND_ASSIGN(dst_sr_, dst_->SrUuid());
    ASSERT_OK_AND_ASSIGN(dst2_sr_, dst2_->SrUuid());
    options_.job_id = "job-1";
    options_.schedule_id = "sched-1";
    options_.job_name = "nightly";
  }

  std::vector<TargetSpec> One() { return {{&dst_->conn(), dst_sr_, "dr"}}; }
  std::vector<TargetSpec> Both() {
    return {{&dst_->conn(), dst_sr_, "dr"}, {&dst2_->conn(), dst2_sr_, "dr2"}};
  }
  std::vector<SimPool*> Pools(size_t n) {
    std::vector<SimPool*> p = {dst_.get(), dst2_.get()};
    p.resize(n);
    return p;
  }

  RunResult Run(const std::vector<TargetSpec>& targets) {
    TaskLog log(Env::Default());
    VmReplicator r(&src_->conn(), targets, options_, &log);
    RunResult res;
    res.out = r.Run(vm_.uuid, kNoParent);
    res.log = log.ToText();
    const std::string marker = "export of disk ";
    for (const TaskRecord& t : log.Snapshot()) {
      size_t at = t.label.find(marker);
      if (at == std::string::npos) continue;
      DiskRun& d = res.disks[t.label.substr(at + marker.size())];
      auto mode = t.data.find("mode");
      d.mode = mode == t.data.end() ? "?" : mode->second;
      d.bytes = t.bytes;
    }
    return res;
  }

  // The VM (or snapshot) with this uuid on the pool, with its disks.
  static VmView Find(SimPool& pool, const std::string& uuid) {
    auto cat = pool.Catalog();
    EXPECT_TRUE(cat.ok()) << cat.status().ToString();
    if (!cat.ok()) return {};
    for (const VmView& v : cat->vms) {
      if (v.uuid == uuid) return v;
    }
    ADD_FAILURE() << "no VM " << uuid << " on " << pool.url();
    return {};
  }
  static bool Exists(SimPool& pool, const std::string& uuid) {
    auto cat = pool.Catalog();
    if (!cat.ok()) return false;
    for (const VmView& v : cat->vms) {
      if (v.uuid == uuid) return true;
    }
    return false;
  }
  VmView SourceVm() { return Find(*src_, vm_.uuid); }

  // Creates a VDI on the pool's SR and attaches it to `vm_ref` at `userdevice`; returns its ref.
  static Result<std::string> AddDisk(SimPool& pool, const std::string& vm_ref, uint64_t size,
                                     const std::string& userdevice, const std::string& name) {
    XCR_ASSIGN_OR_RETURN(std::string sr_uuid, pool.SrUuid());
    XCR_ASSIGN_OR_RETURN(std::string sr, xapi::GetByUuid(pool.conn(), "SR", sr_uuid));
    xapi::VdiSpec spec;
    spec.SR = sr;
    spec.virtual_size = static_cast<int64_t>(size);
    spec.name_label = name;
    XCR_ASSIGN_OR_RETURN(std::string vdi, xapi::VdiCreate(pool.conn(), spec));
    xapi::VbdSpec vbd;
    vbd.VM = vm_ref;
    vbd.VDI = vdi;
    vbd.userdevice = userdevice;
    XCR_RETURN_IF_ERROR(xapi::VbdCreate(pool.conn(), vbd).status());
    return vdi;
  }

  // The source VM's disk at `userdevice` (its current VDI ref).
  std::string DiskRef(const std::string& userdevice) {
    for (const DiskView& d : SourceVm().disks) {
      if (d.userdevice == userdevice) return d.vdi.ref;
    }
    ADD_FAILURE() << "the source VM has no disk " << userdevice;
    return "";
  }

  // Every replica of the run equals its source snapshot disk by disk: same userdevices (exactly
  // `userdevices`), same virtual sizes, same content by the simulator's SHA-256.
  void ExpectReplicasMatch(const RunResult& r, const std::vector<std::string>& userdevices) {
    ASSERT_OK(r.out.status) << r.log;
    VmView snap = Find(*src_, r.out.snapshot_uuid);
    std::vector<std::string> snap_devs;
    for (const DiskView& d : snap.disks) snap_devs.push_back(d.userdevice);
    EXPECT_EQ(snap_devs, userdevices) << "source snapshot " << snap.uuid;
    std::vector<SimPool*> pools = Pools(r.out.targets.size());
    for (size_t t = 0; t < r.out.targets.size(); ++t) {
      SCOPED_TRACE("target " + std::to_string(t));
      ASSERT_OK(r.out.targets[t].status);
      VmView rep = Find(*pools[t], r.out.targets[t].replica_uuid);
      std::vector<std::string> devs;
      for (const DiskView& d : rep.disks) devs.push_back(d.userdevice);
      ASSERT_EQ(devs, userdevices) << "replica " << rep.uuid;
      for (size_t i = 0; i < rep.disks.size(); ++i) {
        SCOPED_TRACE("disk " + rep.disks[i].userdevice);
        EXPECT_EQ(rep.disks[i].vdi.virtual_size, snap.disks[i].vdi.virtual_size);
        ASSERT_OK_AND_ASSIGN(std::string a, src_->Sha256(snap.disks[i].vdi.ref));
        ASSERT_OK_AND_ASSIGN(std::string b, pools[t]->Sha256(rep.disks[i].vdi.ref));
        EXPECT_EQ(a, b);
      }
    }
  }

  // Every disk of the run went as `mode` ("delta"/"full"), by userdevice.
  static void ExpectModes(const RunResult& r, const std::map<std::string, std::string>& modes) {
    std::map<std::string, std::string> got;
    for (const auto& [dev, d] : r.disks) got[dev] = d.mode;
    EXPECT_EQ(got, modes) << r.out.base_note << "\n" << r.log;
  }

  // Each disk was exported once, whatever the number of targets: the run's byte count is the
  // sum of its disks' exports.
  static void ExpectExportedOnce(const RunResult& r) {
    EXPECT_EQ(r.out.bytes, r.DiskBytesSum()) << r.log;
  }

  // Every VDI on the pool's SR belongs to a VM or snapshot; returns the number of VDIs.
  static size_t ExpectNoOrphans(SimPool& pool) {
    auto sr = pool.SrUuid();
    EXPECT_TRUE(sr.ok());
    auto cat = pool.Catalog();
    EXPECT_TRUE(cat.ok());
    if (!sr.ok() || !cat.ok()) return 0;
    std::set<std::string> referenced;
    for (const VmView& v : cat->vms) {
      for (const DiskView& d : v.disks) referenced.insert(d.vdi.uuid);
    }
    TargetInventory inv = cat->Inventory(*sr);
    for (const VdiView& v : inv.vdis) {
      EXPECT_TRUE(referenced.count(v.uuid))
          << "orphan VDI " << v.uuid << " '" << v.name_label << "' on " << pool.url();
    }
    return inv.vdis.size();
  }

  // Replica VMs (not snapshots) of this job on the pool.
  std::vector<VmView> ReplicasOn(SimPool& pool) {
    std::vector<VmView> out;
    auto cat = pool.Catalog();
    EXPECT_TRUE(cat.ok());
    if (!cat.ok()) return out;
    for (const VmView& v : cat->vms) {
      if (ConfigValue(v.other_config, keys::kJob) == options_.job_id &&
          v.blocked_operations.count("start")) {
        out.push_back(v);
      }
    }
    return out;
  }

  ::xcr::testing::TempDir dir_;
  std::unique_ptr<SimPool> src_, dst_, dst2_;
  VmView vm_;
  std::string src_sr_, dst_sr_, dst2_sr_;
  ReplicationOptions options_;
};

}  // namespace xcr::engine::testing

#endif  // XCR_TESTS_ENGINE_INTEGRATION_REPLICATION_FIXTURE_H_
