// Issue 15 items 3 and 4 against the simulator: what a killed or failing run leaves without the
// keys retention selects by is healed by the next run of the same job and VM — an untagged source
// snapshot (a kill between VM.snapshot and tagging), disks attached to nothing (a kill between
// creating or cloning a replica disk and attaching it; a VDI.destroy that failed in retention) —
// and a failed clean-up is a warning in the run's outcome, task tree and JSON, never a failure.
#include <set>

#include <gtest/gtest.h>

#include "engine/job_run.h"
#include "engine/other_config_keys.h"
#include "engine/pool_inventory.h"
#include "engine/replica_metadata.h"
#include "engine/run_report_json.h"
#include "tests/engine/integration/replication_fixture.h"

namespace xcr::engine {
namespace {

using xapi::Value;

struct Observed {
  VmOutcome out;
  std::vector<TaskRecord> tasks;
  nlohmann::json json;
  std::string text;
  const TaskRecord* Task(const std::string& label) const {
    for (const TaskRecord& t : tasks) {
      if (t.label == label) return &t;
    }
    return nullptr;
  }
};

class LeftoversTest : public testing::ReplicationFixture {
 protected:
  Observed RunOnce() {
    TaskLog log(Env::Default());
    VmReplicator r(&src_->conn(), One(), options_, &log);
    Observed o;
    o.out = r.Run(vm_.uuid, kNoParent);
    o.tasks = log.Snapshot();
    JobOutcome job;
    job.vms.push_back(o.out);
    o.json = RunReportJson(job, log);
    o.text = RunReportText(job, log);
    EXPECT_TRUE(o.out.status.ok()) << o.text;
    return o;
  }

  // uuids of every VM and VDI on the pool.
  static std::set<std::string> Uuids(testing::SimPool& pool) {
    std::set<std::string> out;
    auto cat = pool.Catalog();
    EXPECT_TRUE(cat.ok());
    if (!cat.ok()) return out;
    for (const VmView& v : cat->vms) out.insert(v.uuid);
    for (const VdiView& v : cat->vdis) out.insert(v.uuid);
    return out;
  }
  static std::string UuidOf(testing::SimPool& pool, const std::string& cls,
                            const std::string& ref) {
    auto uuid = pool.conn().Call(cls + ".get_uuid", {Value(ref)});
    EXPECT_TRUE(uuid.ok());
    return uuid.ok() && uuid->AsString().ok() ? *uuid->AsString() : "";
  }
  // A disk on the pool's SR with these keys, attached to nothing.
  static Result<std::string> LooseDisk(testing::SimPool& pool, StringMap keys) {
    XCR_ASSIGN_OR_RETURN(std::string sr_uuid, pool.SrUuid());
    xapi::VdiSpec spec;
    XCR_ASSIGN_OR_RETURN(spec.SR, xapi::GetByUuid(pool.conn(), "SR", sr_uuid));
    spec.virtual_size = kDiskSize;
    spec.name_label = "disk";
    spec.other_config = std::move(keys);
    return xapi::VdiCreate(pool.conn(), spec);
  }
  RunIdentity Identity(const std::string& job) {
    RunIdentity id;
    id.job_id = job;
    id.schedule_id = options_.schedule_id;
    id.vm_uuid = vm_.uuid;
    id.vm_name = vm_.name_label;
    return id;
  }
};

TEST_F(LeftoversTest, UntaggedSnapshotOfAKilledRunIsHealedByTheNextRun) {
  RunOnce();
  // A kill between VM.snapshot and tagging: the snapshot has the run's name and no xo:* key.
  ASSERT_OK_AND_ASSIGN(std::string leaked, xapi::VmSnapshot(src_->conn(), vm_.ref,
                                                            "[xcr nightly] " + vm_.name_label, {}));
  VmView leaked_view = Find(*src_, UuidOf(*src_, "VM", leaked));
  ASSERT_EQ(leaked_view.disks.size(), vm_.disks.size());
  // Not certain to be this job's: a user's snapshot, another job's name.
  ASSERT_OK_AND_ASSIGN(std::string user,
                       xapi::VmSnapshot(src_->conn(), vm_.ref, "before upgrade", {}));
  ASSERT_OK_AND_ASSIGN(std::string other, xapi::VmSnapshot(src_->conn(), vm_.ref,
                                                           "[xcr hourly] " + vm_.name_label, {}));

  Observed next = RunOnce();
  EXPECT_TRUE(next.out.delta) << next.out.base_note;
  EXPECT_TRUE(next.out.warnings.empty());
  std::set<std::string> now = Uuids(*src_);
  EXPECT_FALSE(now.count(leaked_view.uuid)) << "the untagged snapshot is gone";
  for (const DiskView& d : leaked_view.disks) EXPECT_FALSE(now.count(d.vdi.uuid)) << "and its disk";
  EXPECT_TRUE(now.count(UuidOf(*src_, "VM", user)));
  EXPECT_TRUE(now.count(UuidOf(*src_, "VM", other)));
  const TaskRecord* heal = next.Task("clean up leftovers");
  ASSERT_NE(heal, nullptr) << next.text;
  EXPECT_EQ(heal->status, TaskStatus::kSuccess);
  EXPECT_EQ(heal->data.at("snapshots"), "1");
  EXPECT_EQ(heal->data.at("disks"), std::to_string(vm_.disks.size()));
  // Nothing left: the run after records no clean-up step.
  Observed third = RunOnce();
  EXPECT_EQ(third.Task("clean up leftovers"), nullptr) << third.text;
}

TEST_F(LeftoversTest, DisksAnInterruptedImportLeftAreHealedByTheNextRun) {
  RunOnce();
  VmView replica = ReplicasOn(*dst_).at(0);
  // A kill after VDI.clone of the base replica's disk (a delta's prepare), before VBD.create: the
  // clone carries the base's keys. And one after VDI.create of a full's disk (placeholder keys).
  ASSERT_OK_AND_ASSIGN(std::string cloned, xapi::VdiClone(dst_->conn(), replica.disks[0].vdi.ref));
  StringMap keys = ReplicaVdiKeys(Identity("job-1"), dst_sr_, "some-source-vdi", 0);
  ASSERT_OK_AND_ASSIGN(std::string created, LooseDisk(*dst_, keys));
  // Not this job's or not this VM's: kept.
  ASSERT_OK_AND_ASSIGN(std::string other_job,
                       LooseDisk(*dst_, ReplicaVdiKeys(Identity("job-2"), dst_sr_, "x", 0)));
  RunIdentity other_vm = Identity("job-1");
  other_vm.vm_uuid = "another-vm";
  ASSERT_OK_AND_ASSIGN(std::string other_vm_disk,
                       LooseDisk(*dst_, ReplicaVdiKeys(other_vm, dst_sr_, "x", 0)));
  std::string cloned_uuid = UuidOf(*dst_, "VDI", cloned);
  std::string created_uuid = UuidOf(*dst_, "VDI", created);

  Observed next = RunOnce();
  EXPECT_TRUE(next.out.delta) << next.out.base_note;
  std::set<std::string> now = Uuids(*dst_);
  EXPECT_FALSE(now.count(cloned_uuid));
  EXPECT_FALSE(now.count(created_uuid));
  EXPECT_TRUE(now.count(UuidOf(*dst_, "VDI", other_job)));
  EXPECT_TRUE(now.count(UuidOf(*dst_, "VDI", other_vm_disk)));
  const TaskRecord* heal = next.Task("clean up leftovers");
  ASSERT_NE(heal, nullptr) << next.text;
  EXPECT_EQ(heal->data.at("disks"), "2");
  EXPECT_EQ(heal->data.at("snapshots"), "0");
  ExpectReplicasMatch(testing::RunResult{next.out, {}, next.text}, {"0"});
}

TEST_F(LeftoversTest, FailedRetentionCleanupIsAWarningAndTheNextRunHealsIt) {
  RunOnce();
  // Retention of the next run destroys the old replica's VM, then its VDI.destroy fails.
  ASSERT_OK(dst_->Fault("sim.fault_fail_method",
                        {Value("VDI.destroy"), Value("SR_BACKEND_FAILURE_1"), Value(1)}));
  Observed failed = RunOnce();
  ASSERT_OK(failed.out.status) << "the replica itself is good";
  ASSERT_EQ(failed.out.warnings.size(), 1u) << failed.text;
  EXPECT_EQ(failed.out.warnings[0].rfind("cleanup failed: ", 0), 0u) << failed.out.warnings[0];
  EXPECT_NE(failed.out.warnings[0].find("SR_BACKEND_FAILURE_1"), std::string::npos);
  EXPECT_EQ(failed.json["ok"], true);
  EXPECT_EQ(failed.json["vms"][0]["ok"], true);
  EXPECT_EQ(failed.json["vms"][0]["warnings"], nlohmann::json::array({failed.out.warnings[0]}));
  EXPECT_NE(failed.text.find("  warning: " + failed.out.warnings[0] + "\n"), std::string::npos)
      << failed.text;
  const TaskRecord* retention = failed.Task("retention");
  ASSERT_NE(retention, nullptr);
  EXPECT_EQ(retention->status, TaskStatus::kFailure);
  const TaskRecord* vm_task = &failed.tasks.at(0);
  EXPECT_NE(vm_task->data.at("warning").find("cleanup failed: "), std::string::npos);
  // The disk is left attached to nothing.
  size_t loose = 0;
  ASSERT_OK_AND_ASSIGN(PoolInventory inv, LoadPoolInventory(dst_->conn()));
  for (const VdiView& v : inv.vdis) loose += inv.Attached(v.ref) ? 0 : 1;
  EXPECT_EQ(loose, 1u);

  Observed healed = RunOnce();
  EXPECT_TRUE(healed.out.warnings.empty()) << healed.text;
  EXPECT_EQ(healed.json["vms"][0]["warnings"], nlohmann::json::array());
  ASSERT_NE(healed.Task("clean up leftovers"), nullptr) << healed.text;
  EXPECT_EQ(healed.Task("clean up leftovers")->data.at("disks"), "1");
  ExpectNoOrphans(*dst_);
}

TEST_F(LeftoversTest, FailedSnapshotDiskDestroyOnTheSourceIsHealedByTheNextRun) {
  RunOnce();
  // Snapshot retention of the next run destroys the old snapshot VM, then its VDI.destroy fails.
  ASSERT_OK(src_->Fault("sim.fault_fail_method",
                        {Value("VDI.destroy"), Value("SR_BACKEND_FAILURE_1"), Value(1)}));
  Observed failed = RunOnce();
  ASSERT_EQ(failed.out.warnings.size(), 1u) << failed.text;
  Observed healed = RunOnce();
  EXPECT_TRUE(healed.out.warnings.empty()) << healed.text;
  ASSERT_NE(healed.Task("clean up leftovers"), nullptr) << healed.text;
  ExpectNoOrphans(*src_);
}

TEST_F(LeftoversTest, FailedHealIsAWarningAndRetriedByTheNextRun) {
  RunOnce();
  ASSERT_OK_AND_ASSIGN(std::string leaked, xapi::VmSnapshot(src_->conn(), vm_.ref,
                                                            "[xcr nightly] " + vm_.name_label, {}));
  std::string leaked_uuid = UuidOf(*src_, "VM", leaked);
  ASSERT_OK(src_->Fault("sim.fault_fail_method",
                        {Value("VM.destroy"), Value("OTHER_OPERATION_IN_PROGRESS"), Value(1)}));
  Observed failed = RunOnce();
  ASSERT_OK(failed.out.status);
  ASSERT_EQ(failed.out.warnings.size(), 1u) << failed.text;
  EXPECT_NE(failed.out.warnings[0].find("delete untagged snapshot '[xcr nightly] " +
                                        vm_.name_label + "' (" + leaked_uuid + ")"),
            std::string::npos)
      << failed.out.warnings[0];
  ASSERT_NE(failed.Task("clean up leftovers"), nullptr);
  EXPECT_EQ(failed.Task("clean up leftovers")->status, TaskStatus::kFailure);
  EXPECT_TRUE(Uuids(*src_).count(leaked_uuid));
  Observed healed = RunOnce();
  EXPECT_TRUE(healed.out.warnings.empty()) << healed.text;
  EXPECT_FALSE(Uuids(*src_).count(leaked_uuid));
  ExpectNoOrphans(*src_);
}

}  // namespace
}  // namespace xcr::engine
