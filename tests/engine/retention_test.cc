#include "engine/retention.h"

#include <gtest/gtest.h>

#include "engine/other_config_keys.h"

namespace xcr::engine {
namespace {

const ReplicaSelector kSel{"job-1", "sched-1", "sr-a", "vm-uuid"};

VmView Replica(const std::string& name, const std::string& datetime) {
  VmView v;
  v.ref = "OpaqueRef:" + name;
  v.uuid = name;
  v.name_label = name;
  v.other_config = {{std::string(keys::kJob), "job-1"},
                    {std::string(keys::kSchedule), "sched-1"},
                    {std::string(keys::kSr), "sr-a"},
                    {std::string(keys::kVm), "vm-uuid"},
                    {std::string(keys::kDatetime), datetime}};
  v.blocked_operations = {{"start", std::string(keys::kBlockedStartMessage)}};
  return v;
}

std::vector<std::string> Names(const std::vector<const VmView*>& v) {
  std::vector<std::string> out;
  for (const VmView* p : v) out.push_back(p->name_label);
  return out;
}

TEST(RetentionTest, ListsOnlyThisSelectorsProtectedReplicasOldestFirst) {
  std::vector<VmView> vms = {Replica("r3", "20260103T00:00:00Z"),
                             Replica("r1", "20260101T00:00:00Z"),
                             Replica("r2", "20260102T00:00:00Z")};
  VmView other_sr = Replica("other-sr", "20260101T00:00:00Z");
  other_sr.other_config[std::string(keys::kSr)] = "sr-b";
  VmView user_clone = Replica("clone", "20260101T00:00:00Z");
  user_clone.blocked_operations.clear();  // a user's clone of a replica, started or startable
  VmView other_schedule = Replica("sched2", "20260101T00:00:00Z");
  other_schedule.other_config[std::string(keys::kSchedule)] = "sched-2";
  VmView target_snapshot = Replica("tsnap", "20260100T00:00:00Z");
  target_snapshot.blocked_operations.clear();
  target_snapshot.is_a_snapshot = true;
  target_snapshot.is_a_template = true;
  target_snapshot.other_config[std::string(keys::kDatetime)] = "20251231T00:00:00Z";
  vms.push_back(other_sr);
  vms.push_back(user_clone);
  vms.push_back(other_schedule);
  vms.push_back(target_snapshot);
  EXPECT_EQ(Names(ListReplicas(vms, kSel)), (std::vector<std::string>{"tsnap", "r1", "r2", "r3"}));
}

TEST(RetentionTest, AnotherJobsReplicaWithTheSameScheduleIdIsNotListed) {
  // Two jobs given the same free-text schedule id ("daily") must not prune each other.
  VmView mine = Replica("mine", "20260101T00:00:00Z");
  VmView theirs = Replica("theirs", "20260102T00:00:00Z");
  theirs.other_config[std::string(keys::kJob)] = "job-2";
  std::vector<VmView> vms = {mine, theirs};
  EXPECT_EQ(Names(ListReplicas(vms, kSel)), (std::vector<std::string>{"mine"}));
  EXPECT_FALSE(IsReplica(theirs, kSel));
  // A replica that carries a schedule but no job key (older layouts) still matches by schedule.
  VmView no_job = Replica("no-job", "20260103T00:00:00Z");
  no_job.other_config.erase(std::string(keys::kJob));
  EXPECT_TRUE(IsReplica(no_job, kSel));
}

TEST(RetentionTest, LegacyReplicasSortByNameSuffix) {
  VmView a = Replica("web - job - (20260102T000000Z)", "");
  VmView b = Replica("web - job - (20260101T000000Z)", "");
  a.other_config.erase(std::string(keys::kDatetime));
  b.other_config.erase(std::string(keys::kDatetime));
  std::vector<VmView> vms = {a, b};
  EXPECT_EQ(Names(ListReplicas(vms, kSel)), (std::vector<std::string>{b.name_label, a.name_label}));
}

TEST(RetentionTest, PrunesOldestBeyondRetentionAndEveryInterruptedCopy) {
  std::vector<VmView> vms = {
      Replica("r1", "20260101T00:00:00Z"), Replica("r2", "20260102T00:00:00Z"),
      Replica("broken", std::string(keys::kDatetimePlaceholder)),
      Replica("r3", "20260103T00:00:00Z"), Replica("r4", "20260104T00:00:00Z")};
  ReplicaPrunePlan plan = PlanReplicaPruning(ListReplicas(vms, kSel), 2);
  EXPECT_EQ(Names(plan.interrupted), (std::vector<std::string>{"broken"}));
  EXPECT_EQ(Names(plan.expired), (std::vector<std::string>{"r1", "r2"}));
}

TEST(RetentionTest, NeverPrunesTheReplicaJustWrittenEvenWithAnEqualDatetime) {
  // Two runs in the same second: equal datetimes, so order alone cannot tell which is newer.
  std::vector<VmView> vms = {Replica("just-written", "20260101T00:00:00Z"),
                             Replica("previous", "20260101T00:00:00Z")};
  auto listed = ListReplicas(vms, kSel);
  ASSERT_EQ(Names(listed), (std::vector<std::string>{"just-written", "previous"}));
  ReplicaPrunePlan plan = PlanReplicaPruning(listed, 1, "OpaqueRef:just-written");
  EXPECT_EQ(Names(plan.expired), (std::vector<std::string>{"previous"}));
  plan = PlanReplicaPruning(listed, 2, "OpaqueRef:just-written");
  EXPECT_TRUE(plan.expired.empty());
}

TEST(RetentionTest, AlwaysKeepsAtLeastOneReplica) {
  std::vector<VmView> vms = {Replica("r1", "20260101T00:00:00Z")};
  EXPECT_TRUE(PlanReplicaPruning(ListReplicas(vms, kSel), 0).expired.empty());
}

// Xen Orchestra >= 6.3 updates one live replica in place and snapshots it per run. Caught with
// a run's keys (an unfinished update, or a key reset that did not happen) it is listed, but it is
// never deleted nor counted: its target snapshots are the restore points under retention.
TEST(RetentionTest, LiveReplicaWithSnapshotsIsNeverPrunedNorCounted) {
  VmView live = Replica("live", std::string(keys::kDatetimePlaceholder));
  live.snapshots = {"OpaqueRef:t1", "OpaqueRef:t2"};
  VmView t1 = Replica("t1", "20260101T00:00:00Z");
  VmView t2 = Replica("t2", "20260102T00:00:00Z");
  for (VmView* t : {&t1, &t2}) {
    t->is_a_snapshot = true;
    t->is_a_template = true;
    t->snapshot_of = live.ref;
    t->blocked_operations.clear();
  }
  VmView mine = Replica("xcr", "20260103T00:00:00Z");
  std::vector<VmView> vms = {live, t1, t2, mine};
  auto listed = ListReplicas(vms, kSel);
  ASSERT_EQ(Names(listed), (std::vector<std::string>{"live", "t1", "t2", "xcr"}));
  ReplicaPrunePlan plan = PlanReplicaPruning(listed, 2, mine.ref);
  EXPECT_TRUE(plan.interrupted.empty());
  EXPECT_EQ(Names(plan.expired), (std::vector<std::string>{"t1"}));
  // The same with the run's real datetime (the key reset missed): still not a candidate.
  vms[0].other_config[std::string(keys::kDatetime)] = "20260102T00:00:00Z";
  plan = PlanReplicaPruning(ListReplicas(vms, kSel), 1, mine.ref);
  EXPECT_EQ(Names(plan.expired), (std::vector<std::string>{"t1", "t2"}));
  // A VM without snapshots carrying the placeholder is an interrupted copy, as before.
  vms[0].snapshots.clear();
  vms[0].other_config[std::string(keys::kDatetime)] = std::string(keys::kDatetimePlaceholder);
  EXPECT_EQ(Names(PlanReplicaPruning(ListReplicas(vms, kSel), 2, mine.ref).interrupted),
            (std::vector<std::string>{"live"}));
}

TEST(RetentionTest, SnapshotPruningKeepsNewestAndTheBase) {
  std::vector<VmView> snaps;
  for (int i = 1; i <= 4; ++i) {
    VmView s = Replica("s" + std::to_string(i), "2026010" + std::to_string(i) + "T00:00:00Z");
    s.is_a_snapshot = true;
    snaps.push_back(s);
  }
  VmView foreign = snaps[0];
  foreign.name_label = "foreign";
  foreign.other_config[std::string(keys::kJob)] = "job-2";
  snaps.push_back(foreign);
  EXPECT_EQ(Names(PlanSnapshotPruning(snaps, "job-1", "sched-1", "vm-uuid", 2, "")),
            (std::vector<std::string>{"s1", "s2"}));
  // The base is never pruned, even when tied with another or older than the window.
  std::vector<VmView> tied = {snaps[0], snaps[1]};
  tied[1].other_config[std::string(keys::kDatetime)] =
      tied[0].other_config[std::string(keys::kDatetime)];
  EXPECT_EQ(Names(PlanSnapshotPruning(tied, "job-1", "sched-1", "vm-uuid", 1, tied[0].ref)),
            (std::vector<std::string>{"s2"}));
  // The base counts among those kept: with retention 1 it is the only one left.
  EXPECT_EQ(Names(PlanSnapshotPruning(snaps, "job-1", "sched-1", "vm-uuid", 1, "OpaqueRef:s2")),
            (std::vector<std::string>{"s1", "s3", "s4"}));
}

}  // namespace
}  // namespace xcr::engine
