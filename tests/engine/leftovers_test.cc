// PlanLeftovers as a pure function over a hand-made pool inventory: only what is certainly the
// job's and the VM's.
#include "engine/leftovers.h"

#include <gtest/gtest.h>

#include "engine/other_config_keys.h"

namespace xcr::engine {
namespace {

class PlanLeftoversTest : public ::testing::Test {
 protected:
  void SetUp() override {
    id_.job_id = "job-1";
    id_.job_name = "nightly";
    id_.vm_uuid = "uuid-vm";
    id_.vm_name = "web-01";
    Vdi("d-vm");
    Vm("vm", {}, {"d-vm"}).name_label = "web-01";
  }
  void Vdi(const std::string& ref, StringMap oc = {}, const std::string& type = "user") {
    VdiView v;
    v.ref = ref;
    v.uuid = "uuid-" + ref;
    v.other_config = std::move(oc);
    inv_.vdi_types[ref] = type;
    inv_.vdis.push_back(v);
  }
  VmView& Vm(const std::string& ref, StringMap oc = {}, std::vector<std::string> disks = {}) {
    VmView v;
    v.ref = ref;
    v.uuid = "uuid-" + ref;
    v.other_config = std::move(oc);
    for (const std::string& d : disks) {
      DiskView dv;
      dv.vdi.ref = d;
      dv.vdi.uuid = "uuid-" + d;
      v.disks.push_back(dv);
      inv_.vdi_vms[d].push_back(ref);
    }
    inv_.vms.push_back(v);
    return inv_.vms.back();
  }
  void Snapshot(const std::string& ref, const std::string& name, StringMap oc = {}) {
    Vdi("d-" + ref);
    VmView& s = Vm(ref, std::move(oc), {"d-" + ref});
    s.is_a_snapshot = true;
    s.snapshot_of = "vm";
    s.name_label = name;
  }
  static StringMap Keys(const std::string& job, const std::string& vm) {
    return {{std::string(keys::kJob), job}, {std::string(keys::kVm), vm}};
  }
  std::vector<std::string> Planned(const std::string& vm_ref = "vm") {
    LeftoverPlan p = PlanLeftovers(inv_, id_, vm_ref);
    std::vector<std::string> out;
    for (const VmView& s : p.snapshots) out.push_back("snapshot " + s.ref);
    for (const VdiView& d : p.disks) out.push_back("disk " + d.ref);
    return out;
  }

  RunIdentity id_;
  PoolInventory inv_;
};

TEST_F(PlanLeftoversTest, UntaggedSnapshotOfThisJobAndVmWithItsDisk) {
  Snapshot("killed", "[xcr nightly] web-01");
  Snapshot("user", "before upgrade");
  Snapshot("other-job", "[xcr hourly] web-01");
  Snapshot("tagged", "[xcr nightly] web-01", Keys("job-1", "uuid-vm"));  // retention's
  Snapshot("xo", "[xcr nightly] web-01", {{"xo:backup:exported", "true"}});
  EXPECT_EQ(Planned(), (std::vector<std::string>{"snapshot killed", "disk d-killed"}));
  EXPECT_EQ(Planned(""), std::vector<std::string>{}) << "not on a pool without the VM";
  id_.vm_name = "web-01-renamed";
  inv_.vms[0].name_label = "web-01-renamed";
  EXPECT_EQ(Planned(), std::vector<std::string>{}) << "a renamed VM: not certain any more";
}

TEST_F(PlanLeftoversTest, SnapshotDiskAnotherVmUsesStays) {
  Snapshot("killed", "[xcr nightly] web-01");
  Vm("user-vm", {}, {"d-killed"});
  EXPECT_EQ(Planned(), (std::vector<std::string>{"snapshot killed"}));
}

TEST_F(PlanLeftoversTest, LooseDisksOfThisJobAndVmOnly) {
  Vdi("loose", Keys("job-1", "uuid-vm"));
  Vdi("attached", Keys("job-1", "uuid-vm"));
  Vm("dr-clone", {}, {"attached"});
  Vdi("other-job", Keys("job-2", "uuid-vm"));
  Vdi("other-vm", Keys("job-1", "uuid-other"));
  Vdi("cbt", Keys("job-1", "uuid-vm"), "cbt_metadata");
  Vdi("no-keys");
  EXPECT_EQ(Planned(), (std::vector<std::string>{"disk loose"}));
  EXPECT_EQ(Planned(""), (std::vector<std::string>{"disk loose"})) << "on a target pool too";
}

}  // namespace
}  // namespace xcr::engine
