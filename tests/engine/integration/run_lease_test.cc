// Runs that must not hurt each other, end to end against the simulator: two runs of one VM at
// once (the second is refused by the run lease on the source VM, the first's replica survives,
// the lease is released after), and two jobs that share a schedule id (each keeps its chain).
#include <atomic>
#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "engine/other_config_keys.h"
#include "engine/vm_replicator.h"
#include "tests/engine/integration/sim_pools.h"

namespace xcr::engine {
namespace {

using testing::SimPool;
using xapi::Value;

constexpr uint64_t kMiB = 1 << 20;
constexpr uint64_t kDiskSize = 16 * kMiB;

class RunLeaseE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    src_ = std::make_unique<SimPool>(dir_.File("src"), 1, kDiskSize);
    dst_ = std::make_unique<SimPool>(dir_.File("dst"), 0, kDiskSize);
    ASSERT_OK(src_->Start());
    ASSERT_OK(dst_->Start());
    ASSERT_OK_AND_ASSIGN(vm_, src_->FirstVm());
    ASSERT_OK_AND_ASSIGN(dst_sr_, dst_->SrUuid());
  }

  ReplicationOptions Options(const std::string& job, const std::string& schedule) {
    ReplicationOptions o;
    o.job_id = job;
    o.schedule_id = schedule;
    o.job_name = job;
    return o;
  }

  VmOutcome Run(const ReplicationOptions& o) {
    TaskLog log(Env::Default());
    VmReplicator r(&src_->conn(), {{&dst_->conn(), dst_sr_, "dr"}}, o, &log);
    return r.Run(vm_.uuid, kNoParent);
  }

  std::string LeaseOnSource() {
    auto cat = src_->Catalog();
    EXPECT_TRUE(cat.ok());
    if (!cat.ok()) return "";
    for (const VmView& v : cat->vms) {
      if (v.uuid == vm_.uuid) return std::string(ConfigValue(v.other_config, keys::kLease));
    }
    return "";
  }

  bool ReplicaExists(const std::string& uuid) {
    auto cat = dst_->Catalog();
    if (!cat.ok()) return false;
    for (const VmView& v : cat->vms) {
      if (v.uuid == uuid) return true;
    }
    return false;
  }

  ::xcr::testing::TempDir dir_;
  std::unique_ptr<SimPool> src_, dst_;
  VmView vm_;
  std::string dst_sr_;
};

TEST_F(RunLeaseE2eTest, SecondRunOfAVmIsRefusedAndNeitherRunsReplicaIsDeleted) {
  // A first run, complete: its replica must survive what follows.
  ASSERT_OK_AND_ASSIGN(std::string zero, [&]() -> Result<std::string> {
    VmOutcome o = Run(Options("job-1", "sched-1"));
    XCR_RETURN_IF_ERROR(o.status);
    return o.targets.at(0).replica_uuid;
  }());
  EXPECT_EQ(LeaseOnSource(), "") << "released at the end of the run";
  // The next run is slowed down so that a second run starts while it transfers.
  ASSERT_OK(src_->Fault("sim.fault_throttle", {Value(4)}));
  VmOutcome first;
  std::atomic<bool> done{false};
  std::thread t([&] {
    first = Run(Options("job-1", "sched-1"));
    done = true;
  });
  std::string held;
  while (held.empty() && !done) held = LeaseOnSource();
  EXPECT_NE(held.find("job=job-1"), std::string::npos) << "the running VM holds a lease: " << held;
  // Same job, and another job (a copy retention of 1 would have pruned the first's replicas).
  VmOutcome second = Run(Options("job-1", "sched-1"));
  VmOutcome other = Run(Options("job-2", "sched-1"));
  t.join();
  ASSERT_OK(src_->Fault("sim.fault_clear", {}));

  for (const VmOutcome* refused : {&second, &other}) {
    ASSERT_FALSE(refused->status.ok());
    EXPECT_EQ(refused->status.code(), StatusCode::kFailedPrecondition);
    EXPECT_EQ(refused->status.message().rfind(
                  "a run of job job-1 for VM " + vm_.name_label + " is in progress (host ", 0),
              0u)
        << refused->status.ToString();
    EXPECT_TRUE(refused->snapshot_uuid.empty()) << "a refused run takes no snapshot";
  }
  ASSERT_OK(first.status);
  ASSERT_EQ(first.targets.size(), 1u);
  EXPECT_TRUE(ReplicaExists(first.targets[0].replica_uuid));
  EXPECT_EQ(LeaseOnSource(), "") << "released at the end of the run";
  // The source VM is free again: the next run goes.
  VmOutcome after = Run(Options("job-2", "sched-1"));
  ASSERT_OK(after.status);
  EXPECT_TRUE(ReplicaExists(first.targets[0].replica_uuid)) << "another job's replica is kept";
  EXPECT_TRUE(ReplicaExists(after.targets[0].replica_uuid));
}

TEST_F(RunLeaseE2eTest, LeaseIsReleasedWhenTheRunFailsOrIsCancelled) {
  ASSERT_OK(dst_->Fault("sim.fault_sr_full", {Value(true)}));
  VmOutcome failed = Run(Options("job-1", "sched-1"));
  EXPECT_FALSE(failed.status.ok());
  EXPECT_EQ(LeaseOnSource(), "");
  ASSERT_OK(dst_->Fault("sim.fault_clear", {}));
  std::atomic<bool> cancel{true};
  ReplicationOptions o = Options("job-1", "sched-1");
  o.cancel = &cancel;
  VmOutcome cancelled = Run(o);
  EXPECT_FALSE(cancelled.status.ok());
  EXPECT_EQ(LeaseOnSource(), "");
}

TEST_F(RunLeaseE2eTest, SourceSnapshotsCarryNoCopyOfTheLease) {
  // VM.snapshot copies the VM's other_config while the run holds its lease: the copy must go,
  // or every snapshot would look like a run in progress to other tools (and to purge).
  VmOutcome o = Run(Options("job-1", "sched-1"));
  ASSERT_OK(o.status);
  ASSERT_OK_AND_ASSIGN(auto cat, src_->Catalog());
  size_t snapshots = 0;
  for (const VmView& v : cat.vms) {
    if (!v.is_a_snapshot) continue;
    ++snapshots;
    EXPECT_EQ(ConfigValue(v.other_config, keys::kJob), "job-1") << v.uuid;
    EXPECT_EQ(v.other_config.count(std::string(keys::kLease)), 0u) << v.uuid;
    EXPECT_EQ(v.other_config.count(std::string(keys::kLeaseGuard)), 0u) << v.uuid;
  }
  EXPECT_EQ(snapshots, 1u);
}

TEST_F(RunLeaseE2eTest, TwoJobsSharingAScheduleIdKeepEachOthersChains) {
  // Issue 15 item 1: with a schedule-only match each run deleted the other job's replica, and
  // every run became a full.
  std::vector<std::string> kept;
  for (int round = 0; round < 2; ++round) {
    for (const std::string job : {"job-a", "job-b"}) {
      VmOutcome o = Run(Options(job, "daily"));
      ASSERT_OK(o.status);
      EXPECT_EQ(o.delta, round > 0) << job << " round " << round << ": " << o.base_note;
      kept.push_back(o.targets[0].replica_uuid);
    }
  }
  // Copy retention 1 per job: each job's newest replica is there.
  EXPECT_TRUE(ReplicaExists(kept[2]));
  EXPECT_TRUE(ReplicaExists(kept[3]));
  EXPECT_FALSE(ReplicaExists(kept[0]));
  EXPECT_FALSE(ReplicaExists(kept[1]));
}

}  // namespace
}  // namespace xcr::engine
