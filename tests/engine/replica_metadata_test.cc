// Key-by-key conformance with Xen Orchestra's conventions (shared/reference/xo-cr.md).
#include "engine/replica_metadata.h"

#include <gtest/gtest.h>

namespace xcr::engine {
namespace {

RunIdentity Id() {
  return {.job_id = "90d11a94-a88f-4a84-b7c1-ed207d3de2f9",
          .schedule_id = "369a26f0-da77-41ab-a998-fa6b02c69b9a",
          .job_name = "nightly",
          .vm_uuid = "4a21c1cd-e8bd-4466-910a-f7524ecc07b1",
          .vm_name = "web-01",
          .run_unix_seconds = 1795426867};
}

TEST(ReplicaMetadataTest, SourceSnapshotAndItsVdis) {
  StringMap vm = SnapshotKeys(Id(), "20261123T09:41:07Z");
  EXPECT_EQ(vm, (StringMap{{"xo:backup:job", "90d11a94-a88f-4a84-b7c1-ed207d3de2f9"},
                           {"xo:backup:schedule", "369a26f0-da77-41ab-a998-fa6b02c69b9a"},
                           {"xo:backup:vm", "4a21c1cd-e8bd-4466-910a-f7524ecc07b1"},
                           {"xo:backup:datetime", "20261123T09:41:07Z"}}));
  StringMap vdi = SnapshotVdiKeys(Id(), "20261123T09:41:07Z", "vdi-snap-uuid");
  EXPECT_EQ(vdi.at("xo:backup:contentKey"), "vdi-snap-uuid");
  EXPECT_EQ(vdi.size(), 5u);
  EXPECT_EQ(ExportedKeys(3),
            (StringMap{{"xo:backup:exported", "true"}, {"xo:backup:deltaChainLength", "3"}}));
}

TEST(ReplicaMetadataTest, ReplicaVmStartsWithThePlaceholderDatetime) {
  StringMap vm = ReplicaVmKeys(Id(), "sr-uuid", "snap-uuid", 0);
  EXPECT_EQ(vm.at("xo:backup:datetime"), "19700101T000000Z");
  EXPECT_EQ(vm.at("xo:backup:sr"), "sr-uuid");
  EXPECT_EQ(vm.at("xo:copy_of"), "snap-uuid");
  EXPECT_EQ(vm.at("xo:backup:deltaChainLength"), "0");
  EXPECT_EQ(vm.at("xo:backup:job"), Id().job_id);
  EXPECT_EQ(vm.at("xo:backup:schedule"), Id().schedule_id);
  EXPECT_EQ(vm.at("xo:backup:vm"), Id().vm_uuid);
  EXPECT_EQ(vm.at("xo:backup:includeNonNbdQcow2Fix"), "true");
}

TEST(ReplicaMetadataTest, ReplicaVdiPointsAtItsSourceSnapshotVdi) {
  StringMap vdi = ReplicaVdiKeys(Id(), "sr-uuid", "src-vdi", 2);
  EXPECT_EQ(vdi.at("xo:copy_of"), "src-vdi");
  EXPECT_EQ(vdi.at("xo:backup:contentKey"), "src-vdi");
  EXPECT_EQ(vdi.at("xo:backup:sr"), "sr-uuid");
  EXPECT_EQ(vdi.at("xo:backup:deltaChainLength"), "2");
  EXPECT_EQ(vdi.at("xo:backup:datetime"), "19700101T000000Z");
}

TEST(ReplicaMetadataTest, Names) {
  EXPECT_EQ(ReplicaName(Id()), "web-01 - nightly - (20261123T094107Z)");
  EXPECT_EQ(ImportingName(Id()), "[Importing…] web-01 - nightly - (20261123T094107Z)");
  EXPECT_EQ(SnapshotName(Id()), "[xcr nightly] web-01");
  RunIdentity no_name = Id();
  no_name.job_name.clear();
  EXPECT_EQ(SnapshotName(no_name), "[xcr 90d11a94-a88f-4a84-b7c1-ed207d3de2f9] web-01");
}

TEST(ReplicaMetadataTest, NextRunTimeIsStrictlyAfterTheChainsNewestDatetime) {
  RunIdentity id = Id();
  VmView snap;
  snap.other_config = SnapshotKeys(id, "20261123T09:41:07Z");
  TargetInventory t;
  VdiView replica;
  replica.other_config = ReplicaVdiKeys(id, "sr", "x", 0);
  replica.other_config["xo:backup:datetime"] = "20261123T09:41:09Z";
  t.vdis.push_back(replica);
  VdiView other_job = replica;
  other_job.other_config["xo:backup:job"] = "other";
  other_job.other_config["xo:backup:datetime"] = "20301123T09:41:09Z";
  t.vdis.push_back(other_job);
  // Same second as existing objects: pushed one second past the newest of this chain.
  EXPECT_EQ(NextRunTime(1795426867, id.job_id, id.vm_uuid, {snap}, {t}), 1795426870);
  // A later clock wins.
  EXPECT_EQ(NextRunTime(1795430000, id.job_id, id.vm_uuid, {snap}, {t}), 1795430000);
  // Placeholders and other VMs do not count.
  snap.other_config["xo:backup:datetime"] = "19700101T000000Z";
  t.vdis.clear();
  EXPECT_EQ(NextRunTime(1795426867, id.job_id, id.vm_uuid, {snap}, {t}), 1795426867);
}

TEST(ReplicaMetadataTest, NoBackupAndReplicationKeys) {
  VdiView v;
  v.name_label = "scratch [NOBAK]";
  EXPECT_TRUE(IsNoBackupDisk(v));
  v.name_label = "root";
  EXPECT_FALSE(IsNoBackupDisk(v));
  EXPECT_TRUE(IsReplicationKey("xo:backup:job"));
  EXPECT_TRUE(IsReplicationKey("xo:copy_of"));
  EXPECT_TRUE(IsReplicationKey("xcr:anything"));  // the namespace reserved for xcr
  EXPECT_TRUE(IsReplicationKey("xo:import:task"));
  EXPECT_FALSE(IsReplicationKey("install-methods"));
}

}  // namespace
}  // namespace xcr::engine
