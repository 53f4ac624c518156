// The engine end to end over real loopback sockets: in-process xapi-sim pools, the XAPI client,
// full then delta runs with byte counts, content equality checked by the simulator's own hash,
// Xen Orchestra's metadata key by key, protection, DR clones, retention, failing targets and
// interrupted transfers (shared/reference/xo-cr.md lists the regressions these guard against).
#include <atomic>

#include <gtest/gtest.h>

#include "engine/job_run.h"
#include "engine/other_config_keys.h"
#include "engine/replica_ops.h"
#include "engine/run_job.h"
#include "engine/vm_replicator.h"
#include "tests/engine/integration/sim_pools.h"

namespace xcr::engine {
namespace {

using testing::SimPool;
using xapi::Value;

constexpr uint64_t kMiB = 1 << 20;
constexpr uint64_t kDiskSize = 64 * kMiB;
// A delta of n changed 2 MiB blocks: the blocks plus headers, BAT and bitmaps (well under 64 KiB).
constexpr uint64_t DeltaBound(int blocks) { return blocks * 2 * kMiB + 64 * 1024; }

class ReplicateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    src_ = std::make_unique<SimPool>(dir_.File("src"), 1, kDiskSize);
    dst_ = std::make_unique<SimPool>(dir_.File("dst"), 0, kDiskSize);
    ASSERT_OK(src_->Start());
    ASSERT_OK(dst_->Start());
    ASSERT_OK_AND_ASSIGN(vm_, src_->FirstVm());
    ASSERT_FALSE(vm_.uuid.empty());
    ASSERT_EQ(vm_.disks.size(), 1u);
    ASSERT_OK_AND_ASSIGN(dst_sr_, dst_->SrUuid());
    options_.job_id = "job-1";
    options_.schedule_id = "sched-1";
    options_.job_name = "nightly";
  }

  VmOutcome Run(std::vector<TargetSpec> targets = {}) {
    if (targets.empty()) targets = {{&dst_->conn(), dst_sr_, "dr"}};
    TaskLog log(Env::Default());
    VmReplicator r(&src_->conn(), targets, options_, &log);
    VmOutcome out = r.Run(vm_.uuid, kNoParent);
    last_log_ = log.ToText();
    return out;
  }

  // The replica VM with this uuid on the target, with its disks.
  VmView Replica(SimPool& pool, const std::string& uuid) {
    auto cat = pool.Catalog();
    EXPECT_TRUE(cat.ok());
    for (const VmView& v : cat->vms) {
      if (v.uuid == uuid) return v;
    }
    std::string have;
    for (const VmView& v : cat->vms) have += "\n  " + v.uuid + " " + v.name_label;
    ADD_FAILURE() << "no VM " << uuid << " on " << pool.url() << "; it has:" << have;
    return {};
  }

  VmView Snapshot(const std::string& uuid) { return Replica(*src_, uuid); }

  // The replica's content equals its source snapshot's, by the simulator's SHA-256.
  void ExpectSameContent(const VmOutcome& out, size_t target = 0, SimPool* pool = nullptr) {
    SCOPED_TRACE("target " + std::to_string(target) + ", snapshot " + out.snapshot_uuid);
    VmView snap = Snapshot(out.snapshot_uuid);
    VmView rep = Replica(pool ? *pool : *dst_, out.targets[target].replica_uuid);
    ASSERT_EQ(snap.disks.size(), 1u);
    ASSERT_EQ(rep.disks.size(), 1u);
    ASSERT_OK_AND_ASSIGN(std::string a, src_->Sha256(snap.disks[0].vdi.ref));
    ASSERT_OK_AND_ASSIGN(std::string b, (pool ? *pool : *dst_).Sha256(rep.disks[0].vdi.ref));
    EXPECT_EQ(a, b);
  }

  size_t CountVdisOn(SimPool& pool, const std::string& sr) {
    auto cat = pool.Catalog();
    return cat.ok() ? cat->Inventory(sr).vdis.size() : 0;
  }

  ::xcr::testing::TempDir dir_;
  std::unique_ptr<SimPool> src_, dst_;
  VmView vm_;
  std::string dst_sr_;
  ReplicationOptions options_;
  std::string last_log_;
};

TEST_F(ReplicateTest, FullThenDeltasMoveOnlyChangedBlocks) {
  VmOutcome full = Run();
  ASSERT_OK(full.status);
  EXPECT_FALSE(full.delta);
  EXPECT_GT(full.bytes, DeltaBound(2)) << last_log_;
  ExpectSameContent(full);

  ASSERT_OK(src_->Write(vm_.disks[0].vdi.ref, 10 * kMiB, kMiB, 0x5a));  // one block
  VmOutcome d1 = Run();
  ASSERT_OK(d1.status);
  EXPECT_TRUE(d1.delta) << d1.base_note;
  EXPECT_GE(d1.bytes, 2 * kMiB);
  EXPECT_LE(d1.bytes, DeltaBound(1)) << last_log_;
  ExpectSameContent(d1);

  ASSERT_OK(src_->Write(vm_.disks[0].vdi.ref, 0, 512, 0x01));               // block 0
  ASSERT_OK(src_->Write(vm_.disks[0].vdi.ref, 40 * kMiB, 3 * kMiB, 0x02));  // blocks 20, 21
  VmOutcome d2 = Run();
  ASSERT_OK(d2.status);
  EXPECT_TRUE(d2.delta);
  EXPECT_GE(d2.bytes, 3 * 2 * kMiB);
  EXPECT_LE(d2.bytes, DeltaBound(3)) << last_log_;
  ExpectSameContent(d2);
}

TEST_F(ReplicateTest, XenOrchestraMetadataKeyByKey) {
  VmOutcome out = Run();
  ASSERT_OK(out.status);
  VmView snap = Snapshot(out.snapshot_uuid);
  const StringMap& s = snap.other_config;
  EXPECT_EQ(s.at("xo:backup:job"), "job-1");
  EXPECT_EQ(s.at("xo:backup:schedule"), "sched-1");
  EXPECT_EQ(s.at("xo:backup:vm"), vm_.uuid);
  EXPECT_EQ(s.at("xo:backup:exported"), "true");
  EXPECT_EQ(s.at("xo:backup:deltaChainLength"), "0");
  EXPECT_EQ(s.at("xo:backup:datetime").size(), 18u);  // YYYYMMDDTHH:MM:SSZ
  const StringMap& sv = snap.disks[0].vdi.other_config;
  EXPECT_EQ(sv.at("xo:backup:contentKey"), snap.disks[0].vdi.uuid);
  EXPECT_EQ(sv.at("xo:backup:job"), "job-1");
  EXPECT_EQ(sv.at("xo:backup:exported"), "true");

  VmView rep = Replica(*dst_, out.targets[0].replica_uuid);
  const StringMap& r = rep.other_config;
  EXPECT_EQ(r.at("xo:backup:job"), "job-1");
  EXPECT_EQ(r.at("xo:backup:schedule"), "sched-1");
  EXPECT_EQ(r.at("xo:backup:vm"), vm_.uuid);
  EXPECT_EQ(r.at("xo:backup:sr"), dst_sr_);
  EXPECT_EQ(r.at("xo:copy_of"), snap.uuid);
  EXPECT_EQ(r.at("xo:backup:datetime"),
            s.at("xo:backup:datetime").size() == 18 ? r.at("xo:backup:datetime") : "");
  EXPECT_NE(r.at("xo:backup:datetime"), std::string(keys::kDatetimePlaceholder));
  EXPECT_EQ(rep.blocked_operations.at("start"),
            "Start operation for this vm is blocked, clone it if you want to use it.");
  EXPECT_EQ(rep.blocked_operations.at("start_on"), rep.blocked_operations.at("start"));
  EXPECT_EQ(rep.tags, std::vector<std::string>{"Continuous Replication"});
  EXPECT_EQ(rep.name_label.rfind(vm_.name_label + " - nightly - (", 0), 0u) << rep.name_label;
  EXPECT_FALSE(rep.is_a_template);
  const StringMap& rv = rep.disks[0].vdi.other_config;
  EXPECT_EQ(rv.at("xo:copy_of"), snap.disks[0].vdi.uuid);
  EXPECT_EQ(rv.at("xo:backup:contentKey"), snap.disks[0].vdi.uuid);
  EXPECT_EQ(rv.at("xo:backup:sr"), dst_sr_);
  EXPECT_EQ(rep.disks[0].userdevice, vm_.disks[0].userdevice);
}

TEST_F(ReplicateTest, ReplicaKeepsVmSettingsDisksAndVifs) {
  VmOutcome out = Run();
  ASSERT_OK(out.status);
  ASSERT_OK_AND_ASSIGN(auto src_vm, xapi::GetRecord<xapi::VmRecord>(src_->conn(), vm_.ref));
  VmView rep = Replica(*dst_, out.targets[0].replica_uuid);
  ASSERT_OK_AND_ASSIGN(auto rep_vm, xapi::GetRecord<xapi::VmRecord>(dst_->conn(), rep.ref));
  for (const char* f : {"memory_static_max", "memory_dynamic_max", "VCPUs_max", "VCPUs_at_startup",
                        "HVM_boot_policy", "platform"}) {
    SCOPED_TRACE(f);
    ASSERT_TRUE(src_vm.raw.count(f));
    ASSERT_TRUE(rep_vm.raw.count(f));
    EXPECT_EQ(rep_vm.raw.at(f), src_vm.raw.at(f));
  }
  // VIFs: same devices and MACs, on a network of the target pool.
  ASSERT_FALSE(src_vm.VIFs.empty()) << "the simulator populates VMs with a VIF";
  ASSERT_EQ(rep_vm.VIFs.size(), src_vm.VIFs.size());
  ASSERT_OK_AND_ASSIGN(auto sv, xapi::GetRecord<xapi::VifRecord>(src_->conn(), src_vm.VIFs[0]));
  ASSERT_OK_AND_ASSIGN(auto rv, xapi::GetRecord<xapi::VifRecord>(dst_->conn(), rep_vm.VIFs[0]));
  EXPECT_EQ(rv.MAC, sv.MAC);
  EXPECT_EQ(rv.device, sv.device);
  EXPECT_OK(Status(xapi::GetRecord<xapi::NetworkRecord>(dst_->conn(), rv.network).status()));
}

TEST_F(ReplicateTest, ReplicaRefusesStartAndItsCloneStarts) {
  VmOutcome out = Run();
  ASSERT_OK(out.status);
  VmView rep = Replica(*dst_, out.targets[0].replica_uuid);
  Status start =
      dst_->conn().Call("VM.start", {Value(rep.ref), Value(false), Value(false)}).status();
  EXPECT_EQ(start.error_name(), "OPERATION_BLOCKED") << start.ToString();

  ASSERT_OK_AND_ASSIGN(CloneResult clone, CloneReplica(dst_->conn(), rep.uuid, "web DR", true));
  ASSERT_OK_AND_ASSIGN(auto rec, xapi::GetRecord<xapi::VmRecord>(dst_->conn(), clone.ref));
  EXPECT_EQ(rec.power_state, "Running");
  EXPECT_TRUE(rec.blocked_operations.empty());
  EXPECT_EQ(rec.other_config.count("xo:backup:job"), 0u);
  // The replica is untouched.
  VmView again = Replica(*dst_, rep.uuid);
  EXPECT_EQ(again.blocked_operations, rep.blocked_operations);
  EXPECT_EQ(again.other_config, rep.other_config);
}

TEST_F(ReplicateTest, VerifyComparesReplicaWithSourceSnapshot) {
  VmOutcome out = Run();
  ASSERT_OK(out.status);
  ASSERT_OK_AND_ASSIGN(auto v,
                       VerifyReplica(src_->conn(), dst_->conn(), out.targets[0].replica_uuid));
  ASSERT_EQ(v.size(), 1u);
  EXPECT_TRUE(v[0].equal()) << v[0].status.ToString();
  // Corrupt the replica behind the engine's back: verify notices.
  VmView rep = Replica(*dst_, out.targets[0].replica_uuid);
  ASSERT_OK(dst_->Write(rep.disks[0].vdi.ref, 5 * kMiB, 4096, 0xee));
  ASSERT_OK_AND_ASSIGN(auto bad, VerifyReplica(src_->conn(), dst_->conn(), rep.uuid));
  EXPECT_TRUE(bad[0].status.ok());
  EXPECT_FALSE(bad[0].equal());
}

TEST_F(ReplicateTest, RetentionKeepsNewestReplicasAndNeverAUserClone) {
  options_.copy_retention = 2;
  options_.snapshot_retention = 1;
  std::vector<std::string> replicas;
  std::string clone_uuid;
  for (int i = 0; i < 4; ++i) {
    ASSERT_OK(src_->Write(vm_.disks[0].vdi.ref, i * 4 * kMiB, 4096, i + 1));
    VmOutcome out = Run();
    ASSERT_OK(out.status) << last_log_;
    replicas.push_back(out.targets[0].replica_uuid);
    if (i == 0) {
      ASSERT_OK_AND_ASSIGN(CloneResult c, CloneReplica(dst_->conn(), out.targets[0].replica_uuid,
                                                       "user clone", false));
      clone_uuid = c.uuid;
    }
  }
  ASSERT_OK_AND_ASSIGN(auto cat, dst_->Catalog());
  std::vector<std::string> left;
  bool clone_left = false;
  for (const VmView& v : cat.vms) {
    if (LooksLikeReplica(v)) left.push_back(v.uuid);
    if (v.uuid == clone_uuid) clone_left = true;
  }
  std::sort(left.begin(), left.end());
  std::vector<std::string> newest = {replicas[2], replicas[3]};
  std::sort(newest.begin(), newest.end());
  EXPECT_EQ(left, newest);
  EXPECT_TRUE(clone_left);
  // Source: one snapshot of this job left, the newest (the next base).
  ASSERT_OK_AND_ASSIGN(auto scat, src_->Catalog());
  int snaps = 0;
  for (const VmView& v : scat.SnapshotsOf(vm_.ref)) {
    if (ConfigValue(v.other_config, keys::kJob) == "job-1") ++snaps;
  }
  EXPECT_EQ(snaps, 1);
}

TEST_F(ReplicateTest, NoOrphanDisksAfterManyRuns) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_OK(src_->Write(vm_.disks[0].vdi.ref, i * 2 * kMiB, 512, i + 7));
    ASSERT_OK(Run().status) << last_log_;
  }
  // copyRetention 1: one replica with one disk; nothing else on the target SR.
  EXPECT_EQ(CountVdisOn(*dst_, dst_sr_), 1u);
  // snapshotRetention 1: the VM's disk and one snapshot disk on the source.
  ASSERT_OK_AND_ASSIGN(std::string src_sr, src_->SrUuid());
  EXPECT_EQ(CountVdisOn(*src_, src_sr), 2u);
}

TEST_F(ReplicateTest, TwoTargetsOneFullOtherGoesOnThenEachGetsItsDeltaOnce) {
  SimPool other(dir_.File("dst2"), 0, kDiskSize);
  ASSERT_OK(other.Start());
  ASSERT_OK_AND_ASSIGN(std::string other_sr, other.SrUuid());
  std::vector<TargetSpec> both = {{&dst_->conn(), dst_sr_, "dr"}, {&other.conn(), other_sr, "dr2"}};

  ASSERT_OK(other.Fault("sim.fault_sr_full", {Value(true)}));
  VmOutcome first = Run(both);
  ASSERT_OK(first.status) << last_log_;
  EXPECT_OK(first.targets[0].status);
  ASSERT_FALSE(first.targets[1].status.ok());
  EXPECT_NE(first.targets[1].status.message().find("is full"), std::string::npos)
      << first.targets[1].status.ToString();
  EXPECT_EQ(CountVdisOn(other, other_sr), 0u);  // the failed copy was cleaned up

  // Target 2 has no base: the disk goes full to both (one export).
  ASSERT_OK(other.Fault("sim.fault_sr_full", {Value(false)}));
  ASSERT_OK(src_->Write(vm_.disks[0].vdi.ref, 0, 4096, 9));
  VmOutcome second = Run(both);
  ASSERT_OK(second.status);
  EXPECT_FALSE(second.delta) << second.base_note;
  EXPECT_OK(second.targets[1].status);
  ExpectSameContent(second, 1, &other);

  // Now both have the base: one delta, exported once, written to each.
  ASSERT_OK(src_->Write(vm_.disks[0].vdi.ref, 30 * kMiB, 4096, 10));
  VmOutcome third = Run(both);
  ASSERT_OK(third.status);
  EXPECT_TRUE(third.delta) << third.base_note;
  EXPECT_LE(third.bytes, DeltaBound(1));
  ExpectSameContent(third, 0);
  ExpectSameContent(third, 1, &other);
}

TEST_F(ReplicateTest, InterruptedTransferLeavesNothingCompleteAndNextRunIsADelta) {
  ASSERT_OK(Run().status);
  size_t vdis_before = CountVdisOn(*dst_, dst_sr_);
  ASSERT_OK(src_->Write(vm_.disks[0].vdi.ref, 20 * kMiB, 3 * kMiB, 3));
  ASSERT_OK(dst_->Fault("sim.fault_cut_transfer", {Value("import"), Value(int64_t{1} << 20)}));
  VmOutcome cut = Run();
  EXPECT_FALSE(cut.status.ok()) << last_log_;
  // Nothing that looks complete, and no orphan disks.
  ASSERT_OK_AND_ASSIGN(auto cat, dst_->Catalog());
  int replicas = 0;
  for (const VmView& v : cat.vms) {
    if (!LooksLikeReplica(v)) continue;
    ++replicas;
    EXPECT_NE(ConfigValue(v.other_config, keys::kDatetime), keys::kDatetimePlaceholder);
  }
  EXPECT_EQ(replicas, 1);
  EXPECT_EQ(CountVdisOn(*dst_, dst_sr_), vdis_before);

  ASSERT_OK(dst_->Fault("sim.fault_clear", {}));
  VmOutcome next = Run();
  ASSERT_OK(next.status) << last_log_;
  EXPECT_TRUE(next.delta) << next.base_note;
  EXPECT_LE(next.bytes, DeltaBound(2));
  ExpectSameContent(next);
}

// Xen Orchestra #3211: CR never finished when the target host contacted was not the master.
TEST_F(ReplicateTest, TargetPoolReachedThroughAMemberHost) {
  SimPool pool(dir_.File("dst-members"), 0, kDiskSize, 1ull << 40, /*members=*/1);
  ASSERT_OK(pool.Start(/*via_member=*/true));
  EXPECT_EQ(pool.conn().master_url(), pool.url());  // followed HOST_IS_SLAVE to the master
  ASSERT_OK_AND_ASSIGN(std::string sr, pool.SrUuid());
  VmOutcome full = Run({{&pool.conn(), sr, "members"}});
  ASSERT_OK(full.status) << last_log_;
  ExpectSameContent(full, 0, &pool);
  ASSERT_OK(src_->Write(vm_.disks[0].vdi.ref, 0, 4096, 0x33));
  VmOutcome delta = Run({{&pool.conn(), sr, "members"}});
  ASSERT_OK(delta.status);
  EXPECT_TRUE(delta.delta);
  ExpectSameContent(delta, 0, &pool);
}

TEST_F(ReplicateTest, CancelledRunLeavesNothingBehind) {
  std::atomic<bool> cancel{true};  // cancelled before the transfer starts
  options_.cancel = &cancel;
  VmOutcome out = Run();
  EXPECT_FALSE(out.status.ok());
  EXPECT_NE(last_log_.find("cancelled"), std::string::npos) << last_log_;
  // No replica, no disk on the target; the unexported snapshot was deleted on the source.
  EXPECT_EQ(CountVdisOn(*dst_, dst_sr_), 0u);
  ASSERT_OK_AND_ASSIGN(auto cat, src_->Catalog());
  EXPECT_TRUE(cat.SnapshotsOf(vm_.ref).empty());
  // The next run is a normal full.
  cancel = false;
  VmOutcome next = Run();
  ASSERT_OK(next.status) << last_log_;
  ExpectSameContent(next);
}

TEST_F(ReplicateTest, RefusesToReplicateAReplicaOfTheSameJob) {
  VmOutcome out = Run();
  ASSERT_OK(out.status);
  // Replicate the target's replica with the same job: refused.
  TaskLog log(Env::Default());
  VmReplicator back(&dst_->conn(), {{&src_->conn(), "", "src"}}, options_, &log);
  VmOutcome r = back.Run(out.targets[0].replica_uuid, kNoParent);
  EXPECT_EQ(r.status.code(), StatusCode::kFailedPrecondition) << r.status.ToString();
  EXPECT_NE(r.status.message().find("is a replica made by job job-1"), std::string::npos);
}

}  // namespace
}  // namespace xcr::engine

namespace xcr::engine {
namespace {

TEST(JobRunTest, SeveralVmsConcurrentlyEachReplicatedAndVerified) {
  ::xcr::testing::TempDir dir;
  testing::SimPool src(dir.File("src"), 3, 32 * kMiB);
  testing::SimPool dst(dir.File("dst"), 0, 0);
  ASSERT_OK(src.Start());
  ASSERT_OK(dst.Start());
  ASSERT_OK_AND_ASSIGN(std::string sr, dst.SrUuid());
  ASSERT_OK_AND_ASSIGN(auto cat, src.Catalog());
  std::vector<std::string> vms;
  for (const VmView& v : cat.vms) {
    if (!v.is_a_snapshot && !v.is_a_template) vms.push_back(v.name_label);
  }
  ASSERT_EQ(vms.size(), 3u);
  vms.push_back(vms[0]);        // a duplicate runs once
  vms.push_back("no-such-vm");  // a failure does not stop the others
  ReplicationOptions o;
  o.job_id = "job-many";
  o.schedule_id = "s";
  FixedConnector pools;
  pools.Add("src", &src.conn());
  pools.Add("dst", &dst.conn());
  JobSpec spec;
  spec.vms = vms;
  spec.source_pool = "src";
  spec.targets = {{"dst", sr, "dr"}};
  spec.concurrency = 2;
  spec.options = o;
  ASSERT_OK_AND_ASSIGN(JobReport report, RunJob(spec, pools, nullptr, nullptr));
  const JobOutcome& out = report.outcome;
  const TaskLog& log = *report.log;
  ASSERT_EQ(out.vms.size(), 4u);
  EXPECT_EQ(out.failed(), 1u);
  EXPECT_EQ(out.vms[3].status.code(), StatusCode::kNotFound);
  for (size_t i = 0; i < 3; ++i) {
    ASSERT_OK(out.vms[i].status) << log.ToText();
    ASSERT_OK_AND_ASSIGN(auto v,
                         VerifyReplica(src.conn(), dst.conn(), out.vms[i].targets[0].replica_uuid));
    ASSERT_EQ(v.size(), 1u);
    EXPECT_TRUE(v[0].equal()) << out.vms[i].vm_name;
  }
}

}  // namespace
}  // namespace xcr::engine
