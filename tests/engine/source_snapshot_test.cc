// The source side of a run against an in-memory pool (fake_pool.h): the snapshot and its keys,
// what a failure leaves, marking it exported, deleting it.
#include "engine/source_snapshot.h"

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "engine/backup_datetime.h"
#include "engine/other_config_keys.h"
#include "engine/pool_catalog.h"
#include "tests/engine/fake_pool.h"
#include "tests/testutil/status_matchers.h"

namespace xcr::engine {
namespace {

using testing::FakeXapiPool;

constexpr int64_t kRunTime = 1795426867;  // 2026-11-23T09:41:07Z

std::string Get(const StringMap& m, std::string_view key) {
  auto it = m.find(std::string(key));
  return it == m.end() ? std::string() : it->second;
}

class SourceSnapshotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string sr = pool_.AddSr("local");
    vm_ = pool_.AddVm("web");
    pool_.AddDisk(vm_, sr, "0", "root", "r");
    pool_.AddDisk(vm_, sr, "1", "swap [NOBAK]", "s");
    pool_.AddDisk(vm_, sr, "2", "data", "d");
    pool_.SetVmOtherConfig(vm_, std::string(keys::kLease), "host=a;pid=1;run=r;job=j");
    pool_.SetVmOtherConfig(vm_, "owner", "ops");
    ASSERT_OK_AND_ASSIGN(conn_, pool_.Connect());
  }

  VmView View() {
    auto cat = LoadPoolCatalog(*conn_);
    EXPECT_OK(cat.status());
    auto vm = cat->FindVm("web");
    EXPECT_OK(vm.status());
    return **vm;
  }

  RunIdentity Id() { return {"job-1", "sched-1", "nightly", View().uuid, "web", kRunTime}; }

  FakeXapiPool pool_{"https://src"};
  std::unique_ptr<xapi::Connection> conn_;
  std::string vm_;
};

TEST_F(SourceSnapshotTest, TakesTheSnapshotWithoutNoBakDisksAndTagsIt) {
  ASSERT_OK_AND_ASSIGN(SourceSnapshot s, TakeSourceSnapshot(*conn_, View(), Id()));
  // VM.snapshot was asked to leave the [NOBAK] disk out.
  auto params = pool_.ParamsOf("VM.snapshot");
  ASSERT_EQ(params.size(), 1u);
  EXPECT_EQ(params[0][1].string(), "[xcr nightly] web");
  ASSERT_EQ(params[0][2].array().size(), 1u);
  EXPECT_EQ(pool_.vdi(params[0][2].array()[0].string()).name_label, "swap [NOBAK]");
  ASSERT_EQ(s.current.size(), 2u);
  EXPECT_EQ(s.current[0].userdevice, "0");
  EXPECT_EQ(s.current[1].userdevice, "2");
  ASSERT_EQ(s.disks.size(), 2u);
  EXPECT_EQ(s.datetime, FormatBackupDatetime(kRunTime));
  // In the pool: the snapshot's keys, the lease copied from the VM dropped, other keys kept.
  FakeXapiPool::Vm snap = pool_.vm(s.snapshot.ref);
  EXPECT_TRUE(snap.is_a_snapshot);
  EXPECT_EQ(snap.snapshot_of, vm_);
  EXPECT_EQ(Get(snap.other_config, keys::kJob), "job-1");
  EXPECT_EQ(Get(snap.other_config, keys::kSchedule), "sched-1");
  EXPECT_EQ(Get(snap.other_config, keys::kVm), Id().vm_uuid);
  EXPECT_EQ(Get(snap.other_config, keys::kDatetime), s.datetime);
  EXPECT_EQ(Get(snap.other_config, keys::kExported), "");  // not before a copy succeeded
  EXPECT_EQ(Get(snap.other_config, keys::kLease), "");
  EXPECT_EQ(Get(snap.other_config, "owner"), "ops");
  for (size_t i = 0; i < 2; ++i) {
    FakeXapiPool::Vdi d = pool_.vdi(s.disks[i].vdi.ref);
    EXPECT_EQ(d.snapshot_of, s.current[i].vdi.ref);
    EXPECT_EQ(Get(d.other_config, keys::kContentKey), d.uuid);
    EXPECT_EQ(Get(d.other_config, keys::kJob), "job-1");
    // The returned view carries the keys as written.
    EXPECT_EQ(s.disks[i].vdi.other_config, d.other_config);
  }
  EXPECT_EQ(s.snapshot.other_config, snap.other_config);
  EXPECT_EQ(s.all.size(), 1u);
}

TEST_F(SourceSnapshotTest, SnapshotFailureLeavesNothing) {
  pool_.FailCall("VM.snapshot");
  auto s = TakeSourceSnapshot(*conn_, View(), Id());
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.status().error_name(), "INTERNAL_ERROR");
  EXPECT_TRUE(pool_.SnapshotsOf(vm_).empty());
}

TEST_F(SourceSnapshotTest, TaggingFailureDeletesTheSnapshotAndItsDisks) {
  pool_.FailCall("VDI.set_other_config", 1, 1);  // the second disk cannot be tagged
  auto s = TakeSourceSnapshot(*conn_, View(), Id());
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("tag snapshot"), std::string::npos) << s.status().ToString();
  EXPECT_TRUE(pool_.SnapshotsOf(vm_).empty());
  EXPECT_EQ(pool_.vdis().size(), 3u);  // the VM's own disks only
}

TEST_F(SourceSnapshotTest, MarkExportedMakesItABaseWithItsChainLength) {
  ASSERT_OK_AND_ASSIGN(SourceSnapshot s, TakeSourceSnapshot(*conn_, View(), Id()));
  ASSERT_OK(MarkSnapshotExported(*conn_, s, 4));
  FakeXapiPool::Vm snap = pool_.vm(s.snapshot.ref);
  EXPECT_EQ(Get(snap.other_config, keys::kExported), "true");
  EXPECT_EQ(Get(snap.other_config, keys::kDeltaChainLength), "4");
  EXPECT_EQ(Get(snap.other_config, keys::kJob), "job-1");  // the run's keys stay
  for (const DiskView& d : s.disks) {
    StringMap oc = pool_.vdi(d.vdi.ref).other_config;
    EXPECT_EQ(Get(oc, keys::kExported), "true");
    EXPECT_EQ(Get(oc, keys::kContentKey), d.vdi.uuid);
  }
}

TEST_F(SourceSnapshotTest, DestroyRemovesTheSnapshotAndItsDisks) {
  ASSERT_OK_AND_ASSIGN(SourceSnapshot s, TakeSourceSnapshot(*conn_, View(), Id()));
  ASSERT_OK(DestroySourceSnapshot(*conn_, s.snapshot));
  EXPECT_TRUE(pool_.SnapshotsOf(vm_).empty());
  EXPECT_EQ(pool_.vdis().size(), 3u);
  EXPECT_TRUE(pool_.vm(vm_).snapshots.empty());
}

}  // namespace
}  // namespace xcr::engine
