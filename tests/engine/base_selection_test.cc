#include "engine/base_selection.h"

#include <gtest/gtest.h>

#include "engine/other_config_keys.h"

namespace xcr::engine {
namespace {

constexpr char kJob[] = "job-1";
constexpr char kVmUuid[] = "vm-uuid";
constexpr uint64_t kGiB = uint64_t{1} << 30;

// A small world: a VM with disks, its snapshots, and target inventories.
class BaseSelectionTest : public ::testing::Test {
 protected:
  BaseSelectionTest() {
    vm_.ref = "OpaqueRef:vm";
    vm_.uuid = kVmUuid;
    AddDisk("0", "OpaqueRef:d0", 10 * kGiB);
    AddDisk("1", "OpaqueRef:d1", 20 * kGiB);
    targets_.push_back({"sr-a", {}});
    targets_.push_back({"sr-b", {}});
  }

  void AddDisk(const std::string& dev, const std::string& ref, uint64_t size) {
    DiskView d;
    d.userdevice = dev;
    d.vdi.ref = ref;
    d.vdi.uuid = ref + "-uuid";
    d.vdi.virtual_size = size;
    vm_.disks.push_back(d);
  }

  // A snapshot of the current disks, tagged for kJob, exported or not.
  VmView& Snapshot(const std::string& id, const std::string& datetime, bool exported = true,
                   const std::string& job = kJob) {
    VmView s;
    s.ref = "OpaqueRef:snap-" + id;
    s.uuid = "snap-" + id;
    s.is_a_snapshot = true;
    s.snapshot_of = vm_.ref;
    s.other_config = {{std::string(keys::kJob), job},
                      {std::string(keys::kVm), kVmUuid},
                      {std::string(keys::kDatetime), datetime}};
    if (exported) s.other_config[std::string(keys::kExported)] = "true";
    for (const DiskView& cur : vm_.disks) {
      DiskView d = cur;
      d.vdi.ref = cur.vdi.ref + "-snap-" + id;
      d.vdi.uuid = cur.vdi.uuid + "-snap-" + id;
      d.vdi.is_a_snapshot = true;
      d.vdi.snapshot_of = cur.vdi.ref;
      s.disks.push_back(d);
    }
    snapshots_.push_back(s);
    return snapshots_.back();
  }

  // Replicas of every disk of snapshot `id` on target t.
  void Replicate(const std::string& id, size_t t,
                 const std::string& datetime = "20260101T00:00:00Z") {
    for (const DiskView& cur : vm_.disks) {
      VdiView r;
      r.uuid = "replica-" + id + "-" + cur.userdevice + "-t" + std::to_string(t);
      r.ref = "OpaqueRef:" + r.uuid;
      r.other_config = {{std::string(keys::kContentKey), cur.vdi.uuid + "-snap-" + id},
                        {std::string(keys::kDatetime), datetime}};
      targets_[t].vdis.push_back(r);
    }
  }

  BasePlan Choose() { return ChooseBase(kJob, vm_, snapshots_, targets_); }

  VmView vm_;
  std::vector<VmView> snapshots_;
  std::vector<TargetInventory> targets_;

 private:
  void SetUp() override { snapshots_.reserve(16); }
};

TEST_F(BaseSelectionTest, NewVmGoesFull) {
  BasePlan p = Choose();
  EXPECT_EQ(p.base_snapshot, nullptr);
  ASSERT_EQ(p.disks.size(), 2u);
  for (const DiskBase& d : p.disks) {
    EXPECT_FALSE(d.is_delta());
    EXPECT_EQ(d.full_reason, "no exported snapshot of this job yet");
  }
}

TEST_F(BaseSelectionTest, NewestExportedSnapshotWithReplicasEverywhereIsTheBase) {
  Snapshot("1", "20260101T00:00:00Z");
  Snapshot("2", "20260102T00:00:00Z");
  Replicate("1", 0);
  Replicate("1", 1);
  Replicate("2", 0);
  Replicate("2", 1);
  BasePlan p = Choose();
  ASSERT_NE(p.base_snapshot, nullptr);
  EXPECT_EQ(p.base_snapshot->uuid, "snap-2");
  ASSERT_EQ(p.disks.size(), 2u);
  EXPECT_TRUE(p.disks[0].is_delta());
  EXPECT_EQ(p.disks[0].base->uuid, "OpaqueRef:d0-uuid-snap-2");
  ASSERT_EQ(p.disks[0].target_bases.size(), 2u);
  EXPECT_EQ(p.disks[0].target_bases[0]->uuid, "replica-2-0-t0");
  EXPECT_EQ(p.disks[1].target_bases[1]->uuid, "replica-2-1-t1");
}

TEST_F(BaseSelectionTest, UnexportedAndOtherJobsSnapshotsAreIgnored) {
  Snapshot("1", "20260101T00:00:00Z");
  Snapshot("2", "20260102T00:00:00Z", /*exported=*/false);
  Snapshot("3", "20260103T00:00:00Z", true, "another-job");
  for (const char* id : {"1", "2", "3"}) {
    Replicate(id, 0);
    Replicate(id, 1);
  }
  BasePlan p = Choose();
  ASSERT_NE(p.base_snapshot, nullptr);
  EXPECT_EQ(p.base_snapshot->uuid, "snap-1");
}

TEST_F(BaseSelectionTest, LostBaseOnOneTargetFallsBackToAnOlderCompleteSnapshot) {
  Snapshot("1", "20260101T00:00:00Z");
  Snapshot("2", "20260102T00:00:00Z");
  Replicate("1", 0);
  Replicate("1", 1);
  Replicate("2", 0);  // target 1 lost its copy of snapshot 2
  BasePlan p = Choose();
  ASSERT_NE(p.base_snapshot, nullptr);
  EXPECT_EQ(p.base_snapshot->uuid, "snap-1");
  EXPECT_TRUE(p.disks[1].is_delta());
}

TEST_F(BaseSelectionTest, NoCompleteSnapshotMeansFullForEveryTarget) {
  Snapshot("1", "20260101T00:00:00Z");
  Replicate("1", 0);  // only on target 0 (target 1 failed last time)
  BasePlan p = Choose();
  EXPECT_EQ(p.base_snapshot, nullptr);
  for (const DiskBase& d : p.disks) EXPECT_FALSE(d.is_delta());
  EXPECT_NE(p.note.find("no replica of disk 0 on SR sr-b"), std::string::npos) << p.note;
}

TEST_F(BaseSelectionTest, OneDiskLostOnOneTargetGoesFullTheOtherStaysDelta) {
  Snapshot("1", "20260101T00:00:00Z");
  Replicate("1", 0);
  Replicate("1", 1);
  targets_[1].vdis.pop_back();  // target 1 lost its copy of disk 1
  BasePlan p = Choose();
  ASSERT_NE(p.base_snapshot, nullptr) << p.note;
  EXPECT_EQ(p.base_snapshot->uuid, "snap-1");
  ASSERT_EQ(p.disks.size(), 2u);
  EXPECT_TRUE(p.disks[0].is_delta());
  ASSERT_EQ(p.disks[0].target_bases.size(), 2u);
  EXPECT_EQ(p.disks[0].target_bases[1]->uuid, "replica-1-0-t1");
  EXPECT_FALSE(p.disks[1].is_delta());
  EXPECT_TRUE(p.disks[1].target_bases.empty());
  EXPECT_EQ(p.disks[1].full_reason, "no replica of disk 1 of snapshot snap-1 on SR sr-b");
  EXPECT_NE(p.note.find("full for disk(s) 1"), std::string::npos) << p.note;
}

TEST_F(BaseSelectionTest, OlderCompleteSnapshotBeatsPerDiskFallback) {
  Snapshot("1", "20260101T00:00:00Z");
  Snapshot("2", "20260102T00:00:00Z");
  Replicate("1", 0);
  Replicate("1", 1);
  Replicate("2", 0);
  Replicate("2", 1);
  targets_[1].vdis.pop_back();  // snapshot 2's disk 1 lost on target 1
  BasePlan p = Choose();
  ASSERT_NE(p.base_snapshot, nullptr);
  EXPECT_EQ(p.base_snapshot->uuid, "snap-1");
  EXPECT_TRUE(p.disks[0].is_delta());
  EXPECT_TRUE(p.disks[1].is_delta());
}

TEST_F(BaseSelectionTest, InterruptedCopyIsNeverABase) {
  Snapshot("1", "20260101T00:00:00Z");
  Replicate("1", 0);
  Replicate("1", 1, std::string(keys::kDatetimePlaceholder));
  EXPECT_EQ(Choose().base_snapshot, nullptr);
}

TEST_F(BaseSelectionTest, UnfinishedUploadIsNeverABase) {
  Snapshot("1", "20260101T00:00:00Z");
  Replicate("1", 0);
  Replicate("1", 1);
  targets_[1].vdis[0].other_config[std::string(keys::kImportTask)] = "task-uuid";
  BasePlan p = Choose();
  // Disk 0's only copy on target 1 is unfinished: that disk goes full, disk 1 stays a delta.
  ASSERT_EQ(p.disks.size(), 2u);
  EXPECT_FALSE(p.disks[0].is_delta());
  EXPECT_TRUE(p.disks[1].is_delta());
}

TEST_F(BaseSelectionTest, AddedDiskGoesFullOthersDelta) {
  Snapshot("1", "20260101T00:00:00Z");
  Replicate("1", 0);
  Replicate("1", 1);
  AddDisk("2", "OpaqueRef:d2", 5 * kGiB);
  BasePlan p = Choose();
  ASSERT_NE(p.base_snapshot, nullptr);
  ASSERT_EQ(p.disks.size(), 3u);
  EXPECT_TRUE(p.disks[0].is_delta());
  EXPECT_TRUE(p.disks[1].is_delta());
  EXPECT_FALSE(p.disks[2].is_delta());
  EXPECT_EQ(p.disks[2].full_reason, "disk 2 was added after the base snapshot");
}

TEST_F(BaseSelectionTest, RemovedDiskIsIgnored) {
  Snapshot("1", "20260101T00:00:00Z");
  Replicate("1", 0);
  Replicate("1", 1);
  vm_.disks.pop_back();
  BasePlan p = Choose();
  ASSERT_NE(p.base_snapshot, nullptr);
  ASSERT_EQ(p.disks.size(), 1u);
  EXPECT_TRUE(p.disks[0].is_delta());
}

TEST_F(BaseSelectionTest, ResizedDiskGoesFull) {
  Snapshot("1", "20260101T00:00:00Z");
  Replicate("1", 0);
  Replicate("1", 1);
  vm_.disks[1].vdi.virtual_size = 40 * kGiB;
  BasePlan p = Choose();
  ASSERT_NE(p.base_snapshot, nullptr);
  EXPECT_TRUE(p.disks[0].is_delta());
  EXPECT_FALSE(p.disks[1].is_delta());
  EXPECT_NE(p.disks[1].full_reason.find("resized"), std::string::npos);
}

TEST_F(BaseSelectionTest, CopyOfWithJobKeysIdentifiesLegacyReplicas) {
  Snapshot("1", "20260101T00:00:00Z");
  for (size_t t = 0; t < 2; ++t) {
    for (const DiskView& cur : vm_.disks) {
      VdiView r;
      r.uuid = "legacy-" + cur.userdevice + std::to_string(t);
      r.other_config = {{std::string(keys::kCopyOf), cur.vdi.uuid + "-snap-1"},
                        {std::string(keys::kJob), kJob},
                        {std::string(keys::kVm), kVmUuid}};
      targets_[t].vdis.push_back(r);
    }
  }
  BasePlan p = Choose();
  ASSERT_NE(p.base_snapshot, nullptr);
  EXPECT_EQ(p.disks[0].target_bases[1]->uuid, "legacy-01");
}

// xo-cr-seed 1.0.2 writes only xo:copy_of on a seeded disk (docs/xo-compat.md); a disk whose
// job or VM key names another job or VM is not this chain's, whatever its xo:copy_of says.
TEST_F(BaseSelectionTest, CopyOfAloneIdentifiesXoCrSeedDisksButNotAnotherJobs) {
  Snapshot("1", "20260101T00:00:00Z");
  for (size_t t = 0; t < 2; ++t) {
    for (const DiskView& cur : vm_.disks) {
      VdiView r;
      r.uuid = "seeded-" + cur.userdevice + std::to_string(t);
      r.other_config = {{std::string(keys::kCopyOf), cur.vdi.uuid + "-snap-1"}};
      targets_[t].vdis.push_back(r);
    }
  }
  BasePlan p = Choose();
  ASSERT_NE(p.base_snapshot, nullptr);
  EXPECT_EQ(p.disks[0].target_bases[1]->uuid, "seeded-01");

  for (VdiView& v : targets_[1].vdis) v.other_config[std::string(keys::kJob)] = "another-job";
  p = Choose();
  EXPECT_EQ(p.base_snapshot, nullptr) << p.note;
  for (VdiView& v : targets_[1].vdis) {
    v.other_config.erase(std::string(keys::kJob));
    v.other_config[std::string(keys::kVm)] = "another-vm";
  }
  p = Choose();
  EXPECT_EQ(p.base_snapshot, nullptr) << p.note;
}

TEST_F(BaseSelectionTest, SnapshotReplicaVdiPreferredToActive) {
  Snapshot("1", "20260101T00:00:00Z");
  Replicate("1", 0);
  Replicate("1", 1);
  VdiView snap = targets_[0].vdis[0];
  snap.uuid = "target-snapshot";
  snap.is_a_snapshot = true;
  targets_[0].vdis.push_back(snap);
  BasePlan p = Choose();
  ASSERT_NE(p.base_snapshot, nullptr);
  EXPECT_EQ(p.disks[0].target_bases[0]->uuid, "target-snapshot");
}

}  // namespace
}  // namespace xcr::engine
