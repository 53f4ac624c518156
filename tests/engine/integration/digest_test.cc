// The content digest a run computes while each disk streams, end to end over loopback: recorded
// in the task log and on the replica's disks, equal to a later re-export of the replica (a full
// copy) or to the delta it sent (a delta), and `VerifyReplica` without the source catching a
// replica corrupted on the target.
#include <gtest/gtest.h>

#include "engine/content_digest.h"
#include "engine/other_config_keys.h"
#include "engine/replica_ops.h"
#include "engine/vm_replicator.h"
#include "tests/engine/integration/sim_pools.h"
#include "xapi/disk_transfer.h"

namespace xcr::engine {
namespace {

using testing::SimPool;

constexpr uint64_t kMiB = 1 << 20;
constexpr uint64_t kDiskSize = 64 * kMiB;

class DigestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    src_ = std::make_unique<SimPool>(dir_.File("src"), 1, kDiskSize);
    dst_ = std::make_unique<SimPool>(dir_.File("dst"), 0, kDiskSize);
    ASSERT_OK(src_->Start());
    ASSERT_OK(dst_->Start());
    ASSERT_OK_AND_ASSIGN(vm_, src_->FirstVm());
    ASSERT_EQ(vm_.disks.size(), 1u);
    ASSERT_OK_AND_ASSIGN(dst_sr_, dst_->SrUuid());
    options_.job_id = "job-d";
    options_.schedule_id = "sched-d";
    options_.copy_retention = 3;
    options_.snapshot_retention = 3;
    ASSERT_OK(src_->Write(vm_.disks[0].vdi.ref, 0, 3 * kMiB, 0x21));
  }

  // One run; returns its outcome and the data of its disk's export step.
  VmOutcome Run(std::map<std::string, std::string>* export_data) {
    TaskLog log(Env::Default());
    VmReplicator r(&src_->conn(), {{&dst_->conn(), dst_sr_, "dr"}}, options_, &log);
    VmOutcome out = r.Run(vm_.uuid, kNoParent);
    for (const TaskRecord& t : log.Snapshot()) {
      if (t.label.find("export of disk") != std::string::npos) *export_data = t.data;
    }
    return out;
  }

  // The single disk of VM `uuid` on `pool`.
  VdiView Disk(SimPool& pool, const std::string& uuid) {
    auto cat = pool.Catalog();
    EXPECT_OK(cat.status());
    for (const VmView& v : cat->vms) {
      if (v.uuid == uuid && v.disks.size() == 1) return v.disks[0].vdi;
    }
    ADD_FAILURE() << "no VM " << uuid << " with one disk";
    return {};
  }

  // ContentDigestSink over a plain export (no observer) of `vdi`, against `base` if not empty.
  Result<std::string> ExportDigest(SimPool& pool, const std::string& vdi,
                                   const std::string& base = "") {
    ContentDigestSink sink;
    XCR_RETURN_IF_ERROR(xapi::ExportVdi(pool.conn(), vdi, base, sink).status());
    return sink.Tagged();
  }

  xcr::testing::TempDir dir_;
  std::unique_ptr<SimPool> src_, dst_;
  VmView vm_;
  std::string dst_sr_;
  ReplicationOptions options_;
};

TEST_F(DigestTest, FullRunRecordsTheDigestOfWhatStreamedInTheLogAndOnTheReplica) {
  std::map<std::string, std::string> data;
  VmOutcome out = Run(&data);
  ASSERT_OK(out.status);
  ASSERT_FALSE(out.delta);
  EXPECT_EQ(data["digest_scope"], "full");
  ASSERT_EQ(data["digest"].rfind("xcr-content-v2:", 0), 0u) << data["digest"];
  EXPECT_EQ(data["digest"].size(), 15u + 64u);

  VdiView rep = Disk(*dst_, out.targets[0].replica_uuid);
  EXPECT_EQ(ConfigValue(rep.other_config, keys::kContentDigest), data["digest"]);
  EXPECT_EQ(ConfigValue(rep.other_config, keys::kContentDigestScope), keys::kDigestScopeFull);
  // The digest taken from the pipe equals ContentDigestSink over a plain export of the same
  // content: the source snapshot's disk and the replica's.
  VdiView snap = Disk(*src_, out.snapshot_uuid);
  ASSERT_OK_AND_ASSIGN(std::string of_snapshot, ExportDigest(*src_, snap.ref));
  ASSERT_OK_AND_ASSIGN(std::string of_replica, ExportDigest(*dst_, rep.ref));
  EXPECT_EQ(of_snapshot, data["digest"]);
  EXPECT_EQ(of_replica, data["digest"]);

  // Verify without the source: the recorded digest is enough.
  ASSERT_OK_AND_ASSIGN(auto v, VerifyReplica(nullptr, dst_->conn(), out.targets[0].replica_uuid));
  ASSERT_EQ(v.size(), 1u);
  EXPECT_OK(v[0].status);
  EXPECT_TRUE(v[0].compared_recorded);
  EXPECT_FALSE(v[0].compared_source);
  EXPECT_TRUE(v[0].equal());
  // With the source: both comparisons.
  ASSERT_OK_AND_ASSIGN(v, VerifyReplica(&src_->conn(), dst_->conn(), out.targets[0].replica_uuid));
  ASSERT_EQ(v.size(), 1u);
  EXPECT_TRUE(v[0].compared_recorded && v[0].compared_source);
  EXPECT_TRUE(v[0].equal());
}

TEST_F(DigestTest, ReplicaCorruptedOnTheTargetFailsVerifyWithoutTheSource) {
  std::map<std::string, std::string> data;
  VmOutcome out = Run(&data);
  ASSERT_OK(out.status);
  const std::string replica = out.targets[0].replica_uuid;
  VdiView rep = Disk(*dst_, replica);
  ASSERT_OK(dst_->Write(rep.ref, 40 * kMiB, 4096, 0x77));  // bit rot on the target

  ASSERT_OK_AND_ASSIGN(auto v, VerifyReplica(nullptr, dst_->conn(), replica));
  ASSERT_EQ(v.size(), 1u);
  EXPECT_OK(v[0].status);
  EXPECT_EQ(v[0].userdevice, "0");
  EXPECT_EQ(v[0].replica_vdi, rep.uuid);
  EXPECT_TRUE(v[0].compared_recorded);
  EXPECT_FALSE(v[0].recorded_equal());
  EXPECT_FALSE(v[0].equal());
  EXPECT_EQ(v[0].recorded_digest, data["digest"]);
  EXPECT_NE(v[0].replica_digest, data["digest"]);
  // With the source, the source comparison says the same.
  ASSERT_OK_AND_ASSIGN(v, VerifyReplica(&src_->conn(), dst_->conn(), replica));
  ASSERT_EQ(v.size(), 1u);
  EXPECT_TRUE(v[0].compared_source);
  EXPECT_FALSE(v[0].source_equal());
}

TEST_F(DigestTest, DigestOfContentWrittenOverByAnotherToolIsNotUsed) {
  std::map<std::string, std::string> data;
  VmOutcome out = Run(&data);
  ASSERT_OK(out.status);
  VdiView rep = Disk(*dst_, out.targets[0].replica_uuid);
  EXPECT_EQ(ConfigValue(rep.other_config, keys::kContentDigestOf),
            Disk(*src_, out.snapshot_uuid).uuid);
  // Another tool wrote newer content and its contentKey, keeping our keys.
  StringMap oc = rep.other_config;
  oc[std::string(keys::kContentKey)] = "a-later-snapshot-disk";
  ASSERT_OK(xapi::SetOtherConfig(dst_->conn(), "VDI", rep.ref, oc));
  auto refused = VerifyReplica(nullptr, dst_->conn(), out.targets[0].replica_uuid);
  EXPECT_STATUS(refused.status(), StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("disk 0 (recorded digest is stale)"), std::string::npos)
      << refused.status().ToString();
}

TEST_F(DigestTest, DeltaRunRecordsTheDigestOfTheDeltaAndVerifyThenNeedsTheSource) {
  std::map<std::string, std::string> full, delta;
  VmOutcome first = Run(&full);
  ASSERT_OK(first.status);
  ASSERT_OK(src_->Write(vm_.disks[0].vdi.ref, 10 * kMiB, 1 * kMiB, 0x42));
  VmOutcome second = Run(&delta);
  ASSERT_OK(second.status);
  ASSERT_TRUE(second.delta) << second.base_note;
  EXPECT_EQ(delta["digest_scope"], "delta");
  EXPECT_NE(delta["digest"], full["digest"]);

  VdiView rep = Disk(*dst_, second.targets[0].replica_uuid);
  EXPECT_EQ(ConfigValue(rep.other_config, keys::kContentDigest), delta["digest"]);
  EXPECT_EQ(ConfigValue(rep.other_config, keys::kContentDigestScope), keys::kDigestScopeDelta);
  // It is the digest of the delta: the same delta exported again gives it, the whole disk not.
  VdiView snap1 = Disk(*src_, first.snapshot_uuid);
  VdiView snap2 = Disk(*src_, second.snapshot_uuid);
  ASSERT_OK_AND_ASSIGN(std::string of_delta, ExportDigest(*src_, snap2.ref, snap1.ref));
  ASSERT_OK_AND_ASSIGN(std::string of_disk, ExportDigest(*dst_, rep.ref));
  EXPECT_EQ(of_delta, delta["digest"]);
  EXPECT_NE(of_disk, delta["digest"]);

  // Without the source there is nothing to compare the whole disk with: refused, naming it.
  auto refused = VerifyReplica(nullptr, dst_->conn(), second.targets[0].replica_uuid);
  EXPECT_STATUS(refused.status(), StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("disk 0 (delta-scope digest)"), std::string::npos)
      << refused.status().ToString();
  // With the source: compared with the source snapshot only.
  ASSERT_OK_AND_ASSIGN(auto v,
                       VerifyReplica(&src_->conn(), dst_->conn(), second.targets[0].replica_uuid));
  ASSERT_EQ(v.size(), 1u);
  EXPECT_TRUE(v[0].compared_source);
  EXPECT_FALSE(v[0].compared_recorded);
  EXPECT_EQ(v[0].recorded_scope, "delta");
  EXPECT_TRUE(v[0].equal());
  // The earlier full replica still verifies on its own.
  ASSERT_OK_AND_ASSIGN(v, VerifyReplica(nullptr, dst_->conn(), first.targets[0].replica_uuid));
  EXPECT_TRUE(v.at(0).equal());
}

}  // namespace
}  // namespace xcr::engine
