// The VM replicator's steps against in-memory pools (fake_pool.h): snapshot, base selection,
// the writers per target, retention and cancellation, each checked on the pools' state.
#include "engine/vm_replicator.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/backup_datetime.h"
#include "engine/other_config_keys.h"
#include "engine/run_lease.h"
#include "engine/task_log.h"
#include "tests/engine/fake_pool.h"
#include "tests/testutil/status_matchers.h"
#include "xapi/api.h"

namespace xcr::engine {
namespace {

using testing::FakeDiskPipe;
using testing::FakeXapiPool;
using testing::StillClockEnv;

std::string Get(const StringMap& m, std::string_view key) {
  auto it = m.find(std::string(key));
  return it == m.end() ? std::string() : it->second;
}

void ExpectHas(const std::string& text, const std::string& part) {
  EXPECT_NE(text.find(part), std::string::npos) << "'" << part << "' not in: " << text;
}

class VmReplicatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    src_sr_ = src_.AddSr("local");
    std::string lan = src_.AddNetwork("lan");
    vm_ = src_.AddVm("web");
    disk0_ = src_.AddDisk(vm_, src_sr_, "0", "web root", "root-v1");
    disk1_ = src_.AddDisk(vm_, src_sr_, "1", "web data", "data-v1");
    src_.AddVif(vm_, lan, "0", "aa:bb:cc:00:00:01");
    a_sr_ = a_.AddSr("nvme");
    a_.AddNetwork("lan");
    b_sr_ = b_.AddSr("hdd");
    b_.AddNetwork("lan");
    for (FakeXapiPool* p : {&src_, &a_, &b_}) pipe_.Register(p);
    ASSERT_OK_AND_ASSIGN(src_conn_, src_.Connect());
    ASSERT_OK_AND_ASSIGN(a_conn_, a_.Connect());
    ASSERT_OK_AND_ASSIGN(b_conn_, b_.Connect());
    options_.job_id = "job-1";
    options_.schedule_id = "sched-1";
    options_.job_name = "nightly";
    options_.env = &env_;
    options_.pipe = pipe_.Function();
  }

  TargetSpec A() { return {a_conn_.get(), "nvme", "dr-a"}; }
  TargetSpec B() { return {b_conn_.get(), "hdd", "dr-b"}; }

  // One run of "web"; the clock then moves a minute on.
  VmOutcome Run(std::vector<TargetSpec> targets) {
    TaskLog log(&env_);
    VmReplicator replicator(src_conn_.get(), std::move(targets), options_, &log);
    VmOutcome out = replicator.Run("web", kNoParent);
    log_ = log.ToText();
    log_json_ = log.ToJson();
    env_.Advance(60'000'000);
    return out;
  }

  // The complete replicas on a target (name not "[Importing…]", start blocked), by ref.
  static std::map<std::string, FakeXapiPool::Vm> Replicas(const FakeXapiPool& pool) {
    std::map<std::string, FakeXapiPool::Vm> out;
    for (const auto& [ref, vm] : pool.vms()) {
      if (vm.blocked_operations.count("start")) out[ref] = vm;
    }
    return out;
  }

  StillClockEnv env_;
  FakeXapiPool src_{"https://src"}, a_{"https://dr-a"}, b_{"https://dr-b"};
  FakeDiskPipe pipe_;
  std::unique_ptr<xapi::Connection> src_conn_, a_conn_, b_conn_;
  std::string src_sr_, a_sr_, b_sr_, vm_, disk0_, disk1_;
  ReplicationOptions options_;
  std::string log_, log_json_;
};

// --- snapshot ---

TEST_F(VmReplicatorTest, SnapshotCarriesTheJobsNameTagsAndKeys) {
  VmOutcome out = Run({A()});
  ASSERT_OK(out.status) << log_;
  auto snaps = src_.SnapshotsOf(vm_);
  ASSERT_EQ(snaps.size(), 1u);
  const FakeXapiPool::Vm& snap = snaps.begin()->second;
  EXPECT_EQ(snap.uuid, out.snapshot_uuid);
  EXPECT_EQ(snap.name_label, "[xcr nightly] web");
  const StringMap& oc = snap.other_config;
  EXPECT_EQ(Get(oc, keys::kJob), "job-1");
  EXPECT_EQ(Get(oc, keys::kSchedule), "sched-1");
  EXPECT_EQ(Get(oc, keys::kVm), src_.vm(vm_).uuid);
  EXPECT_EQ(Get(oc, keys::kDatetime), FormatBackupDatetime(env_.NowUnixMicros() / 1000000 - 60));
  EXPECT_EQ(Get(oc, keys::kExported), "true");  // a copy from it succeeded: the next base
  EXPECT_EQ(Get(oc, keys::kLease), "");         // the copied run lease was dropped
  // Each snapshot disk carries the keys too, contentKey = its own uuid.
  auto disks = src_.DisksOf(snaps.begin()->first);
  ASSERT_EQ(disks.size(), 2u);
  for (const auto& [ref, d] : disks) {
    EXPECT_EQ(Get(d.other_config, keys::kJob), "job-1");
    EXPECT_EQ(Get(d.other_config, keys::kContentKey), d.uuid);
    EXPECT_EQ(Get(d.other_config, keys::kExported), "true");
  }
  // The run's lease on the source VM is released.
  EXPECT_EQ(Get(src_.vm(vm_).other_config, keys::kLease), "");
}

TEST_F(VmReplicatorTest, NoBackupDisksAreLeftOutOfTheSnapshot) {
  src_.AddDisk(vm_, src_sr_, "2", "scratch [NOBAK]", "tmp");
  VmOutcome out = Run({A()});
  ASSERT_OK(out.status) << log_;
  auto snaps = src_.SnapshotsOf(vm_);
  ASSERT_EQ(snaps.size(), 1u);
  EXPECT_EQ(src_.DisksOf(snaps.begin()->first).size(), 2u);
  auto replicas = Replicas(a_);
  ASSERT_EQ(replicas.size(), 1u);
  EXPECT_EQ(a_.DisksOf(replicas.begin()->first).size(), 2u);
}

TEST_F(VmReplicatorTest, SnapshotFailureNamesSideHostStepAndObjectAndLeavesNothing) {
  src_.FailCall("VM.snapshot");
  VmOutcome out = Run({A()});
  ASSERT_FALSE(out.status.ok());
  const std::string& m = out.status.message();
  ExpectHas(m, "VM 'web'");
  ExpectHas(m, "snapshot");
  ExpectHas(m, "source pool 'src'");
  ExpectHas(m, "INTERNAL_ERROR");
  ExpectHas(log_, "snapshot");
  EXPECT_TRUE(src_.SnapshotsOf(vm_).empty());
  EXPECT_TRUE(a_.vms().empty());
  EXPECT_TRUE(a_.vdis().empty());
  EXPECT_EQ(Get(src_.vm(vm_).other_config, keys::kLease), "");
  EXPECT_TRUE(pipe_.calls().empty());
}

TEST_F(VmReplicatorTest, FullSrOnSnapshotNamesTheSourceSr) {
  src_.FailCall("VM.snapshot", 1, 0, "SR_BACKEND_FAILURE_44");
  VmOutcome out = Run({A()});
  ASSERT_FALSE(out.status.ok());
  ExpectHas(out.status.message(), "source SR 'local' on pool 'src' is full (snapshot)");
}

TEST_F(VmReplicatorTest, TaggingFailureDeletesTheNewSnapshot) {
  src_.FailCall("VDI.set_other_config");
  VmOutcome out = Run({A()});
  ASSERT_FALSE(out.status.ok());
  EXPECT_EQ(src_.CallCount("VM.snapshot"), 1);
  EXPECT_TRUE(src_.SnapshotsOf(vm_).empty());
  EXPECT_EQ(src_.vdis().size(), 2u);  // the VM's own disks only
  EXPECT_TRUE(a_.vms().empty());
}

// --- base selection ---

TEST_F(VmReplicatorTest, FirstRunIsFullSecondIsDeltaFromTheExportedSnapshot) {
  VmOutcome first = Run({A()});
  ASSERT_OK(first.status) << log_;
  EXPECT_FALSE(first.delta);
  ExpectHas(first.base_note, "full");
  auto calls = pipe_.calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].base, "");

  src_.SetVdiContent(disk0_, "root-v2");
  VmOutcome second = Run({A()});
  ASSERT_OK(second.status) << log_;
  EXPECT_TRUE(second.delta);
  ExpectHas(second.base_note, "delta from snapshot " + first.snapshot_uuid);
  calls = pipe_.calls();
  ASSERT_EQ(calls.size(), 4u);
  // The delta's base is the first snapshot's image of the same disk.
  const FakeXapiPool::Vdi& base = calls[2].base_vdi;
  EXPECT_EQ(base.snapshot_of, disk0_);
  EXPECT_EQ(Get(base.other_config, keys::kExported), "true");
  // The new replica's disks are clones of the first replica's, never blank disks.
  EXPECT_EQ(a_.CallCount("VDI.clone"), 2);
  EXPECT_EQ(a_.CallCount("VDI.create"), 2);  // the first run's only
  EXPECT_EQ(
      Get(src_.vm(src_.SnapshotsOf(vm_).rbegin()->first).other_config, keys::kDeltaChainLength),
      "1");
}

TEST_F(VmReplicatorTest, ReplicaWithoutMatchingKeysBreaksTheChain) {
  ASSERT_OK(Run({A()}).status) << log_;
  // The replica's disks lose their link to the base snapshot: no replica of the base.
  auto replicas = Replicas(a_);
  ASSERT_EQ(replicas.size(), 1u);
  for (const auto& [ref, d] : a_.DisksOf(replicas.begin()->first)) {
    a_.SetVdiOtherConfig(ref, std::string(keys::kContentKey), "someone-else");
    a_.SetVdiOtherConfig(ref, std::string(keys::kCopyOf), "someone-else");
  }
  VmOutcome second = Run({A()});
  ASSERT_OK(second.status) << log_;
  EXPECT_FALSE(second.delta);
  ExpectHas(second.base_note, "full");
  auto calls = pipe_.calls();
  ASSERT_EQ(calls.size(), 4u);
  EXPECT_EQ(calls[2].base, "");
  EXPECT_EQ(calls[3].base, "");
}

TEST_F(VmReplicatorTest, DeletedReplicaMeansFull) {
  ASSERT_OK(Run({A()}).status) << log_;
  auto replicas = Replicas(a_);
  ASSERT_EQ(replicas.size(), 1u);
  a_.DestroyVm(replicas.begin()->first);
  VmOutcome second = Run({A()});
  ASSERT_OK(second.status) << log_;
  EXPECT_FALSE(second.delta);
  ExpectHas(second.base_note, "no replica of disk");
}

TEST_F(VmReplicatorTest, UnexportedSnapshotIsNoBase) {
  ASSERT_OK(Run({A()}).status) << log_;
  for (const auto& [ref, s] : src_.SnapshotsOf(vm_)) {
    src_.SetVmOtherConfig(ref, std::string(keys::kExported), "false");
  }
  VmOutcome second = Run({A()});
  ASSERT_OK(second.status) << log_;
  EXPECT_FALSE(second.delta);
  ExpectHas(second.base_note, "no exported snapshot of this job yet");
}

// --- the writers ---

TEST_F(VmReplicatorTest, ReplicaIsProtectedTaggedAndKeyedOnTheTargetSr) {
  VmOutcome out = Run({A()});
  ASSERT_OK(out.status) << log_;
  ASSERT_EQ(out.targets.size(), 1u);
  auto replicas = Replicas(a_);
  ASSERT_EQ(replicas.size(), 1u);
  const auto& [ref, vm] = *replicas.begin();
  EXPECT_EQ(vm.uuid, out.targets[0].replica_uuid);
  std::string datetime = FormatBackupDatetime(env_.NowUnixMicros() / 1000000 - 60);
  EXPECT_EQ(vm.name_label,
            "web - nightly - (" + FormatCompactDatetime(env_.NowUnixMicros() / 1000000 - 60) + ")");
  EXPECT_EQ(Get(vm.blocked_operations, "start"), keys::kBlockedStartMessage);
  EXPECT_EQ(Get(vm.blocked_operations, "start_on"), keys::kBlockedStartMessage);
  EXPECT_EQ(vm.tags, std::vector<std::string>{std::string(keys::kReplicaTag)});
  // docs/xo-compat.md: job, schedule, vm, sr, datetime, copy_of = the source snapshot.
  EXPECT_EQ(Get(vm.other_config, keys::kJob), "job-1");
  EXPECT_EQ(Get(vm.other_config, keys::kSchedule), "sched-1");
  EXPECT_EQ(Get(vm.other_config, keys::kVm), src_.vm(vm_).uuid);
  EXPECT_EQ(Get(vm.other_config, keys::kSr), a_.sr_uuid(a_sr_));
  EXPECT_EQ(Get(vm.other_config, keys::kDatetime), datetime);
  EXPECT_EQ(Get(vm.other_config, keys::kCopyOf), out.snapshot_uuid);
  EXPECT_EQ(Get(vm.other_config, keys::kDeltaChainLength), "0");
  EXPECT_EQ(Get(vm.other_config, keys::kLease), "");
  // Its disks are on the target SR and hold the snapshot's content, keyed to the snapshot disks.
  auto disks = a_.DisksOf(ref);
  ASSERT_EQ(disks.size(), 2u);
  std::set<std::string> contents;
  for (const auto& [dref, d] : disks) {
    EXPECT_EQ(d.sr, a_sr_);
    contents.insert(d.content);
    FakeXapiPool::Vdi source;
    for (const auto& [sref, s] : src_.vdis()) {
      if (s.uuid == Get(d.other_config, keys::kContentKey)) source = s;
    }
    EXPECT_TRUE(source.is_a_snapshot) << "contentKey is not a source snapshot disk";
    EXPECT_EQ(source.content, d.content);
    EXPECT_EQ(Get(d.other_config, keys::kCopyOf), source.uuid);
    EXPECT_EQ(Get(d.other_config, keys::kSr), a_.sr_uuid(a_sr_));
    EXPECT_EQ(Get(d.other_config, keys::kDatetime), datetime);
    EXPECT_EQ(Get(d.other_config, keys::kContentDigest), FakeDiskPipe::StreamDigest());
    EXPECT_EQ(Get(d.other_config, keys::kContentDigestScope), keys::kDigestScopeFull);
  }
  EXPECT_EQ(contents, (std::set<std::string>{"root-v1", "data-v1"}));
  // The VIF went to the target's network of the same name.
  EXPECT_EQ(a_.CallCount("VIF.create"), 1);
}

TEST_F(VmReplicatorTest, ReplicaLooksCompleteOnlyAfterEveryDisk) {
  // Watch the replica VM's datetime each time a disk is imported: still the placeholder.
  std::vector<std::string> seen;
  pipe_.BeforeTransfer([&] {
    for (const auto& [ref, vm] : a_.vms()) seen.push_back(Get(vm.other_config, keys::kDatetime));
  });
  ASSERT_OK(Run({A()}).status) << log_;
  ASSERT_EQ(seen.size(), 2u);
  for (const std::string& d : seen) EXPECT_EQ(d, keys::kDatetimePlaceholder);
  // The last call on the target writes the VM's datetime (after names, tags, blocked ops).
  std::vector<std::string> calls = a_.calls();
  auto last_set = std::find(calls.rbegin(), calls.rend(), "VM.set_other_config");
  auto last_tags = std::find(calls.rbegin(), calls.rend(), "VM.add_tags");
  auto last_name = std::find(calls.rbegin(), calls.rend(), "VM.set_name_label");
  ASSERT_NE(last_set, calls.rend());
  EXPECT_LT(last_set - calls.rbegin(), last_tags - calls.rbegin());
  EXPECT_LT(last_set - calls.rbegin(), last_name - calls.rbegin());
}

TEST_F(VmReplicatorTest, FailingImportLeavesNothingThatLooksComplete) {
  pipe_.FailImportsOn(&a_, a_sr_);
  VmOutcome out = Run({A()});
  ASSERT_FALSE(out.status.ok());
  ExpectHas(out.status.message(), "every target failed");
  ASSERT_EQ(out.targets.size(), 1u);
  ExpectHas(out.targets[0].status.message(), "import of disk 0 to SR 'nvme'");
  ExpectHas(out.targets[0].status.message(), "target pool 'dr-a'");
  // The importing replica and its disks are gone; the unexported snapshot too.
  EXPECT_TRUE(a_.vms().empty());
  EXPECT_TRUE(a_.vdis().empty());
  EXPECT_TRUE(src_.SnapshotsOf(vm_).empty());
}

TEST_F(VmReplicatorTest, InterruptedCopyLeftByAFailedCleanupIsRemovedByTheNextRun) {
  pipe_.FailImportsOn(&a_, a_sr_);
  a_.FailCall("VM.destroy");  // the abort cannot delete the importing VM
  ASSERT_FALSE(Run({A()}).status.ok());
  auto left = a_.vms();
  ASSERT_EQ(left.size(), 1u);
  const FakeXapiPool::Vm& vm = left.begin()->second;
  // It never looks complete: placeholder datetime, importing name, not startable.
  EXPECT_EQ(Get(vm.other_config, keys::kDatetime), keys::kDatetimePlaceholder);
  ExpectHas(vm.name_label, std::string(keys::kImportingNamePrefix));
  EXPECT_EQ(Get(vm.blocked_operations, "start"), keys::kBlockedImportingMessage);

  FakeDiskPipe healthy;
  for (FakeXapiPool* p : {&src_, &a_, &b_}) healthy.Register(p);
  options_.pipe = healthy.Function();
  VmOutcome next = Run({A()});
  ASSERT_OK(next.status) << log_;
  auto now = a_.vms();
  ASSERT_EQ(now.size(), 1u);
  EXPECT_EQ(now.begin()->second.uuid, next.targets[0].replica_uuid);
  EXPECT_EQ(a_.vdis().size(), 2u);
}

TEST_F(VmReplicatorTest, OneTargetFailingIsAPartialOutcome) {
  pipe_.FailImportsOn(&b_, b_sr_);
  VmOutcome out = Run({A(), B()});
  ASSERT_OK(out.status) << log_;
  ASSERT_EQ(out.targets.size(), 2u);
  EXPECT_OK(out.targets[0].status);
  EXPECT_FALSE(out.targets[0].replica_uuid.empty());
  EXPECT_FALSE(out.targets[1].status.ok());
  ExpectHas(out.targets[1].status.message(), "SR 'hdd'");
  EXPECT_TRUE(out.targets[1].replica_uuid.empty());
  ExpectHas(log_json_, "1 target(s) failed");
  EXPECT_EQ(Replicas(a_).size(), 1u);
  EXPECT_TRUE(b_.vms().empty());
  EXPECT_TRUE(b_.vdis().empty());
  // The snapshot was exported (to dr-a): it is the next base.
  auto snaps = src_.SnapshotsOf(vm_);
  ASSERT_EQ(snaps.size(), 1u);
  EXPECT_EQ(Get(snaps.begin()->second.other_config, keys::kExported), "true");
}

TEST_F(VmReplicatorTest, TargetFailingToPrepareDoesNotStopTheOther) {
  a_.FailCall("VM.create");
  VmOutcome out = Run({A(), B()});
  ASSERT_OK(out.status) << log_;
  ASSERT_EQ(out.targets.size(), 2u);
  EXPECT_FALSE(out.targets[0].status.ok());
  ExpectHas(out.targets[0].status.message(), "preparing the replica on SR 'nvme'");
  EXPECT_OK(out.targets[1].status);
  EXPECT_EQ(Replicas(b_).size(), 1u);
  EXPECT_TRUE(a_.vms().empty());
  // The export went to the live target only.
  for (const FakeDiskPipe::Call& c : pipe_.calls()) EXPECT_EQ(c.target_vdis.size(), 1u);
}

TEST_F(VmReplicatorTest, UnknownSrIsTheTargetsFailureOnly) {
  VmOutcome out = Run({A(), {b_conn_.get(), "no-such-sr", "dr-b"}});
  ASSERT_OK(out.status) << log_;
  ASSERT_EQ(out.targets.size(), 2u);
  EXPECT_OK(out.targets[0].status);
  ExpectHas(out.targets[1].status.message(), "no-such-sr");
}

TEST_F(VmReplicatorTest, FailingFinishAbortsThatReplica) {
  b_.FailCall("VM.add_tags");
  VmOutcome out = Run({A(), B()});
  ASSERT_OK(out.status) << log_;
  EXPECT_OK(out.targets[0].status);
  EXPECT_FALSE(out.targets[1].status.ok());
  ExpectHas(out.targets[1].status.message(), "finishing the replica on SR 'hdd'");
  EXPECT_TRUE(b_.vms().empty());
  EXPECT_TRUE(b_.vdis().empty());
}

// --- checks before the snapshot ---

TEST_F(VmReplicatorTest, MigratingVmIsRefusedBeforeAnythingIsMade) {
  src_.SetCurrentOperation(vm_, "pool_migrate");
  VmOutcome out = Run({A()});
  EXPECT_EQ(out.status.code(), StatusCode::kFailedPrecondition);
  ExpectHas(out.status.message(), "is being migrated");
  EXPECT_EQ(src_.CallCount("VM.snapshot"), 0);
}

TEST_F(VmReplicatorTest, ReplicaOfTheSameJobIsRefused) {
  src_.SetVmOtherConfig(vm_, std::string(keys::kJob), "job-1");
  ASSERT_OK(xapi::VmSetBlockedOperations(*src_conn_, vm_, {{"start", "no"}}));
  VmOutcome out = Run({A()});
  EXPECT_EQ(out.status.code(), StatusCode::kFailedPrecondition);
  ExpectHas(out.status.message(), "is a replica made by job job-1");
  EXPECT_EQ(src_.CallCount("VM.snapshot"), 0);
}

TEST_F(VmReplicatorTest, AnotherRunsLiveLeaseRefusesTheRun) {
  LeaseInfo other{"other-host",
                  42,
                  "other-run",
                  "job-1",
                  env_.NowUnixMicros() / 1000000,
                  env_.NowUnixMicros() / 1000000 + 300};
  src_.SetVmOtherConfig(vm_, std::string(keys::kLease), other.Encode());
  VmOutcome out = Run({A()});
  EXPECT_EQ(out.status.code(), StatusCode::kFailedPrecondition);
  ExpectHas(out.status.message(), "in progress (host other-host");
  EXPECT_EQ(src_.CallCount("VM.snapshot"), 0);
  EXPECT_TRUE(a_.vms().empty());
  EXPECT_EQ(Get(src_.vm(vm_).other_config, keys::kLease), other.Encode());  // not ours to drop
}

// --- retention ---

TEST_F(VmReplicatorTest, RetentionKeepsTheNewestReplicasAndSnapshots) {
  options_.copy_retention = 2;
  options_.snapshot_retention = 2;
  std::vector<VmOutcome> runs;
  for (int i = 0; i < 4; ++i) {
    src_.SetVdiContent(disk0_, "root-v" + std::to_string(i));
    runs.push_back(Run({A()}));
    ASSERT_OK(runs.back().status) << log_;
  }
  std::set<std::string> replicas, snapshots;
  for (const auto& [ref, vm] : Replicas(a_)) replicas.insert(vm.uuid);
  for (const auto& [ref, vm] : src_.SnapshotsOf(vm_)) snapshots.insert(vm.uuid);
  EXPECT_EQ(replicas, (std::set<std::string>{runs[2].targets[0].replica_uuid,
                                             runs[3].targets[0].replica_uuid}));
  EXPECT_EQ(snapshots, (std::set<std::string>{runs[2].snapshot_uuid, runs[3].snapshot_uuid}));
  // The pruned ones went with their disks: 2 replicas and 2 snapshots of 2 disks each remain.
  EXPECT_EQ(a_.vdis().size(), 4u);
  EXPECT_EQ(src_.vdis().size(), 2u + 4u);
  EXPECT_TRUE(runs[3].delta);
}

TEST_F(VmReplicatorTest, RetentionOfOneKeepsTheNewBaseAndReplica) {
  for (int i = 0; i < 3; ++i) ASSERT_OK(Run({A()}).status) << log_;
  VmOutcome last = Run({A()});
  ASSERT_OK(last.status) << log_;
  auto replicas = Replicas(a_);
  ASSERT_EQ(replicas.size(), 1u);
  EXPECT_EQ(replicas.begin()->second.uuid, last.targets[0].replica_uuid);
  auto snaps = src_.SnapshotsOf(vm_);
  ASSERT_EQ(snaps.size(), 1u);
  EXPECT_EQ(snaps.begin()->second.uuid, last.snapshot_uuid);
}

TEST_F(VmReplicatorTest, RetentionFailureIsAWarningNotAFailure) {
  ASSERT_OK(Run({A()}).status) << log_;
  // The second run's retention cannot delete the first replica.
  a_.FailCall("VM.destroy");
  VmOutcome out = Run({A()});
  ASSERT_OK(out.status) << log_;
  ASSERT_EQ(out.warnings.size(), 1u);
  ExpectHas(out.warnings[0], "cleanup failed");
  EXPECT_EQ(Replicas(a_).size(), 2u);
}

// --- cancellation ---

TEST_F(VmReplicatorTest, CancelBeforeTheSnapshotMakesNothing) {
  std::atomic<bool> cancel{true};
  options_.cancel = &cancel;
  options_.cancel_reason = [] { return std::string("maintenance window closed"); };
  VmOutcome out = Run({A()});
  EXPECT_EQ(out.status.code(), StatusCode::kCancelled);
  ExpectHas(out.status.message(), "maintenance window closed");
  EXPECT_EQ(src_.CallCount("VM.snapshot"), 0);
  EXPECT_TRUE(a_.vms().empty());
  EXPECT_EQ(Get(src_.vm(vm_).other_config, keys::kLease), "");
  cancel = false;
  ASSERT_OK(Run({A()}).status) << log_;
}

TEST_F(VmReplicatorTest, CancelRightAfterTheSnapshotDeletesItAndPreparesNothing) {
  std::atomic<bool> cancel{false};
  options_.cancel = &cancel;
  src_.OnCall("VM.snapshot", [&] { cancel = true; });
  VmOutcome out = Run({A()});
  EXPECT_EQ(out.status.code(), StatusCode::kCancelled);
  EXPECT_EQ(src_.CallCount("VM.snapshot"), 1);
  EXPECT_TRUE(src_.SnapshotsOf(vm_).empty());
  EXPECT_EQ(src_.vdis().size(), 2u);
  EXPECT_EQ(a_.CallCount("VM.create"), 0);
  EXPECT_TRUE(pipe_.calls().empty());
}

TEST_F(VmReplicatorTest, CancelDuringTheTransferAbortsEveryWriter) {
  std::atomic<bool> cancel{false};
  options_.cancel = &cancel;
  pipe_.CancelOnTransfer([&] { cancel = true; });
  VmOutcome out = Run({A(), B()});
  EXPECT_FALSE(out.status.ok());
  ExpectHas(log_, "cancelled");
  EXPECT_EQ(pipe_.calls().size(), 1u);  // the second disk never started
  EXPECT_TRUE(a_.vms().empty());
  EXPECT_TRUE(a_.vdis().empty());
  EXPECT_TRUE(b_.vms().empty());
  EXPECT_TRUE(src_.SnapshotsOf(vm_).empty());
  EXPECT_EQ(Get(src_.vm(vm_).other_config, keys::kLease), "");
}

}  // namespace
}  // namespace xcr::engine
