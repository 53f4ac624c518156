// Disks changing between runs, end to end over real sockets: a disk added, removed, resized, a
// [NOBAK] disk, a base lost on one of two targets, and no orphan VDI after many runs. Each run's
// per-disk mode and byte count come from its task log; every replica disk is compared with its
// source snapshot disk by the simulator's SHA-256; the run after a change is a delta again.
#include <gtest/gtest.h>

#include "tests/engine/integration/replication_fixture.h"

namespace xcr::engine::testing {
namespace {

using xapi::Value;

class DiskChangesTest : public ReplicationFixture {
 protected:
  // Gives the VM a second disk (userdevice 1, 8 MiB) with 3 MiB of data.
  void AddSecondDisk() {
    ASSERT_OK_AND_ASSIGN(std::string vdi, AddDisk(*src_, vm_.ref, 8 * kMiB, "1", "data"));
    ASSERT_OK(src_->Write(vdi, 0, 3 * kMiB, 0x11));
  }
};

// The lines of `log` that hold both `a` and `b`.
size_t LinesWith(const std::string& log, const std::string& a, const std::string& b) {
  size_t n = 0, start = 0;
  while (start < log.size()) {
    size_t end = log.find('\n', start);
    if (end == std::string::npos) end = log.size();
    std::string line = log.substr(start, end - start);
    if (line.find(a) != std::string::npos && line.find(b) != std::string::npos) ++n;
    start = end + 1;
  }
  return n;
}

TEST_F(DiskChangesTest, AddedDiskGoesFullOthersDeltaThenAllDelta) {
  RunResult r1 = Run(Both());
  ExpectModes(r1, {{"0", "full"}});
  ExpectReplicasMatch(r1, {"0"});
  // The two pools' SRs share a name: the task tree tells the targets apart by their pool.
  for (const char* pool : {"' (dr)", "' (dr2)"}) {
    EXPECT_EQ(LinesWith(r1.log, "prepare replica on SR '", pool), 1u) << r1.log;
    EXPECT_EQ(LinesWith(r1.log, "transfer to SR '", pool), 1u) << r1.log;
  }

  AddSecondDisk();
  ASSERT_OK(src_->Write(DiskRef("0"), 6 * kMiB, 4096, 0x21));  // one block of disk 0
  RunResult r2 = Run(Both());
  ExpectModes(r2, {{"0", "delta"}, {"1", "full"}});
  EXPECT_LE(r2.disks["0"].bytes, DeltaBound(1));
  EXPECT_GE(r2.disks["1"].bytes, 3 * kMiB);  // the new disk's data, whole
  EXPECT_NE(r2.disks["1"].bytes, 0u);
  ExpectExportedOnce(r2);
  ExpectReplicasMatch(r2, {"0", "1"});

  ASSERT_OK(src_->Write(DiskRef("1"), 5 * kMiB, 4096, 0x22));
  RunResult r3 = Run(Both());
  ExpectModes(r3, {{"0", "delta"}, {"1", "delta"}});
  EXPECT_LE(r3.disks["0"].bytes, DeltaBound(0));
  EXPECT_LE(r3.disks["1"].bytes, DeltaBound(1));
  ExpectReplicasMatch(r3, {"0", "1"});
}

TEST_F(DiskChangesTest, RemovedDiskIsLeftOutAndTheOthersStayDelta) {
  AddSecondDisk();
  RunResult r1 = Run(Both());
  ExpectModes(r1, {{"0", "full"}, {"1", "full"}});
  ExpectReplicasMatch(r1, {"0", "1"});

  // Detach disk 1 from the VM (the VDI itself stays, as after a user's detach).
  ASSERT_OK_AND_ASSIGN(auto rec, xapi::GetRecord<xapi::VmRecord>(src_->conn(), vm_.ref));
  std::string disk1 = DiskRef("1");
  for (const std::string& vbd : rec.VBDs) {
    ASSERT_OK_AND_ASSIGN(auto b, xapi::GetRecord<xapi::VbdRecord>(src_->conn(), vbd));
    if (b.VDI == disk1) {
      ASSERT_OK(xapi::VbdDestroy(src_->conn(), vbd));
    }
  }
  ASSERT_EQ(SourceVm().disks.size(), 1u);
  ASSERT_OK(src_->Write(DiskRef("0"), 2 * kMiB, 4096, 0x31));
  RunResult r2 = Run(Both());
  ExpectModes(r2, {{"0", "delta"}});
  EXPECT_LE(r2.disks["0"].bytes, DeltaBound(1));
  ExpectReplicasMatch(r2, {"0"});

  RunResult r3 = Run(Both());
  ExpectModes(r3, {{"0", "delta"}});
  EXPECT_LE(r3.disks["0"].bytes, DeltaBound(0));
  ExpectReplicasMatch(r3, {"0"});
  // copyRetention 1: the two-disk replica and its disks are gone from both targets.
  EXPECT_EQ(ExpectNoOrphans(*dst_), 1u);
  EXPECT_EQ(ExpectNoOrphans(*dst2_), 1u);
}

TEST_F(DiskChangesTest, ResizedDiskGoesFullWithItsNewSize) {
  AddSecondDisk();
  RunResult r1 = Run(Both());
  ExpectReplicasMatch(r1, {"0", "1"});

  constexpr uint64_t kGrown = 24 * kMiB;
  ASSERT_OK(xapi::VdiResize(src_->conn(), DiskRef("1"), kGrown));
  ASSERT_OK(src_->Write(DiskRef("1"), 20 * kMiB, kMiB, 0x41));  // data beyond the old end
  RunResult r2 = Run(Both());
  ExpectModes(r2, {{"0", "delta"}, {"1", "full"}});
  EXPECT_LE(r2.disks["0"].bytes, DeltaBound(0));
  EXPECT_GE(r2.disks["1"].bytes, 3 * kMiB + kMiB);
  ExpectReplicasMatch(r2, {"0", "1"});
  for (size_t t = 0; t < 2; ++t) {
    VmView rep = Find(*Pools(2)[t], r2.out.targets[t].replica_uuid);
    ASSERT_EQ(rep.disks.size(), 2u);
    EXPECT_EQ(rep.disks[1].vdi.virtual_size, kGrown);
  }

  ASSERT_OK(src_->Write(DiskRef("1"), 22 * kMiB, 4096, 0x42));
  RunResult r3 = Run(Both());
  ExpectModes(r3, {{"0", "delta"}, {"1", "delta"}});
  EXPECT_LE(r3.disks["1"].bytes, DeltaBound(1));
  ExpectReplicasMatch(r3, {"0", "1"});
}

TEST_F(DiskChangesTest, NoBackupDiskIsLeftOutAndUserdevicesKept) {
  ASSERT_OK_AND_ASSIGN(std::string scratch,
                       AddDisk(*src_, vm_.ref, 8 * kMiB, "1", "[NOBAK] scratch"));
  ASSERT_OK(src_->Write(scratch, 0, 2 * kMiB, 0x51));
  ASSERT_OK_AND_ASSIGN(std::string data, AddDisk(*src_, vm_.ref, 8 * kMiB, "2", "data"));
  ASSERT_OK(src_->Write(data, 0, 2 * kMiB, 0x52));

  RunResult r1 = Run(Both());
  ExpectModes(r1, {{"0", "full"}, {"2", "full"}});
  ExpectReplicasMatch(r1, {"0", "2"});  // disk 2 stays disk 2

  ASSERT_OK(src_->Write(scratch, 4 * kMiB, 4096, 0x53));
  ASSERT_OK(src_->Write(data, 4 * kMiB, 4096, 0x54));
  RunResult r2 = Run(Both());
  ExpectModes(r2, {{"0", "delta"}, {"2", "delta"}});
  EXPECT_LE(r2.disks["2"].bytes, DeltaBound(1));
  ExpectReplicasMatch(r2, {"0", "2"});
  // The scratch disk was never snapshotted: no snapshot VDI of it on the source.
  ASSERT_OK_AND_ASSIGN(auto cat, src_->Catalog());
  for (const VdiView& v : cat.vdis) EXPECT_NE(v.snapshot_of, scratch) << v.uuid;
}

// A disk replaced by another at the same userdevice goes full; a disk moved to another
// userdevice stays a delta (disks are matched by snapshot lineage, not by position).
TEST_F(DiskChangesTest, ReplacedDiskGoesFullMovedDiskStaysDelta) {
  AddSecondDisk();
  RunResult r1 = Run(Both());
  ExpectReplicasMatch(r1, {"0", "1"});

  ASSERT_OK_AND_ASSIGN(auto rec, xapi::GetRecord<xapi::VmRecord>(src_->conn(), vm_.ref));
  std::string old1 = DiskRef("1");
  for (const std::string& vbd : rec.VBDs) {
    ASSERT_OK_AND_ASSIGN(auto b, xapi::GetRecord<xapi::VbdRecord>(src_->conn(), vbd));
    if (b.VDI == old1) {
      ASSERT_OK(xapi::VbdDestroy(src_->conn(), vbd));
    }
  }
  // The old disk 1 comes back as disk 3; a new disk takes userdevice 1.
  xapi::VbdSpec moved;
  moved.VM = vm_.ref;
  moved.VDI = old1;
  moved.userdevice = "3";
  ASSERT_OK(xapi::VbdCreate(src_->conn(), moved).status());
  ASSERT_OK_AND_ASSIGN(std::string fresh, AddDisk(*src_, vm_.ref, 8 * kMiB, "1", "new data"));
  ASSERT_OK(src_->Write(fresh, 2 * kMiB, 2 * kMiB, 0x71));
  ASSERT_OK(src_->Write(old1, 6 * kMiB, 4096, 0x72));
  RunResult r2 = Run(Both());
  ExpectModes(r2, {{"0", "delta"}, {"1", "full"}, {"3", "delta"}});
  EXPECT_LE(r2.disks["3"].bytes, DeltaBound(1));
  EXPECT_GE(r2.disks["1"].bytes, 2 * kMiB);
  ExpectReplicasMatch(r2, {"0", "1", "3"});

  RunResult r3 = Run(Both());
  ExpectModes(r3, {{"0", "delta"}, {"1", "delta"}, {"3", "delta"}});
  ExpectReplicasMatch(r3, {"0", "1", "3"});
}

// Xen Orchestra's rule: when a target lacks the base of a disk, that disk goes full to every
// target; the other disks stay deltas, and each disk is exported once (XO #6582 wrote deltas
// twice with two SRs).
TEST_F(DiskChangesTest, BaseLostOnOneTargetThatDiskGoesFullToEveryTarget) {
  AddSecondDisk();
  RunResult r1 = Run(Both());
  ExpectReplicasMatch(r1, {"0", "1"});

  // Target 2 loses the replica of disk 1 (an admin deleted the VDI).
  VmView rep = Find(*dst2_, r1.out.targets[1].replica_uuid);
  ASSERT_EQ(rep.disks.size(), 2u);
  ASSERT_OK(xapi::VdiDestroy(dst2_->conn(), rep.disks[1].vdi.ref));
  ASSERT_OK(src_->Write(DiskRef("0"), 8 * kMiB, 4096, 0x61));
  ASSERT_OK(src_->Write(DiskRef("1"), 6 * kMiB, 4096, 0x62));
  RunResult r2 = Run(Both());
  ExpectModes(r2, {{"0", "delta"}, {"1", "full"}});
  EXPECT_LE(r2.disks["0"].bytes, DeltaBound(1));
  EXPECT_GE(r2.disks["1"].bytes, 3 * kMiB);
  ExpectExportedOnce(r2);
  ExpectReplicasMatch(r2, {"0", "1"});
  // Both targets got one replica with two disks, nothing more.
  EXPECT_EQ(ExpectNoOrphans(*dst_), 2u);
  EXPECT_EQ(ExpectNoOrphans(*dst2_), 2u);

  RunResult r3 = Run(Both());
  ExpectModes(r3, {{"0", "delta"}, {"1", "delta"}});
  ExpectReplicasMatch(r3, {"0", "1"});

  // The whole replica lost on target 2: every disk goes full to both, then deltas again.
  VmView rep3 = Find(*dst2_, r3.out.targets[1].replica_uuid);
  ASSERT_OK(xapi::VmDestroy(dst2_->conn(), rep3.ref));
  for (const DiskView& d : rep3.disks) ASSERT_OK(xapi::VdiDestroy(dst2_->conn(), d.vdi.ref));
  RunResult r4 = Run(Both());
  ExpectModes(r4, {{"0", "full"}, {"1", "full"}});
  ExpectExportedOnce(r4);
  ExpectReplicasMatch(r4, {"0", "1"});
  RunResult r5 = Run(Both());
  ExpectModes(r5, {{"0", "delta"}, {"1", "delta"}});
  ExpectReplicasMatch(r5, {"0", "1"});
}

// XO #5721, #2292: orphan VDIs piling up on the target. Six runs with disks changing, two
// targets, copyRetention 2: every VDI on a target SR belongs to one of the two replicas kept.
TEST_F(DiskChangesTest, NoOrphanVdisAfterSixRunsWithDiskChanges) {
  options_.copy_retention = 2;
  for (int run = 0; run < 6; ++run) {
    SCOPED_TRACE("run " + std::to_string(run));
    if (run == 1) AddSecondDisk();
    if (run == 2) {
      ASSERT_OK(xapi::VdiResize(src_->conn(), DiskRef("1"), 12 * kMiB));
    }
    if (run == 4) {
      // Target 1 loses disk 1 of its newest replica.
      std::vector<VmView> reps = ReplicasOn(*dst_);
      ASSERT_FALSE(reps.empty());
      const VmView* newest = &reps[0];
      for (const VmView& v : reps) {
        if (ConfigValue(v.other_config, keys::kDatetime) >
            ConfigValue(newest->other_config, keys::kDatetime)) {
          newest = &v;
        }
      }
      ASSERT_EQ(newest->disks.size(), 2u);
      ASSERT_OK(xapi::VdiDestroy(dst_->conn(), newest->disks[1].vdi.ref));
    }
    ASSERT_OK(src_->Write(DiskRef("0"), run * 2 * kMiB, 4096, run + 1));
    RunResult r = Run(Both());
    ASSERT_OK(r.out.status) << r.log;
    ExpectExportedOnce(r);
    std::vector<std::string> devs = {"0"};
    if (run >= 1) devs.push_back("1");
    ExpectReplicasMatch(r, devs);

    for (SimPool* pool : Pools(2)) {
      std::vector<VmView> reps = ReplicasOn(*pool);
      EXPECT_EQ(reps.size(), static_cast<size_t>(std::min(run + 1, 2)));
      size_t referenced = 0;
      for (const VmView& v : reps) referenced += v.disks.size();
      // The replica that lost its disk on target 1 counts one disk less.
      EXPECT_EQ(ExpectNoOrphans(*pool), referenced);
    }
  }
  // The source keeps the VM's disks and one snapshot (snapshotRetention 1).
  ASSERT_OK_AND_ASSIGN(auto cat, src_->Catalog());
  EXPECT_EQ(cat.Inventory(src_sr_).vdis.size(), 4u);
}

}  // namespace
}  // namespace xcr::engine::testing
