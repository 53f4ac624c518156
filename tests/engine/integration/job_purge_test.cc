// Job purge against the simulator: everything of a job on a pool goes (replicas with their disks,
// source snapshots, a snapshot a kill left untagged, a disk an interrupted import left), nothing
// of another job nor a user's DR clone does; a live run of the job refuses the purge; a failed
// removal is reported and a second purge finishes the work.
#include <set>

#include <gtest/gtest.h>

#include "engine/job_purge.h"
#include "engine/other_config_keys.h"
#include "engine/replica_ops.h"
#include "engine/run_lease.h"
#include "tests/engine/integration/replication_fixture.h"
#include "tests/testutil/fake_clock_env.h"

namespace xcr::engine {
namespace {

using xapi::Value;

class JobPurgeTest : public testing::ReplicationFixture {
 protected:
  void SetUp() override {
    ReplicationFixture::SetUp();
    if (HasFatalFailure()) return;
    options_.copy_retention = 2;
    options_.snapshot_retention = 2;
  }

  // Runs `job` (named like it) once to the first target.
  VmOutcome RunJob(const std::string& job, const std::string& name) {
    ReplicationOptions saved = options_;
    options_.job_id = job;
    options_.job_name = name;
    testing::RunResult r = Run(One());
    options_ = saved;
    EXPECT_TRUE(r.out.status.ok()) << r.log;
    return r.out;
  }

  // A disk on the pool's SR carrying the job's keys and attached to nothing (an import killed
  // before VBD.create).
  Result<std::string> LooseDisk(testing::SimPool& pool, const std::string& job) {
    XCR_ASSIGN_OR_RETURN(std::string sr_uuid, pool.SrUuid());
    xapi::VdiSpec spec;
    XCR_ASSIGN_OR_RETURN(spec.SR, xapi::GetByUuid(pool.conn(), "SR", sr_uuid));
    spec.virtual_size = kDiskSize;
    spec.name_label = "disk 0";
    spec.other_config = {{std::string(keys::kJob), job},
                         {std::string(keys::kVm), vm_.uuid},
                         {std::string(keys::kDatetime), std::string(keys::kDatetimePlaceholder)}};
    XCR_ASSIGN_OR_RETURN(std::string ref, xapi::VdiCreate(pool.conn(), spec));
    XCR_ASSIGN_OR_RETURN(xapi::VdiRecord rec, xapi::GetRecord<xapi::VdiRecord>(pool.conn(), ref));
    return rec.uuid;
  }

  // uuids of every VM (snapshots included) and VDI on the pool.
  std::set<std::string> Uuids(testing::SimPool& pool) {
    std::set<std::string> out;
    auto cat = pool.Catalog();
    EXPECT_TRUE(cat.ok());
    if (!cat.ok()) return out;
    for (const VmView& v : cat->vms) out.insert(v.uuid);
    for (const VdiView& v : cat->vdis) out.insert(v.uuid);
    return out;
  }

  // Objects on the pool that still carry the job id (VMs, snapshots, VDIs).
  std::vector<std::string> LeftOf(testing::SimPool& pool, const std::string& job) {
    std::vector<std::string> out;
    auto inv = LoadPoolInventory(pool.conn());
    EXPECT_TRUE(inv.ok());
    if (!inv.ok()) return out;
    for (const VmView& v : inv->vms) {
      if (ConfigValue(v.other_config, keys::kJob) == job) out.push_back("VM " + v.name_label);
    }
    for (const VdiView& v : inv->vdis) {
      // A DR clone's disks keep the replica's keys: they are the user's, attached to the clone.
      if (ConfigValue(v.other_config, keys::kJob) == job && !inv->Attached(v.ref)) {
        out.push_back("loose VDI " + v.uuid);
      }
    }
    return out;
  }
};

TEST_F(JobPurgeTest, RemovesEverythingOfTheJobAndNothingElse) {
  RunJob("job-1", "nightly");
  VmOutcome last = RunJob("job-1", "nightly");
  VmOutcome other = RunJob("job-2", "hourly");
  // A user's DR clone of job-1's replica: its VM carries no keys, its disks keep them.
  ASSERT_OK_AND_ASSIGN(CloneResult clone,
                       CloneReplica(dst_->conn(), last.targets[0].replica_uuid, "", false));
  VmView clone_view = Find(*dst_, clone.uuid);
  ASSERT_EQ(clone_view.disks.size(), 1u);
  // Leftovers: an untagged snapshot of job-1 (killed before tagging), one of another job's name,
  // a loose disk of job-1 on the target and one of job-2.
  ASSERT_OK_AND_ASSIGN(
      std::string untagged,
      xapi::VmSnapshot(src_->conn(), vm_.ref, "[xcr nightly] " + vm_.name_label, {}));
  ASSERT_OK_AND_ASSIGN(
      std::string other_untagged,
      xapi::VmSnapshot(src_->conn(), vm_.ref, "[xcr hourly] " + vm_.name_label, {}));
  ASSERT_OK_AND_ASSIGN(std::string loose, LooseDisk(*dst_, "job-1"));
  ASSERT_OK_AND_ASSIGN(std::string loose_other, LooseDisk(*dst_, "job-2"));

  PurgeOptions po;
  po.job_name = "nightly";
  po.lease_pools = {&src_->conn()};
  ASSERT_OK_AND_ASSIGN(PurgePlan dry_dst, ListJobPurge(&dst_->conn(), "job-1", po));
  ASSERT_OK_AND_ASSIGN(PurgePlan dry_src, ListJobPurge(&src_->conn(), "job-1", po));
  EXPECT_EQ(dry_dst.refused, "");
  // Target: 2 replicas (copy retention 2) with one disk each, and the loose disk.
  EXPECT_EQ(PurgeCountsJson(dry_dst.counts()),
            nlohmann::json({{"replicas", 2}, {"snapshots", 0}, {"disks", 3}}))
      << PurgePlanJson(dry_dst).dump(1);
  // Source: 2 tagged snapshots (snapshot retention 2) and the untagged one, one disk each.
  EXPECT_EQ(PurgeCountsJson(dry_src.counts()),
            nlohmann::json({{"replicas", 0}, {"snapshots", 3}, {"disks", 3}}))
      << PurgePlanJson(dry_src).dump(1);
  std::set<std::string> before_dst = Uuids(*dst_), before_src = Uuids(*src_);
  EXPECT_EQ(Uuids(*dst_), before_dst) << "a dry run removes nothing";

  ASSERT_OK_AND_ASSIGN(PurgeCounts dst_done, PurgeJob(&dst_->conn(), "job-1", po));
  ASSERT_OK_AND_ASSIGN(PurgeCounts src_done, PurgeJob(&src_->conn(), "job-1", po));
  EXPECT_EQ(PurgeCountsJson(dst_done), PurgeCountsJson(dry_dst.counts()));
  EXPECT_EQ(PurgeCountsJson(src_done), PurgeCountsJson(dry_src.counts()));
  EXPECT_EQ(LeftOf(*dst_, "job-1"), std::vector<std::string>{});
  EXPECT_EQ(LeftOf(*src_, "job-1"), std::vector<std::string>{});
  // Exactly the planned objects went; everything else stayed.
  std::set<std::string> removed_dst, removed_src;
  for (const std::string& u : before_dst) {
    if (!Uuids(*dst_).count(u)) removed_dst.insert(u);
  }
  for (const std::string& u : before_src) {
    if (!Uuids(*src_).count(u)) removed_src.insert(u);
  }
  auto planned = [](const PurgePlan& p) {
    std::set<std::string> s;
    for (const PurgeItem& i : p.items) {
      s.insert(i.uuid);
      for (const VdiView& d : i.disks) s.insert(d.uuid);
    }
    return s;
  };
  EXPECT_EQ(removed_dst, planned(dry_dst));
  EXPECT_EQ(removed_src, planned(dry_src));
  EXPECT_TRUE(removed_dst.count(loose));
  EXPECT_TRUE(Exists(*dst_, other.targets[0].replica_uuid)) << "another job's replica stays";
  EXPECT_TRUE(Exists(*src_, other.snapshot_uuid)) << "another job's snapshot stays";
  EXPECT_TRUE(Exists(*src_, vm_.uuid));
  EXPECT_EQ(Find(*src_, vm_.uuid).disks.size(), vm_.disks.size()) << "the source VM's disks stay";
  EXPECT_TRUE(Exists(*dst_, clone.uuid)) << "the user's DR clone stays";
  EXPECT_TRUE(Uuids(*dst_).count(clone_view.disks[0].vdi.uuid)) << "with its disk";
  EXPECT_TRUE(Uuids(*dst_).count(loose_other)) << "another job's loose disk stays";
  ASSERT_OK_AND_ASSIGN(xapi::VmRecord u,
                       xapi::GetRecord<xapi::VmRecord>(src_->conn(), other_untagged));
  EXPECT_EQ(u.name_label, "[xcr hourly] " + vm_.name_label) << "another job's name: kept";
  EXPECT_FALSE(xapi::GetRecord<xapi::VmRecord>(src_->conn(), untagged).ok())
      << "the untagged snapshot of job-1 is gone";

  // Idempotent.
  ASSERT_OK_AND_ASSIGN(PurgeCounts again, PurgeJob(&dst_->conn(), "job-1", po));
  EXPECT_EQ(PurgeCountsJson(again), PurgeCountsJson(PurgeCounts{}));
  // job-2 is intact: its next run is a delta.
  VmOutcome next = RunJob("job-2", "hourly");
  EXPECT_TRUE(next.delta) << next.base_note;
}

TEST_F(JobPurgeTest, LiveRunOfTheJobRefusesThePurge) {
  VmOutcome done = RunJob("job-1", "nightly");
  // A live lease of job-1 on the source VM, as a run in progress holds it.
  LeaseInfo lease;
  lease.host = "other-host";
  lease.pid = 4242;
  lease.run_id = "run-x";
  lease.job_id = "job-1";
  lease.since = Env::Default()->NowUnixMicros() / 1000000;
  lease.expires = lease.since + 3600;
  ASSERT_OK(xapi::AddToOtherConfig(src_->conn(), "VM", vm_.ref, std::string(keys::kLease),
                                   lease.Encode()));
  PurgeOptions po;
  po.lease_pools = {&src_->conn()};
  std::set<std::string> before = Uuids(*dst_);
  auto refused = PurgeJob(&dst_->conn(), "job-1", po);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(refused.status().message().rfind("a run of job job-1 for VM " + vm_.name_label +
                                                 " is in progress (host other-host, since ",
                                             0),
            0u)
      << refused.status().ToString();
  EXPECT_NE(refused.status().message().find("purge of job job-1 refused"), std::string::npos);
  EXPECT_EQ(Uuids(*dst_), before) << "nothing removed";
  ASSERT_OK_AND_ASSIGN(PurgePlan dry, ListJobPurge(&dst_->conn(), "job-1", po));
  EXPECT_NE(dry.refused, "") << "the dry run says why";
  EXPECT_EQ(dry.counts().replicas, 1);
  // Another job is not held back by job-1's run.
  ASSERT_OK(PurgeJob(&dst_->conn(), "job-2", po).status());
  EXPECT_TRUE(Exists(*dst_, done.targets[0].replica_uuid));
  // Once the lease has expired (the run was killed), the purge goes.
  ::xcr::testing::FakeClockEnv later;
  later.SetUnixSeconds(lease.expires + 1);
  po.env = &later;
  ASSERT_OK_AND_ASSIGN(PurgeCounts n, PurgeJob(&dst_->conn(), "job-1", po));
  EXPECT_EQ(n.replicas, 1);
  EXPECT_FALSE(Exists(*dst_, done.targets[0].replica_uuid));
}

TEST_F(JobPurgeTest, FailedRemovalIsReportedAndASecondPurgeFinishes) {
  RunJob("job-1", "nightly");
  RunJob("job-1", "nightly");
  ASSERT_OK(dst_->Fault("sim.fault_fail_method",
                        {Value("VDI.destroy"), Value("SR_BACKEND_FAILURE_1"), Value(1)}));
  auto failed = PurgeJob(&dst_->conn(), "job-1", {});
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.status().message().find("purge of job job-1 on pool '" + dst_->url() +
                                           "' incomplete: removed 2/2 replicas, 0/0 snapshots, "
                                           "1/2 disks; 1 failed, first: delete disk "),
            std::string::npos)
      << failed.status().ToString();
  EXPECT_NE(failed.status().message().find("SR_BACKEND_FAILURE_1"), std::string::npos)
      << failed.status().ToString();
  // The disk whose VM is gone is now a loose disk of the job: the next purge removes it.
  ASSERT_OK_AND_ASSIGN(PurgeCounts again, PurgeJob(&dst_->conn(), "job-1", {}));
  EXPECT_EQ(PurgeCountsJson(again),
            nlohmann::json({{"replicas", 0}, {"snapshots", 0}, {"disks", 1}}));
  EXPECT_EQ(LeftOf(*dst_, "job-1"), std::vector<std::string>{});
  ExpectNoOrphans(*dst_);
}

TEST_F(JobPurgeTest, EmptyJobIdIsRefused) {
  auto r = PurgeJob(&dst_->conn(), "", {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace xcr::engine
