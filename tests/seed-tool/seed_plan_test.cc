// PlanSeed as a pure function: the keys and values it plans (Xen Orchestra's seed plus the disk
// keys), that the seeded objects are what the engine's base selection and replica listing
// recognise, idempotence, and every refusal with its message.
#include "seed-tool/seed_plan.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "engine/backup_datetime.h"
#include "engine/base_selection.h"
#include "engine/other_config_keys.h"
#include "engine/retention.h"
#include "tests/testutil/status_matchers.h"

namespace xcr::seed {
namespace {

using engine::DiskView;
using engine::VdiView;
using engine::VmView;

constexpr uint64_t kSize = 64ull << 20;
constexpr int64_t kSnapTime = 1795000000;
const std::string kMessage =
    "Start operation for this vm is blocked, clone it if you want to use it.";

DiskView Disk(const std::string& dev, const std::string& uuid, const std::string& sr,
              uint64_t size = kSize) {
  DiskView d;
  d.userdevice = dev;
  d.vdi.ref = "OpaqueRef:" + uuid;
  d.vdi.uuid = uuid;
  d.vdi.name_label = "disk " + dev;
  d.vdi.sr_uuid = sr;
  d.vdi.virtual_size = size;
  return d;
}

// The source VM (two disks), its snapshot, and a halted target VM with matching disks.
struct Fixture {
  VmView vm;
  SeedObjects o;
  SeedRequest req{"job-1", "sched-1"};

  Fixture() {
    vm.ref = "OpaqueRef:vm";
    vm.uuid = "vm-uuid";
    vm.name_label = "web";
    vm.disks = {Disk("0", "vdi-0", "src-sr"), Disk("1", "vdi-1", "src-sr", 2 * kSize)};
    VmView& s = o.snapshot;
    s.ref = "OpaqueRef:snap";
    s.uuid = "snap-uuid";
    s.name_label = "web snap";
    s.is_a_snapshot = true;
    s.is_a_template = true;  // as XAPI reports snapshots
    s.snapshot_of = vm.ref;
    s.snapshot_time = kSnapTime;
    s.disks = {Disk("0", "svdi-0", "src-sr"), Disk("1", "svdi-1", "src-sr", 2 * kSize)};
    for (DiskView& d : s.disks) {
      d.vdi.is_a_snapshot = true;
      d.vdi.snapshot_of = "OpaqueRef:vdi-" + d.userdevice;
    }
    o.snapshot_of = vm;
    VmView& t = o.target;
    t.ref = "OpaqueRef:target";
    t.uuid = "target-uuid";
    t.name_label = "web copy";
    t.other_config = {{"owner", "ops"}};
    t.disks = {Disk("0", "tvdi-0", "dst-sr"), Disk("1", "tvdi-1", "dst-sr", 2 * kSize)};
    o.target_power_state = "Halted";
  }
};

// Applies changes to the views in memory, as ApplyChange does on a pool.
void ApplyInMemory(SeedObjects& o, const std::vector<Change>& changes) {
  auto apply = [](const Change& c, engine::StringMap* oc, engine::StringMap* blocked,
                  std::string* name, std::vector<std::string>* tags) {
    switch (c.field) {
      case Change::Field::kOtherConfig:
        c.after ? void((*oc)[c.key] = *c.after) : void(oc->erase(c.key));
        break;
      case Change::Field::kBlockedOperations:
        c.after ? void((*blocked)[c.key] = *c.after) : void(blocked->erase(c.key));
        break;
      case Change::Field::kNameLabel:
        *name = *c.after;
        break;
      case Change::Field::kTag:
        if (c.after) {
          tags->push_back(c.key);
        } else {
          tags->erase(std::remove(tags->begin(), tags->end(), c.key), tags->end());
        }
        break;
    }
  };
  engine::StringMap no_map;  // VDIs have no blocked operations or tags
  std::vector<std::string> no_tags;
  for (const Change& c : changes) {
    for (VmView* vm : {&o.snapshot, &o.target}) {
      if (vm->uuid == c.uuid) {
        apply(c, &vm->other_config, &vm->blocked_operations, &vm->name_label, &vm->tags);
      }
      for (DiskView& d : vm->disks) {
        if (d.vdi.uuid == c.uuid)
          apply(c, &d.vdi.other_config, &no_map, &d.vdi.name_label, &no_tags);
      }
    }
  }
}

TEST(SeedPlanTest, WritesXoSeedKeysPlusDiskKeys) {
  Fixture f;
  ASSERT_OK_AND_ASSIGN(std::vector<Change> changes, PlanSeed(f.o, f.req));
  ApplyInMemory(f.o, changes);
  const std::string dt = SeedDatetime(f.o.snapshot);
  EXPECT_EQ(dt, engine::FormatBackupDatetime(kSnapTime));
  EXPECT_EQ(dt, "20261118T11:06:40Z");  // snapshot_time in Xen Orchestra's form

  const VmView& s = f.o.snapshot;
  EXPECT_EQ(s.other_config, (engine::StringMap{{"xo:backup:job", "job-1"},
                                               {"xo:backup:schedule", "sched-1"},
                                               {"xo:backup:vm", "vm-uuid"},
                                               {"xo:backup:datetime", dt},
                                               {"xo:backup:exported", "true"}}));
  for (const DiskView& d : s.disks) {
    EXPECT_EQ(d.vdi.other_config, (engine::StringMap{{"xo:backup:job", "job-1"},
                                                     {"xo:backup:schedule", "sched-1"},
                                                     {"xo:backup:vm", "vm-uuid"},
                                                     {"xo:backup:datetime", dt},
                                                     {"xo:backup:exported", "true"},
                                                     {"xo:backup:contentKey", d.vdi.uuid}}));
  }
  const VmView& t = f.o.target;
  EXPECT_EQ(t.other_config, (engine::StringMap{{"owner", "ops"},
                                               {"xo:backup:job", "job-1"},
                                               {"xo:backup:schedule", "sched-1"},
                                               {"xo:backup:vm", "vm-uuid"},
                                               {"xo:backup:datetime", dt},
                                               {"xo:backup:sr", "dst-sr"},
                                               {"xo:copy_of", "snap-uuid"}}));
  EXPECT_EQ(t.blocked_operations, (engine::StringMap{{"start", kMessage}, {"start_on", kMessage}}));
  EXPECT_EQ(t.name_label, "web (" + dt + ")");
  EXPECT_EQ(t.tags, std::vector<std::string>{"Continuous Replication"});
  for (size_t i = 0; i < t.disks.size(); ++i) {
    const std::string& src = s.disks[i].vdi.uuid;
    EXPECT_EQ(t.disks[i].vdi.other_config, (engine::StringMap{{"xo:backup:job", "job-1"},
                                                              {"xo:backup:schedule", "sched-1"},
                                                              {"xo:backup:vm", "vm-uuid"},
                                                              {"xo:backup:datetime", dt},
                                                              {"xo:backup:sr", "dst-sr"},
                                                              {"xo:copy_of", src},
                                                              {"xo:backup:contentKey", src}}));
  }
  // Source snapshot VM last: its exported flag is what makes the pair a delta base.
  EXPECT_EQ(changes.back().uuid, "snap-uuid");
  EXPECT_EQ(changes.back().pool, Change::Pool::kSource);
  EXPECT_EQ(changes.front().pool, Change::Pool::kTarget);
}

TEST(SeedPlanTest, SeededObjectsAreWhatTheEngineUsesAsBaseAndListsAsReplica) {
  Fixture f;
  // Before the seed: no base.
  engine::TargetInventory inv{"dst-sr", {f.o.target.disks[0].vdi, f.o.target.disks[1].vdi}};
  engine::BasePlan before = engine::ChooseBase("job-1", f.vm, {f.o.snapshot}, {inv});
  EXPECT_EQ(before.base_snapshot, nullptr);

  ASSERT_OK_AND_ASSIGN(std::vector<Change> changes, PlanSeed(f.o, f.req));
  ApplyInMemory(f.o, changes);
  inv.vdis = {f.o.target.disks[0].vdi, f.o.target.disks[1].vdi};
  std::vector<VmView> snapshots = {f.o.snapshot};
  std::vector<engine::TargetInventory> targets = {inv};  // the plan points into these
  engine::BasePlan plan = engine::ChooseBase("job-1", f.vm, snapshots, targets);
  ASSERT_NE(plan.base_snapshot, nullptr) << plan.note;
  EXPECT_EQ(plan.base_snapshot->uuid, "snap-uuid");
  ASSERT_EQ(plan.disks.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_TRUE(plan.disks[i].is_delta()) << plan.disks[i].full_reason;
    EXPECT_EQ(plan.disks[i].base->uuid, f.o.snapshot.disks[i].vdi.uuid);
    ASSERT_EQ(plan.disks[i].target_bases.size(), 1u);
    EXPECT_EQ(plan.disks[i].target_bases[0]->uuid, f.o.target.disks[i].vdi.uuid);
  }
  // Another job finds no base in it.
  EXPECT_EQ(engine::ChooseBase("job-2", f.vm, snapshots, targets).base_snapshot, nullptr);

  engine::ReplicaSelector sel{"job-1", "sched-1", "dst-sr", "vm-uuid"};
  EXPECT_TRUE(engine::IsReplica(f.o.target, sel));
  EXPECT_FALSE(engine::IsReplica(f.o.target, {"job-1", "sched-2", "dst-sr", "vm-uuid"}));
  EXPECT_FALSE(engine::IsInterruptedReplica(f.o.target));
}

TEST(SeedPlanTest, SecondPlanIsEmpty) {
  Fixture f;
  ASSERT_OK_AND_ASSIGN(std::vector<Change> changes, PlanSeed(f.o, f.req));
  EXPECT_EQ(changes.size(), 7u * 2 + 10 + 6 * 2 + 5);
  ApplyInMemory(f.o, changes);
  ASSERT_OK_AND_ASSIGN(std::vector<Change> again, PlanSeed(f.o, f.req));
  EXPECT_TRUE(again.empty()) << DescribeChange(again[0]);
}

TEST(SeedPlanTest, OnlyDifferingFieldsAreChangesAndBeforeIsRecorded) {
  Fixture f;
  f.o.target.other_config["xo:backup:sr"] = "dst-sr";      // already right
  f.o.target.blocked_operations["start"] = "maintenance";  // another value
  ASSERT_OK_AND_ASSIGN(std::vector<Change> changes, PlanSeed(f.o, f.req));
  bool saw_sr = false, saw_start = false;
  for (const Change& c : changes) {
    if (c.uuid != "target-uuid") continue;
    if (c.key == "xo:backup:sr") saw_sr = true;
    if (c.field == Change::Field::kBlockedOperations && c.key == "start") {
      saw_start = true;
      EXPECT_EQ(c.before, std::optional<std::string>("maintenance"));
      EXPECT_EQ(c.after, std::optional<std::string>(kMessage));
      EXPECT_EQ(DescribeChange(c),
                "target VM 'web copy' (target-uuid): blocked_operations "
                "start: \"maintenance\" -> \"" +
                    kMessage + "\"");
    }
  }
  EXPECT_FALSE(saw_sr);
  EXPECT_TRUE(saw_start);
}

// Every refusal is kFailedPrecondition with a message naming what is wrong.
void ExpectRefused(const Fixture& f, const std::vector<std::string>& parts) {
  auto r = PlanSeed(f.o, f.req);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition) << r.status().ToString();
  for (const std::string& p : parts) {
    EXPECT_NE(r.status().message().find(p), std::string::npos)
        << "'" << p << "' not in: " << r.status().message();
  }
}

TEST(SeedPlanRefusalTest, SourceNotASnapshot) {
  Fixture f;
  f.o.snapshot.is_a_snapshot = false;
  f.o.snapshot.is_a_template = false;
  ExpectRefused(f, {"snap-uuid", "is a VM, not a snapshot"});
  f.o.snapshot.is_a_template = true;
  ExpectRefused(f, {"snap-uuid", "is a template"});
}

TEST(SeedPlanRefusalTest, SourceOfVanishedVmOrReplica) {
  Fixture f;
  f.o.snapshot_of.reset();
  ExpectRefused(f, {"no longer exists"});
  Fixture g;
  g.o.snapshot_of->other_config = {{"xo:backup:job", "other"}, {"xo:backup:sr", "x"}};
  g.o.snapshot_of->blocked_operations = {{"start", kMessage}};
  ExpectRefused(g, {"vm-uuid", "itself a replica", "other"});
  Fixture h;
  h.o.snapshot.other_config = {{"xo:backup:job", "job-1"}, {"xo:backup:sr", "sr-9"}};
  ExpectRefused(h, {"snapshot of a replica", "sr-9"});
}

TEST(SeedPlanRefusalTest, SourceOfAnotherJob) {
  Fixture f;
  f.o.snapshot.other_config = {{"xo:backup:job", "job-9"}, {"xo:backup:schedule", "s-9"}};
  ExpectRefused(f, {"snap-uuid", "job-9", "s-9"});
  Fixture g;
  g.o.snapshot.disks[1].vdi.other_config = {{"xo:backup:job", "job-1"},
                                            {"xo:backup:schedule", "s-2"}};
  ExpectRefused(g, {"source snapshot disk 1", "svdi-1", "s-2"});
}

TEST(SeedPlanRefusalTest, TargetNotHalted) {
  for (const char* state : {"Running", "Paused", "Suspended"}) {
    Fixture f;
    f.o.target_power_state = state;
    ExpectRefused(f, {"target-uuid", std::string("is ") + state, "halted"});
  }
}

TEST(SeedPlanRefusalTest, TargetTemplateOrSnapshotOrTheSourceVm) {
  Fixture f;
  f.o.target.is_a_template = true;
  ExpectRefused(f, {"target-uuid", "is a template"});
  f.o.target.is_a_snapshot = true;
  ExpectRefused(f, {"target-uuid", "is a snapshot"});
  Fixture g;
  g.o.target.uuid = "vm-uuid";
  ExpectRefused(g, {"the VM the snapshot is of"});
}

TEST(SeedPlanRefusalTest, TargetReplicaOfAnotherJobScheduleVmOrSnapshot) {
  Fixture f;
  f.o.target.other_config["xo:backup:job"] = "job-2";
  f.o.target.other_config["xo:backup:schedule"] = "sched-2";
  ExpectRefused(f, {"target VM", "target-uuid", "job 'job-2' schedule 'sched-2'"});
  Fixture g;
  g.o.target.other_config["xo:backup:schedule"] = "sched-7";
  ExpectRefused(g, {"sched-7"});
  Fixture h;
  h.o.target.other_config["xo:backup:vm"] = "other-vm";
  ExpectRefused(h, {"replica of VM other-vm"});
  Fixture i;
  i.o.target.other_config["xo:copy_of"] = "older-snap";
  ExpectRefused(i, {"copy of snapshot older-snap", "--undo"});
  Fixture j;
  j.o.target.disks[0].vdi.other_config["xo:backup:job"] = "job-3";
  ExpectRefused(j, {"target disk 0", "tvdi-0", "job-3"});
  Fixture k;
  k.o.target.disks[1].vdi.other_config["xo:backup:contentKey"] = "elsewhere";
  ExpectRefused(k, {"target disk 1", "tvdi-1", "elsewhere", "svdi-1"});
}

TEST(SeedPlanRefusalTest, DiskCountAndUserdevices) {
  Fixture f;
  f.o.target.disks.pop_back();
  ExpectRefused(f, {"disk count differs", "2 disk(s) (userdevice 0, 1)", "has 1 (userdevice 0)"});
  Fixture g;
  g.o.target.disks[1].userdevice = "2";
  ExpectRefused(g, {"userdevices differ", "0, 1", "0, 2", "no target disk at userdevice 1"});
}

TEST(SeedPlanRefusalTest, VirtualSizePerUserdevice) {
  Fixture f;
  f.o.target.disks[1].vdi.virtual_size = 3 * kSize;
  ExpectRefused(f, {"userdevice 1", "svdi-1 is " + std::to_string(2 * kSize),
                    "tvdi-1 is " + std::to_string(3 * kSize)});
}

TEST(SeedPlanRefusalTest, TargetDisksOnSeveralSrs) {
  Fixture f;
  f.o.target.disks[1].vdi.sr_uuid = "sr-b";
  ExpectRefused(
      f, {"several SRs", "disk 0 (VDI tvdi-0) on SR dst-sr", "disk 1 (VDI tvdi-1) on SR sr-b"});
}

TEST(SeedPlanTest, NoBackupDisksAreLeftOut) {
  Fixture f;
  f.o.snapshot.disks[1].vdi.name_label = "scratch [NOBAK]";
  ExpectRefused(f, {"disk count differs", "1 disk(s) (userdevice 0)", "has 2 (userdevice 0, 1)"});
  f.o.target.disks.pop_back();
  ASSERT_OK_AND_ASSIGN(std::vector<Change> changes, PlanSeed(f.o, f.req));
  for (const Change& c : changes) EXPECT_NE(c.uuid, "svdi-1") << DescribeChange(c);
  EXPECT_EQ(changes.size(), 7u + 10 + 6 + 5);
  f.o.snapshot.disks[0].vdi.name_label = "[NOBAK] tmp";
  ExpectRefused(f, {"no disks to replicate"});
}

TEST(SeedPlanRefusalTest, EmptyIdsAreInvalid) {
  Fixture f;
  f.req.job_id.clear();
  EXPECT_STATUS(PlanSeed(f.o, f.req).status(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace xcr::seed
