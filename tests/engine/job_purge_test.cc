// PlanJobPurge and LiveRunOfJob as pure functions over a hand-made pool inventory.
#include "engine/job_purge.h"

#include <gtest/gtest.h>

#include "engine/other_config_keys.h"
#include "engine/run_lease.h"

namespace xcr::engine {
namespace {

constexpr int64_t kNow = 1795426867;

// One machine in memory whose only live process is pid 7, started at "100".
class OneProcessProbe : public OwnerProbe {
 public:
  std::string BootId() override { return "boot-1"; }
  Result<std::string> StartTime(int64_t pid) override {
    if (pid == 7) return std::string("100");
    return Status::NotFound("no process " + std::to_string(pid));
  }
};

class PlanJobPurgeTest : public ::testing::Test {
 protected:
  VdiView& Vdi(const std::string& ref, StringMap oc = {}, const std::string& type = "user") {
    VdiView v;
    v.ref = ref;
    v.uuid = "uuid-" + ref;
    v.name_label = ref;
    v.other_config = std::move(oc);
    inv_.vdi_types[ref] = type;
    inv_.vdis.push_back(v);
    return inv_.vdis.back();
  }
  VmView& Vm(const std::string& ref, StringMap oc = {}, std::vector<std::string> disks = {}) {
    VmView v;
    v.ref = ref;
    v.uuid = "uuid-" + ref;
    v.name_label = ref;
    v.other_config = std::move(oc);
    for (const std::string& d : disks) {
      DiskView dv;
      dv.userdevice = std::to_string(v.disks.size());
      for (const VdiView& vdi : inv_.vdis) {
        if (vdi.ref == d) dv.vdi = vdi;
      }
      v.disks.push_back(dv);
      inv_.vdi_vms[d].push_back(ref);
    }
    inv_.vms.push_back(v);
    return inv_.vms.back();
  }
  static StringMap Keys(const std::string& job, bool replica) {
    StringMap m = {{std::string(keys::kJob), job}, {std::string(keys::kVm), "uuid-vm"}};
    if (replica) m[std::string(keys::kSr)] = "sr-1";
    return m;
  }
  std::vector<std::string> Planned(const std::string& job, const std::string& name = "nightly") {
    std::vector<std::string> out;
    for (const PurgeItem& i : PlanJobPurge(inv_, job, name, kNow).items) {
      std::string s = std::string(PurgeKindName(i.kind)) + " " + i.ref;
      for (const std::string& a : i.also_vms) s += " +" + a;
      for (const VdiView& d : i.disks) s += " " + d.ref;
      out.push_back(s);
    }
    return out;
  }

  PoolInventory inv_;
};

TEST_F(PlanJobPurgeTest, ReplicasSnapshotsAndLooseDisksOfTheJobOnly) {
  Vdi("d-vm");
  Vm("vm", {}, {"d-vm"});
  Vdi("d-rep", Keys("job-1", true));
  VmView& rep = Vm("rep", Keys("job-1", true), {"d-rep"});
  rep.blocked_operations["start"] = "blocked";
  Vdi("d-snap", Keys("job-1", false));
  VmView& snap = Vm("snap", Keys("job-1", false), {"d-snap"});
  snap.is_a_snapshot = true;
  snap.snapshot_of = "vm";
  Vdi("d-other", Keys("job-2", true));
  VmView& other = Vm("other", Keys("job-2", true), {"d-other"});
  other.blocked_operations["start"] = "blocked";
  Vdi("loose", Keys("job-1", true));
  Vdi("loose-other", Keys("job-2", true));
  Vdi("cbt", Keys("job-1", false), "cbt_metadata");
  EXPECT_EQ(Planned("job-1"),
            (std::vector<std::string>{"snapshot snap d-snap", "replica rep d-rep", "disk loose"}));
  EXPECT_EQ(Planned("job-2"),
            (std::vector<std::string>{"replica other d-other", "disk loose-other"}));
  EXPECT_EQ(PlanJobPurge(inv_, "job-1", "nightly", kNow).counts().disks, 3);
  EXPECT_TRUE(Planned("").empty()) << "no job id: nothing";
}

TEST_F(PlanJobPurgeTest, NeverAUsersVmNorADiskAnotherVmUses) {
  // A VM carrying the job's keys but startable (a user's clone), and a template: left.
  Vdi("d-clone", Keys("job-1", true));
  Vm("clone", Keys("job-1", true), {"d-clone"});
  VmView& tmpl = Vm("tmpl", Keys("job-1", true));
  tmpl.is_a_template = true;
  tmpl.blocked_operations["start"] = "blocked";
  // A replica whose disk a user also attached to their own VM: the replica goes, the disk stays.
  Vdi("shared", Keys("job-1", true));
  VmView& rep = Vm("rep", Keys("job-1", true), {"shared"});
  rep.blocked_operations["start"] = "blocked";
  Vm("user-vm", {}, {"shared"});
  EXPECT_EQ(Planned("job-1"), (std::vector<std::string>{"replica rep"}));
}

TEST_F(PlanJobPurgeTest, ReplicaGoesWithItsSnapshotsAndRestorePoints) {
  Vdi("d-rep", Keys("job-1", true));
  VmView& rep = Vm("rep", Keys("job-1", true), {"d-rep"});
  rep.blocked_operations["start"] = "blocked";
  rep.snapshots = {"user-snap", "restore"};
  Vdi("d-user-snap");
  VmView& user_snap = Vm("user-snap", {}, {"d-user-snap"});
  user_snap.is_a_snapshot = true;
  user_snap.snapshot_of = "rep";
  Vdi("d-restore", Keys("job-1", true));
  VmView& restore = Vm("restore", Keys("job-1", true), {"d-restore"});
  restore.is_a_snapshot = true;
  restore.snapshot_of = "rep";
  EXPECT_EQ(Planned("job-1"),
            (std::vector<std::string>{"replica restore d-restore",
                                      "replica rep +user-snap d-user-snap d-rep"}));
}

TEST_F(PlanJobPurgeTest, UntaggedSnapshotByExactNameUnlessALiveRunMayTagIt) {
  Vdi("d-vm");
  VmView& vm = Vm("vm", {}, {"d-vm"});
  vm.name_label = "web-01";
  auto untagged = [&](const std::string& ref, const std::string& name, StringMap oc) {
    Vdi("d-" + ref);
    VmView& s = Vm(ref, std::move(oc), {"d-" + ref});
    s.is_a_snapshot = true;
    s.snapshot_of = "vm";
    s.name_label = name;
  };
  untagged("mine", "[xcr nightly] web-01", {{"xcr:lease", "copied"}});
  untagged("other-job", "[xcr hourly] web-01", {});
  untagged("user", "before upgrade", {});
  untagged("tagged-other", "[xcr nightly] web-01", Keys("job-2", false));
  EXPECT_EQ(Planned("job-1"), (std::vector<std::string>{"snapshot mine d-mine"}));
  EXPECT_EQ(Planned("job-1", ""), std::vector<std::string>{}) << "name defaults to the id";
  // A live lease on the VM: a run may be between VM.snapshot and tagging.
  LeaseInfo lease{"h", 1, "run", "job-3", kNow - 10, kNow + 100};
  inv_.vms[0].other_config[std::string(keys::kLease)] = lease.Encode();
  EXPECT_EQ(Planned("job-1"), std::vector<std::string>{});
  EXPECT_EQ(LiveRunOfJob(inv_.vms, "job-1", kNow), "");
  EXPECT_EQ(LiveRunOfJob(inv_.vms, "job-3", kNow), LeaseHeldMessage(lease, "web-01"));
  EXPECT_EQ(LiveRunOfJob(inv_.vms, "job-3", kNow + 100), "") << "expired";
}

TEST_F(PlanJobPurgeTest, ADeadOwnersLeaseOnThisHostRefusesNothing) {
  Vdi("d-vm");
  VmView& vm = Vm("vm", {}, {"d-vm"});
  vm.name_label = "web-01";
  Vdi("d-snap");
  VmView& snap = Vm("snap", {}, {"d-snap"});
  snap.is_a_snapshot = true;
  snap.snapshot_of = "vm";
  snap.name_label = "[xcr nightly] web-01";
  LeaseInfo lease{"xcr-host", 9, "run", "job-1", kNow - 10, kNow + 100};
  lease.start = "100";
  lease.boot = "boot-1";
  inv_.vms[0].other_config[std::string(keys::kLease)] = lease.Encode();
  OneProcessProbe probe;
  // Seen from another host, the lease is live until it expires: the purge is refused and the
  // untagged snapshot (which its run may be about to tag) is left.
  EXPECT_EQ(LiveRunOfJob(inv_.vms, "job-1", kNow, &probe, "other-host"),
            LeaseHeldMessage(lease, "web-01"));
  EXPECT_TRUE(PlanJobPurge(inv_, "job-1", "nightly", kNow, &probe, "other-host").items.empty());
  // On its own host, pid 9 runs no more: the lease refuses nothing and the snapshot goes.
  EXPECT_EQ(LiveRunOfJob(inv_.vms, "job-1", kNow, &probe, "xcr-host"), "");
  EXPECT_EQ(PlanJobPurge(inv_, "job-1", "nightly", kNow, &probe, "xcr-host").counts().snapshots, 1);
  // The owner alive (pid 7, the same start): live again.
  lease.pid = 7;
  inv_.vms[0].other_config[std::string(keys::kLease)] = lease.Encode();
  EXPECT_EQ(LiveRunOfJob(inv_.vms, "job-1", kNow, &probe, "xcr-host"),
            LeaseHeldMessage(lease, "web-01"));
}

}  // namespace
}  // namespace xcr::engine
