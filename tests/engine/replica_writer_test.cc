// The replica writer and the writer set against an in-memory target pool (fake_pool.h): what
// Prepare creates, when the replica starts to look complete, what Abort removes, retention.
#include "engine/replica_writer.h"

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/backup_datetime.h"
#include "engine/other_config_keys.h"
#include "engine/writer_set.h"
#include "tests/engine/fake_pool.h"
#include "tests/testutil/status_matchers.h"

namespace xcr::engine {
namespace {

using testing::FakeXapiPool;
using xapi::Struct;
using xapi::Value;

constexpr int64_t kRunTime = 1795426867;  // 2026-11-23T09:41:07Z

std::string Get(const StringMap& m, std::string_view key) {
  auto it = m.find(std::string(key));
  return it == m.end() ? std::string() : it->second;
}

void ExpectHas(const std::string& text, const std::string& part) {
  EXPECT_NE(text.find(part), std::string::npos) << "'" << part << "' not in: " << text;
}

class ReplicaWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sr_ = pool_.AddSr("nvme");
    pool_.AddSr("hdd");
    ASSERT_OK_AND_ASSIGN(conn_, pool_.Connect());
    // The source snapshot's record as VM.get_record gives it: settings, and other_config with
    // keys of its own and replication keys the replica must not inherit.
    snapshot_record_ =
        Struct{{"VCPUs_max", "4"},
               {"memory_static_max", "1073741824"},
               {"name_label", "[xcr nightly] web"},
               {"other_config", Value(Struct{{"owner", "ops"},
                                             {std::string(keys::kJob), "job-1"},
                                             {std::string(keys::kExported), "true"}})}};
    for (int i = 0; i < 2; ++i) {
      SourceDisk d;
      d.userdevice = std::to_string(i);
      d.bootable = i == 0;
      d.snapshot_vdi.uuid = "source-disk-" + std::to_string(i);
      d.snapshot_vdi.name_label = "web disk " + std::to_string(i);
      d.snapshot_vdi.virtual_size = uint64_t{8} << 30;
      disks_.push_back(d);
    }
  }

  RunIdentity Id(int64_t run_time = kRunTime) {
    return {"job-1", "sched-1", "nightly", "source-vm-uuid", "web", run_time};
  }

  std::unique_ptr<ReplicaWriter> Writer(int64_t run_time = kRunTime) {
    auto w = std::make_unique<ReplicaWriter>(TargetSpec{conn_.get(), "nvme", "dr-a"}, Id(run_time));
    EXPECT_OK(w->Resolve());
    return w;
  }

  // A writer through Prepare, every import and Finish: the replica's uuid.
  std::string CompleteReplica(int64_t run_time) {
    auto w = Writer(run_time);
    EXPECT_OK(w->Prepare(snapshot_record_, "source-snapshot", disks_, {}, 0));
    for (size_t i = 0; i < w->disk_count(); ++i) EXPECT_OK(w->TakeImportResult(i, {}));
    auto uuid = w->Finish();
    EXPECT_OK(uuid.status());
    return uuid.ok() ? *uuid : "";
  }

  // The only VM on the pool.
  std::pair<std::string, FakeXapiPool::Vm> OnlyVm() {
    auto vms = pool_.vms();
    EXPECT_EQ(vms.size(), 1u);
    if (vms.empty()) return {};
    return {vms.begin()->first, vms.begin()->second};
  }

  FakeXapiPool pool_{"https://dr-a"};
  std::unique_ptr<xapi::Connection> conn_;
  std::string sr_;
  Struct snapshot_record_;
  std::vector<SourceDisk> disks_;
};

TEST_F(ReplicaWriterTest, ResolveNamesTheMissingSrAndPool) {
  ReplicaWriter w({conn_.get(), "fast", "dr-a"}, Id());
  Status s = w.Resolve();
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "pool 'dr-a' has no SR with uuid or name 'fast'");
}

TEST_F(ReplicaWriterTest, ResolveRefusesAnAmbiguousNameButTakesTheUuid) {
  std::string second = pool_.AddSr("nvme");
  ReplicaWriter by_name({conn_.get(), "nvme", "dr-a"}, Id());
  EXPECT_EQ(by_name.Resolve().code(), StatusCode::kInvalidArgument);
  ReplicaWriter by_uuid({conn_.get(), pool_.sr_uuid(second), "dr-a"}, Id());
  ASSERT_OK(by_uuid.Resolve());
  EXPECT_EQ(by_uuid.sr_uuid(), pool_.sr_uuid(second));
  EXPECT_EQ(by_uuid.task_label(), "SR 'nvme' (dr-a)");
}

TEST_F(ReplicaWriterTest, PrepareMakesAProtectedImportingReplicaOnTheSr) {
  auto w = Writer();
  ASSERT_OK(w->Prepare(snapshot_record_, "source-snapshot", disks_, {}, 3));
  auto [ref, vm] = OnlyVm();
  EXPECT_EQ(vm.name_label, "[Importing…] web - nightly - (20261123T094107Z)");
  EXPECT_EQ(Get(vm.blocked_operations, "start"), keys::kBlockedImportingMessage);
  EXPECT_EQ(Get(vm.blocked_operations, "start_on"), keys::kBlockedImportingMessage);
  EXPECT_TRUE(vm.tags.empty());
  EXPECT_EQ(Get(vm.other_config, keys::kDatetime), keys::kDatetimePlaceholder);
  EXPECT_EQ(Get(vm.other_config, keys::kJob), "job-1");
  EXPECT_EQ(Get(vm.other_config, keys::kSr), pool_.sr_uuid(sr_));
  EXPECT_EQ(Get(vm.other_config, keys::kCopyOf), "source-snapshot");
  EXPECT_EQ(Get(vm.other_config, keys::kDeltaChainLength), "3");
  EXPECT_EQ(Get(vm.other_config, keys::kExported), "");  // not inherited from the snapshot
  EXPECT_EQ(Get(vm.other_config, "owner"), "ops");       // the VM's own keys are
  EXPECT_EQ(vm.extra.at("VCPUs_max").string(), "4");
  // One disk per source disk, full size, on the SR, keyed to the source disk, not complete yet.
  ASSERT_EQ(w->disk_count(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    FakeXapiPool::Vdi d = pool_.vdi(w->ImportTarget(i).vdi);
    EXPECT_EQ(d.sr, sr_);
    EXPECT_EQ(d.virtual_size, int64_t{8} << 30);
    EXPECT_EQ(d.name_label, "web disk " + std::to_string(i));
    EXPECT_EQ(Get(d.other_config, keys::kContentKey), "source-disk-" + std::to_string(i));
    EXPECT_EQ(Get(d.other_config, keys::kDatetime), keys::kDatetimePlaceholder);
  }
  EXPECT_EQ(pool_.DisksOf(ref).size(), 2u);
  // Each import target is this pool's connection and the disk, labelled for progress rows.
  EXPECT_EQ(w->ImportTarget(1).conn, conn_.get());
  EXPECT_EQ(w->ImportTarget(1).label, "nvme (dr-a)");
}

TEST_F(ReplicaWriterTest, DeltaDiskIsACloneOfTheBaseReplicaDisk) {
  CompleteReplica(kRunTime);
  ASSERT_OK_AND_ASSIGN(PoolCatalog cat, LoadPoolCatalog(*conn_));
  TargetInventory inv = cat.Inventory(pool_.sr_uuid(sr_));
  ASSERT_EQ(inv.vdis.size(), 2u);
  std::vector<SourceDisk> delta = disks_;
  for (size_t i = 0; i < 2; ++i) {
    delta[i].snapshot_vdi.uuid = "next-source-disk-" + std::to_string(i);
    delta[i].target_base = &inv.vdis[i];
    pool_.SetVdiContent(inv.vdis[i].ref, "base content " + std::to_string(i));
  }
  int created = pool_.CallCount("VDI.create");
  auto w = Writer(kRunTime + 60);
  ASSERT_OK(w->Prepare(snapshot_record_, "next-snapshot", delta, {}, 1));
  EXPECT_EQ(pool_.CallCount("VDI.create"), created);
  EXPECT_EQ(pool_.CallCount("VDI.clone"), 2);
  for (size_t i = 0; i < 2; ++i) {
    FakeXapiPool::Vdi d = pool_.vdi(w->ImportTarget(i).vdi);
    EXPECT_EQ(d.content, "base content " + std::to_string(i));  // the delta lands on the base
    EXPECT_EQ(Get(d.other_config, keys::kContentKey), "next-source-disk-" + std::to_string(i));
    EXPECT_EQ(Get(d.other_config, keys::kDatetime), keys::kDatetimePlaceholder);
  }
}

TEST_F(ReplicaWriterTest, FinishMarksCompleteWithTheDigestsOfSuccessfulImports) {
  auto w = Writer();
  ASSERT_OK(w->Prepare(snapshot_record_, "source-snapshot", disks_, {}, 0));
  ASSERT_OK(w->TakeImportResult(0, {Status::OK(), "xcr-content-v2:aa", "full"}));
  ASSERT_OK(w->TakeImportResult(1, {}));  // no digest
  ASSERT_OK_AND_ASSIGN(std::string uuid, w->Finish());
  auto [ref, vm] = OnlyVm();
  EXPECT_EQ(vm.uuid, uuid);
  EXPECT_EQ(vm.name_label, "web - nightly - (20261123T094107Z)");
  EXPECT_EQ(Get(vm.blocked_operations, "start"), keys::kBlockedStartMessage);
  EXPECT_EQ(vm.tags, std::vector<std::string>{std::string(keys::kReplicaTag)});
  EXPECT_EQ(Get(vm.other_config, keys::kDatetime), FormatBackupDatetime(kRunTime));
  EXPECT_EQ(Get(vm.other_config, "owner"), "ops");
  FakeXapiPool::Vdi d0 = pool_.vdi(w->ImportTarget(0).vdi);
  FakeXapiPool::Vdi d1 = pool_.vdi(w->ImportTarget(1).vdi);
  EXPECT_EQ(Get(d0.other_config, keys::kDatetime), FormatBackupDatetime(kRunTime));
  EXPECT_EQ(Get(d0.other_config, keys::kContentDigest), "xcr-content-v2:aa");
  EXPECT_EQ(Get(d0.other_config, keys::kContentDigestScope), "full");
  EXPECT_EQ(Get(d0.other_config, keys::kContentDigestOf), "source-disk-0");
  EXPECT_EQ(Get(d1.other_config, keys::kContentDigest), "");
  // The VM's datetime is the last write: nothing looks complete before every other step.
  std::vector<std::string> calls = pool_.calls();
  ASSERT_FALSE(calls.empty());
  EXPECT_EQ(calls.back(), "VM.set_other_config");
}

TEST_F(ReplicaWriterTest, FailedImportIsReturnedAndItsDigestNotKept) {
  auto w = Writer();
  ASSERT_OK(w->Prepare(snapshot_record_, "source-snapshot", disks_, {}, 0));
  Status s = w->TakeImportResult(0, {Status::IOError("disk full"), "xcr-content-v2:aa", "full"});
  EXPECT_EQ(s.code(), StatusCode::kIOError);
}

TEST_F(ReplicaWriterTest, FailingFinishLeavesNoCompleteLookingReplicaAndAbortRemovesIt) {
  auto w = Writer();
  ASSERT_OK(w->Prepare(snapshot_record_, "source-snapshot", disks_, {}, 0));
  pool_.FailCall("VM.set_name_label");
  EXPECT_FALSE(w->Finish().ok());
  auto [ref, vm] = OnlyVm();
  EXPECT_EQ(Get(vm.other_config, keys::kDatetime), keys::kDatetimePlaceholder);
  ASSERT_OK(w->Abort());
  EXPECT_TRUE(pool_.vms().empty());
  EXPECT_TRUE(pool_.vdis().empty());
}

TEST_F(ReplicaWriterTest, PrepareFailingHalfwayIsUndoneByAbort) {
  auto w = Writer();
  pool_.FailCall("VBD.create", 1, 1);  // the second disk cannot be attached
  Status s = w->Prepare(snapshot_record_, "source-snapshot", disks_, {}, 0);
  EXPECT_FALSE(s.ok());
  ExpectHas(s.message(), "attach disk 1");
  EXPECT_EQ(pool_.vdis().size(), 2u);
  ASSERT_OK(w->Abort());
  EXPECT_TRUE(pool_.vms().empty());
  EXPECT_TRUE(pool_.vdis().empty());
}

TEST_F(ReplicaWriterTest, VifsGoToTheNetworkOfTheSameName) {
  pool_.AddNetwork("storage", "xenbr1");
  std::string lan = pool_.AddNetwork("lan", "xenbr0");
  xapi::VifRecord vif;
  vif.device = "0";
  vif.MAC = "aa:bb:cc:00:00:01";
  xapi::NetworkRecord net;
  net.uuid = "source-network-uuid";
  net.name_label = "lan";
  auto w = Writer();
  ASSERT_OK(w->Prepare(snapshot_record_, "source-snapshot", disks_, {{vif, net}}, 0));
  auto vifs = pool_.ParamsOf("VIF.create");
  ASSERT_EQ(vifs.size(), 1u);
  EXPECT_EQ(vifs[0][0].structure().at("network").string(), lan);
  EXPECT_EQ(vifs[0][0].structure().at("MAC").string(), "aa:bb:cc:00:00:01");
}

TEST_F(ReplicaWriterTest, RetentionDeletesInterruptedAndOldestButNeverTheNewReplica) {
  CompleteReplica(kRunTime);
  // The new replica is prepared first, so the pool lists it before a replica of another run in
  // the same second (same datetime), which the datetime order alone would keep instead.
  auto w = Writer(kRunTime + 60);
  ASSERT_OK(w->Prepare(snapshot_record_, "source-snapshot", disks_, {}, 0));
  CompleteReplica(kRunTime + 60);
  // An interrupted copy: prepared, never finished (as a killed run leaves it).
  auto interrupted = Writer(kRunTime + 90);
  ASSERT_OK(interrupted->Prepare(snapshot_record_, "source-snapshot", disks_, {}, 0));
  ASSERT_OK_AND_ASSIGN(std::string newest, w->Finish());
  ASSERT_OK_AND_ASSIGN(int deleted, w->ApplyRetention(1));
  EXPECT_EQ(deleted, 3);
  auto [ref, vm] = OnlyVm();
  EXPECT_EQ(vm.uuid, newest);
  EXPECT_EQ(pool_.vdis().size(), 2u);  // the deleted replicas' disks went with them
}

TEST_F(ReplicaWriterTest, RetentionKeepsCopyRetentionReplicas) {
  std::string oldest = CompleteReplica(kRunTime);
  std::string middle = CompleteReplica(kRunTime + 60);
  auto w = Writer(kRunTime + 120);
  ASSERT_OK(w->Prepare(snapshot_record_, "source-snapshot", disks_, {}, 0));
  ASSERT_OK_AND_ASSIGN(std::string newest, w->Finish());
  ASSERT_OK_AND_ASSIGN(int deleted, w->ApplyRetention(2));
  EXPECT_EQ(deleted, 1);
  std::set<std::string> left;
  for (const auto& [ref, vm] : pool_.vms()) left.insert(vm.uuid);
  EXPECT_EQ(left, (std::set<std::string>{middle, newest}));
  (void)oldest;
}

TEST_F(ReplicaWriterTest, RetentionLeavesOtherJobsAndSrsAlone) {
  CompleteReplica(kRunTime);
  // A replica of another job on the same SR, and a user's clone (start not blocked).
  auto other = std::make_unique<ReplicaWriter>(
      TargetSpec{conn_.get(), "nvme", "dr-a"},
      RunIdentity{"job-2", "sched-2", "weekly", "source-vm-uuid", "web", kRunTime});
  ASSERT_OK(other->Resolve());
  ASSERT_OK(other->Prepare(snapshot_record_, "source-snapshot", disks_, {}, 0));
  ASSERT_OK(other->Finish().status());
  ReplicaWriter hdd({conn_.get(), "hdd", "dr-a"}, Id());
  ASSERT_OK(hdd.Resolve());
  ASSERT_OK(hdd.Prepare(snapshot_record_, "source-snapshot", disks_, {}, 0));
  ASSERT_OK(hdd.Finish().status());
  auto w = Writer(kRunTime + 60);
  ASSERT_OK(w->Prepare(snapshot_record_, "source-snapshot", disks_, {}, 0));
  ASSERT_OK(w->Finish().status());
  ASSERT_OK_AND_ASSIGN(int deleted, w->ApplyRetention(1));
  EXPECT_EQ(deleted, 1);
  EXPECT_EQ(pool_.vms().size(), 3u);
}

// --- WriterSet ---

TEST_F(ReplicaWriterTest, WriterSetKeepsEachTargetsOutcomeApart) {
  FakeXapiPool other("https://dr-b");
  other.AddSr("hdd");
  ASSERT_OK_AND_ASSIGN(auto other_conn, other.Connect());
  std::vector<TargetSpec> targets = {{conn_.get(), "missing", "dr-a"},
                                     {conn_.get(), "nvme", "dr-a"},
                                     {other_conn.get(), "hdd", "dr-b"}};
  WriterSet set(targets, Id());
  ASSERT_EQ(set.size(), 2u);  // the unresolved target has no writer
  ASSERT_EQ(set.outcomes().size(), 3u);
  EXPECT_EQ(set.outcomes()[0].status.code(), StatusCode::kNotFound);
  ExpectHas(set.outcomes()[0].status.message(), "missing");
  for (size_t w = 0; w < set.size(); ++w) {
    ASSERT_OK(set.writer(w).Prepare(snapshot_record_, "source-snapshot", disks_, {}, 0));
  }
  // dr-b fails an import: dropped (aborted), dr-a completes.
  set.Drop(1, Status::IOError("disk full"), "import of disk 0 to SR 'hdd'");
  EXPECT_FALSE(set.live(1));
  EXPECT_EQ(set.live_count(), 1u);
  EXPECT_TRUE(other.vms().empty());
  EXPECT_TRUE(other.vdis().empty());
  ASSERT_OK_AND_ASSIGN(std::string uuid, set.writer(0).Finish());
  set.Complete(0, uuid);
  EXPECT_OK(set.outcomes()[1].status);
  EXPECT_EQ(set.outcomes()[1].replica_uuid, uuid);
  EXPECT_EQ(set.outcomes()[1].sr, "nvme");
  ExpectHas(set.outcomes()[2].status.message(), "import of disk 0 to SR 'hdd'");
  ExpectHas(set.outcomes()[2].status.message(), "target pool 'dr-b'");
  // A dropped writer stays dropped: a second reason does not replace the first.
  set.Drop(1, Status::IOError("later"), "finishing");
  ExpectHas(set.outcomes()[2].status.message(), "disk full");
  ExpectHas(set.FailureSummary(), "missing");
  ExpectHas(set.FailureSummary(), "disk full");
}

}  // namespace
}  // namespace xcr::engine
