// cr-seed's positional form against two in-process xapi-sim pools over loopback: a manual
// export/import, the seed, then a replication run that sends a delta and leaves a replica equal
// to the source; every refusal changes nothing; dry run changes nothing; a second seed changes
// nothing; undo restores every VM and VDI record of both pools exactly (also after an
// interrupted seed).
#include "seed-tool/seed_run.h"

#include <gtest/gtest.h>

#include <sstream>

#include "engine/other_config_keys.h"
#include "engine/vm_replicator.h"
#include "seed-tool/seed_undo.h"
#include "tests/engine/integration/sim_pools.h"
#include "xapi/disk_transfer.h"
#include "xapi/xmlrpc.h"

namespace xcr::seed {
namespace {

using engine::VmView;
using engine::testing::SimPool;
using xapi::Value;

constexpr uint64_t kMiB = 1 << 20;
constexpr uint64_t kDiskSize = 64 * kMiB;

// Every VM and VDI record of a pool, whole.
struct PoolDump {
  Value vms, vdis;
};

class SeedRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    src_ = std::make_unique<SimPool>(dir_.File("src"), 1, kDiskSize);
    dst_ = std::make_unique<SimPool>(dir_.File("dst"), 1, kDiskSize);
    ASSERT_OK(src_->Start());
    ASSERT_OK(dst_->Start());
    vm_ = OnlyVm(*src_);
    target_ = OnlyVm(*dst_);
    ASSERT_OK_AND_ASSIGN(dst_sr_, dst_->SrUuid());
    pools_ = {&src_->conn(), &dst_->conn(), src_->url(), dst_->url()};
    // The guest wrote something before the snapshot the seed is made from.
    ASSERT_OK(src_->Write(vm_.disks[0].vdi.ref, 6 * kMiB, 3 * kMiB, 0x11));
    ASSERT_OK_AND_ASSIGN(std::string snap_ref,
                         xapi::VmSnapshot(src_->conn(), vm_.ref, "seed snapshot", {}));
    ASSERT_OK_AND_ASSIGN(auto rec, xapi::GetRecord<xapi::VmRecord>(src_->conn(), snap_ref));
    snapshot_uuid_ = rec.uuid;
    args_.snapshot_uuid = snapshot_uuid_;
    args_.target_vm_uuid = target_.uuid;
    args_.request = {"job-1", "sched-1"};
  }

  VmView OnlyVm(SimPool& pool) {
    auto cat = pool.Catalog();
    EXPECT_TRUE(cat.ok());
    for (const VmView& v : cat->vms) {
      if (!v.is_a_snapshot && !v.is_a_template) return v;
    }
    ADD_FAILURE() << "no VM on " << pool.url();
    return {};
  }

  VmView Find(SimPool& pool, const std::string& uuid) {
    auto cat = pool.Catalog();
    EXPECT_TRUE(cat.ok());
    for (const VmView& v : cat->vms) {
      if (v.uuid == uuid) return v;
    }
    ADD_FAILURE() << "no VM " << uuid << " on " << pool.url();
    return {};
  }

  // The manual copy: the target VM's disk replaced by a blank disk of the same size holding the
  // snapshot's disk, imported from a full export.
  void ManualCopy() {
    VmView snap = Find(*src_, snapshot_uuid_);
    ASSERT_EQ(snap.disks.size(), 1u);
    ASSERT_OK_AND_ASSIGN(std::string vdi, ReplaceTargetDisk("0", snap.disks[0].vdi.virtual_size));
    xapi::PipeTarget onto;
    onto.conn = &dst_->conn();
    onto.vdi = vdi;
    xapi::PipeResult r = xapi::PipeVdi(src_->conn(), snap.disks[0].vdi.ref, "", {onto});
    ASSERT_OK(r.source);
    ASSERT_OK(r.targets.at(0));
    ASSERT_OK_AND_ASSIGN(std::string a, src_->Sha256(snap.disks[0].vdi.ref));
    ASSERT_OK_AND_ASSIGN(std::string b, dst_->Sha256(vdi));
    ASSERT_EQ(a, b);
    target_ = Find(*dst_, target_.uuid);
  }

  // Destroys the target VM's disks and attaches a blank one of `size` at `userdevice`.
  Result<std::string> ReplaceTargetDisk(const std::string& userdevice, uint64_t size) {
    XCR_ASSIGN_OR_RETURN(auto rec, xapi::GetRecord<xapi::VmRecord>(dst_->conn(), target_.ref));
    for (const std::string& vbd : rec.VBDs) {
      XCR_ASSIGN_OR_RETURN(auto b, xapi::GetRecord<xapi::VbdRecord>(dst_->conn(), vbd));
      XCR_RETURN_IF_ERROR(xapi::VbdDestroy(dst_->conn(), vbd));
      XCR_RETURN_IF_ERROR(xapi::VdiDestroy(dst_->conn(), b.VDI));
    }
    return AddTargetDisk(userdevice, size);
  }

  Result<std::string> AddTargetDisk(const std::string& userdevice, uint64_t size) {
    XCR_ASSIGN_OR_RETURN(std::string sr, xapi::GetByUuid(dst_->conn(), "SR", dst_sr_));
    xapi::VdiSpec spec;
    spec.SR = sr;
    spec.virtual_size = static_cast<int64_t>(size);
    spec.name_label = "imported disk " + userdevice;
    XCR_ASSIGN_OR_RETURN(std::string vdi, xapi::VdiCreate(dst_->conn(), spec));
    xapi::VbdSpec vbd;
    vbd.VM = target_.ref;
    vbd.VDI = vdi;
    vbd.userdevice = userdevice;
    XCR_RETURN_IF_ERROR(xapi::VbdCreate(dst_->conn(), vbd).status());
    return vdi;
  }

  PoolDump Dump(SimPool& pool) {
    PoolDump d;
    auto vms = pool.conn().Call("VM.get_all_records", {});
    auto vdis = pool.conn().Call("VDI.get_all_records", {});
    EXPECT_TRUE(vms.ok() && vdis.ok());
    if (vms.ok()) d.vms = *vms;
    if (vdis.ok()) d.vdis = *vdis;
    return d;
  }
  std::pair<PoolDump, PoolDump> DumpBoth() { return {Dump(*src_), Dump(*dst_)}; }

  // Equal dumps; on a difference, names the object and field.
  static void ExpectSame(const PoolDump& a, const PoolDump& b, const std::string& pool) {
    ExpectSameRecords(a.vms, b.vms, pool + " VM");
    ExpectSameRecords(a.vdis, b.vdis, pool + " VDI");
  }
  static void ExpectSameRecords(const Value& x, const Value& y, const std::string& what) {
    ASSERT_TRUE(x.is_struct() && y.is_struct());
    EXPECT_EQ(x.structure().size(), y.structure().size()) << what << " count";
    for (const auto& [ref, rec] : x.structure()) {
      auto it = y.structure().find(ref);
      if (it == y.structure().end()) {
        ADD_FAILURE() << what << " " << ref << " disappeared";
        continue;
      }
      if (rec == it->second) continue;
      const xapi::Struct& other = it->second.structure();
      if (other.size() != rec.structure().size()) {
        ADD_FAILURE() << what << " " << ref << " has " << other.size() << " fields, had "
                      << rec.structure().size();
      }
      for (const auto& [field, v] : rec.structure()) {
        auto f = other.find(field);
        if (f == other.end() || !(f->second == v)) {
          ADD_FAILURE() << what << " " << ref << " field " << field
                        << " differs: " << xapi::EncodeValue(v) << " vs "
                        << (f == other.end() ? std::string("(absent)")
                                             : xapi::EncodeValue(f->second));
        }
      }
    }
  }
  void ExpectUnchanged(const std::pair<PoolDump, PoolDump>& before) {
    auto after = DumpBoth();
    ExpectSame(before.first, after.first, "source");
    ExpectSame(before.second, after.second, "target");
  }

  // Expects a refusal (kFailedPrecondition unless `code` says otherwise) naming `parts`, and
  // that nothing changed on either pool.
  void ExpectRefusedUnchanged(const std::vector<std::string>& parts,
                              StatusCode code = StatusCode::kFailedPrecondition) {
    auto before = DumpBoth();
    std::ostringstream out;
    auto r = RunSeed(pools_, args_, out);
    ASSERT_FALSE(r.ok()) << out.str();
    EXPECT_EQ(r.status().code(), code) << r.status().ToString();
    for (const std::string& p : parts) {
      EXPECT_NE(r.status().message().find(p), std::string::npos)
          << "'" << p << "' not in: " << r.status().message();
    }
    ExpectUnchanged(before);
  }

  ::xcr::testing::TempDir dir_;
  std::unique_ptr<SimPool> src_, dst_;
  VmView vm_, target_;
  std::string dst_sr_, snapshot_uuid_;
  SeedPools pools_;
  SeedArgs args_;
};

TEST_F(SeedRunTest, ManualCopyThenSeedThenReplicationSendsOnlyTheChangedBlocks) {
  ManualCopy();
  std::ostringstream out;
  ASSERT_OK_AND_ASSIGN(SeedOutcome seeded, RunSeed(pools_, args_, out));
  EXPECT_EQ(seeded.changes.size(), 7u + 10 + 6 + 5) << out.str();
  EXPECT_EQ(seeded.vm_uuid, vm_.uuid);
  EXPECT_EQ(seeded.sr_uuid, dst_sr_);
  EXPECT_NE(out.str().find("target VM '" + target_.name_label + "' (" + target_.uuid +
                           "): other_config xo:backup:job: absent -> \"job-1\""),
            std::string::npos)
      << out.str();
  EXPECT_NE(out.str().find("seeded: 28 change(s) applied"), std::string::npos) << out.str();

  // The guest writes 3 MiB spanning two 2 MiB blocks; then a run of the same job and schedule.
  ASSERT_OK(src_->Write(vm_.disks[0].vdi.ref, 20 * kMiB, 3 * kMiB, 0x33));
  engine::ReplicationOptions options;
  options.job_id = "job-1";
  options.schedule_id = "sched-1";
  engine::TaskLog log(Env::Default());
  engine::VmReplicator replicator(&src_->conn(), {{&dst_->conn(), dst_sr_, "dr"}}, options, &log);
  engine::VmOutcome run = replicator.Run(vm_.uuid, engine::kNoParent);
  ASSERT_OK(run.status) << log.ToText();
  EXPECT_TRUE(run.delta) << run.base_note;
  EXPECT_NE(run.base_note.find(snapshot_uuid_), std::string::npos) << run.base_note;
  EXPECT_GE(run.bytes, 2 * 2 * kMiB);
  EXPECT_LE(run.bytes, 2 * 2 * kMiB + 64 * 1024) << "a delta of two blocks, not the disk";

  VmView snap = Find(*src_, run.snapshot_uuid);
  VmView replica = Find(*dst_, run.targets.at(0).replica_uuid);
  ASSERT_EQ(replica.disks.size(), 1u);
  ASSERT_OK_AND_ASSIGN(std::string a, src_->Sha256(snap.disks[0].vdi.ref));
  ASSERT_OK_AND_ASSIGN(std::string b, dst_->Sha256(replica.disks[0].vdi.ref));
  EXPECT_EQ(a, b);
  ASSERT_OK_AND_ASSIGN(std::string now, src_->Sha256(vm_.disks[0].vdi.ref));
  EXPECT_EQ(a, now);

  // Retention listed the seeded VM as the job's older replica (copy retention 1) and pruned it.
  ASSERT_OK_AND_ASSIGN(auto cat, dst_->Catalog());
  for (const VmView& v : cat.vms) EXPECT_NE(v.uuid, target_.uuid) << "seeded VM not pruned";
  // The chain goes on: the next run is a delta from the run's snapshot.
  ASSERT_OK(src_->Write(vm_.disks[0].vdi.ref, 40 * kMiB, 4096, 0x44));
  engine::VmReplicator next(&src_->conn(), {{&dst_->conn(), dst_sr_, "dr"}}, options, &log);
  engine::VmOutcome run2 = next.Run(vm_.uuid, engine::kNoParent);
  ASSERT_OK(run2.status) << log.ToText();
  EXPECT_TRUE(run2.delta) << run2.base_note;
  EXPECT_NE(run2.base_note.find(run.snapshot_uuid), std::string::npos) << run2.base_note;
  EXPECT_LE(run2.bytes, 2 * kMiB + 64 * 1024);
}

TEST_F(SeedRunTest, DryRunChangesNothing) {
  ManualCopy();
  args_.dry_run = true;
  auto before = DumpBoth();
  std::ostringstream out;
  ASSERT_OK_AND_ASSIGN(SeedOutcome planned, RunSeed(pools_, args_, out));
  EXPECT_EQ(planned.changes.size(), 28u);
  ExpectUnchanged(before);
  for (const Change& c : planned.changes) {
    EXPECT_NE(out.str().find(DescribeChange(c)), std::string::npos) << DescribeChange(c);
  }
  EXPECT_NE(out.str().find("dry run: nothing was changed"), std::string::npos);
}

TEST_F(SeedRunTest, SecondSeedChangesNothing) {
  ManualCopy();
  std::ostringstream first;
  ASSERT_OK(RunSeed(pools_, args_, first).status());
  auto before = DumpBoth();
  std::ostringstream second;
  ASSERT_OK_AND_ASSIGN(SeedOutcome again, RunSeed(pools_, args_, second));
  EXPECT_TRUE(again.changes.empty());
  EXPECT_NE(second.str().find("nothing to change"), std::string::npos) << second.str();
  ExpectUnchanged(before);
}

TEST_F(SeedRunTest, UndoRestoresEveryRecordExactly) {
  ManualCopy();
  // Pre-existing values the seed overwrites: undo must bring them back, not remove them.
  ASSERT_OK(xapi::AddToOtherConfig(dst_->conn(), "VM", target_.ref, "xo:backup:sr", "stale"));
  ASSERT_OK(xapi::VmAddToBlockedOperations(dst_->conn(), target_.ref, "start", "maintenance"));
  ASSERT_OK(dst_->conn().Call("VM.add_tags", {Value(target_.ref), Value("prod")}).status());
  auto before = DumpBoth();
  std::ostringstream out;
  ASSERT_OK(RunSeed(pools_, args_, out).status());
  {
    VmView t = Find(*dst_, target_.uuid);
    EXPECT_EQ(t.blocked_operations.at("start"), std::string(engine::keys::kBlockedStartMessage));
    ASSERT_TRUE(t.other_config.count("xcr:seed:undo"));
    ASSERT_OK_AND_ASSIGN(UndoRecord rec, DecodeUndoRecord(t.other_config.at("xcr:seed:undo")));
    EXPECT_EQ(rec.changes.size(), 28u);
  }
  // Someone changes a seeded field; seeding again repairs it but must keep the record's value
  // from before the first seed ("maintenance"), not the one it repairs ("oops").
  ASSERT_OK(xapi::VmAddToBlockedOperations(dst_->conn(), target_.ref, "start", "oops"));
  ASSERT_OK_AND_ASSIGN(SeedOutcome repaired, RunSeed(pools_, args_, out));
  ASSERT_EQ(repaired.changes.size(), 1u);
  EXPECT_EQ(repaired.changes[0].before, std::optional<std::string>("oops"));
  ASSERT_OK_AND_ASSIGN(SeedOutcome noop, RunSeed(pools_, args_, out));
  EXPECT_TRUE(noop.changes.empty());

  std::ostringstream undo_out;
  ASSERT_OK_AND_ASSIGN(SeedOutcome undone, RunUndo(pools_, args_, undo_out));
  EXPECT_EQ(undone.changes.size(), 28u) << undo_out.str();
  ExpectUnchanged(before);

  std::ostringstream again;
  auto r = RunUndo(pools_, args_, again);
  EXPECT_STATUS(r.status(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find("no cr-seed undo record"), std::string::npos);
}

TEST_F(SeedRunTest, UndoAfterAnInterruptedSeedRestoresExactly) {
  ManualCopy();
  auto before = DumpBoth();
  ASSERT_OK(dst_->Fault("sim.fault_fail_method", {Value("VM.add_to_blocked_operations"),
                                                  Value("INTERNAL_ERROR"), Value(int64_t{1})}));
  std::ostringstream out;
  auto r = RunSeed(pools_, args_, out);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("stopped after 12 of 28 changes"), std::string::npos)
      << r.status().ToString();
  std::ostringstream undo_out;
  ASSERT_OK(RunUndo(pools_, args_, undo_out).status());
  ExpectUnchanged(before);
}

TEST_F(SeedRunTest, UndoDryRunChangesNothingAndUndoRefusesOtherSnapshot) {
  ManualCopy();
  std::ostringstream out;
  ASSERT_OK(RunSeed(pools_, args_, out).status());
  auto seeded = DumpBoth();
  SeedArgs dry = args_;
  dry.dry_run = true;
  ASSERT_OK_AND_ASSIGN(SeedOutcome planned, RunUndo(pools_, dry, out));
  EXPECT_EQ(planned.changes.size(), 28u);
  ExpectUnchanged(seeded);
  SeedArgs other = args_;
  other.snapshot_uuid = vm_.uuid;
  EXPECT_STATUS(RunUndo(pools_, other, out).status(), StatusCode::kFailedPrecondition);
  ExpectUnchanged(seeded);
}

TEST_F(SeedRunTest, RefusesASourceThatIsNotASnapshot) {
  ManualCopy();
  args_.snapshot_uuid = vm_.uuid;
  ExpectRefusedUnchanged({vm_.uuid, "is a VM, not a snapshot"});
  args_.snapshot_uuid = vm_.disks[0].vdi.uuid;
  ExpectRefusedUnchanged({vm_.disks[0].vdi.uuid, "is a disk"});
  args_.snapshot_uuid = "00000000-0000-0000-0000-000000000000";
  ExpectRefusedUnchanged({"no source snapshot with uuid 00000000-"}, StatusCode::kNotFound);
}

TEST_F(SeedRunTest, RefusesASnapshotOfAVmThatNoLongerExistsAndADiskAsTarget) {
  ManualCopy();
  args_.target_vm_uuid = target_.disks[0].vdi.uuid;
  ExpectRefusedUnchanged({"target VM " + target_.disks[0].vdi.uuid, "is a disk"});
  args_.target_vm_uuid = target_.uuid;
  ASSERT_OK(xapi::VmDestroy(src_->conn(), vm_.ref));
  ExpectRefusedUnchanged({snapshot_uuid_, "a VM that no longer exists"});
}

TEST_F(SeedRunTest, RefusesToOverwriteAnotherSeedsOrAnUnreadableUndoRecord) {
  ManualCopy();
  UndoRecord other{"job-9", "sched-9", "some-other-snapshot", target_.uuid, {}};
  ASSERT_OK(xapi::AddToOtherConfig(dst_->conn(), "VM", target_.ref, "xcr:seed:undo",
                                   EncodeUndoRecord(other)));
  ExpectRefusedUnchanged({"undo record of another seed", "some-other-snapshot", "job-9"});
  ASSERT_OK(xapi::AddToOtherConfig(dst_->conn(), "VM", target_.ref, "xcr:seed:undo", "{oops"));
  ExpectRefusedUnchanged({"unreadable xcr:seed:undo"});
}

TEST_F(SeedRunTest, RefusesASnapshotOfAReplica) {
  ManualCopy();
  ASSERT_OK(xapi::AddToOtherConfig(src_->conn(), "VM", vm_.ref, "xo:backup:job", "job-0"));
  ASSERT_OK(xapi::AddToOtherConfig(src_->conn(), "VM", vm_.ref, "xo:backup:sr", "sr-0"));
  ASSERT_OK(xapi::VmAddToBlockedOperations(src_->conn(), vm_.ref, "start", "replica"));
  ExpectRefusedUnchanged({vm_.uuid, "itself a replica", "job-0"});
}

TEST_F(SeedRunTest, RefusesATargetThatIsRunningOrATemplate) {
  ManualCopy();
  ASSERT_OK(
      dst_->conn().Call("VM.start", {Value(target_.ref), Value(false), Value(false)}).status());
  ExpectRefusedUnchanged({target_.uuid, "is Running"});
  ASSERT_OK(dst_->conn().Call("VM.hard_shutdown", {Value(target_.ref)}).status());
  ASSERT_OK(xapi::VmSetIsATemplate(dst_->conn(), target_.ref, true));
  ExpectRefusedUnchanged({target_.uuid, "is a template"});
  args_.target_vm_uuid = "11111111-1111-1111-1111-111111111111";
  ExpectRefusedUnchanged({"no target VM with uuid 1111"}, StatusCode::kNotFound);
}

TEST_F(SeedRunTest, RefusesATargetThatIsAReplicaOfAnotherJobOrSchedule) {
  ManualCopy();
  std::ostringstream out;
  ASSERT_OK(RunSeed(pools_, args_, out).status());
  // A later snapshot, seeded onto the same target for another job or schedule.
  ASSERT_OK_AND_ASSIGN(std::string later, xapi::VmSnapshot(src_->conn(), vm_.ref, "later", {}));
  ASSERT_OK_AND_ASSIGN(auto rec, xapi::GetRecord<xapi::VmRecord>(src_->conn(), later));
  args_.snapshot_uuid = rec.uuid;
  args_.request = {"job-2", "sched-1"};
  ExpectRefusedUnchanged({"target VM", target_.uuid, "job 'job-1' schedule 'sched-1'", "job-2"});
  args_.request = {"job-1", "sched-2"};
  ExpectRefusedUnchanged({"target VM", "job 'job-1' schedule 'sched-1'", "sched-2"});
  // Same job and schedule, another snapshot: its disks hold the first snapshot's content.
  args_.request = {"job-1", "sched-1"};
  ExpectRefusedUnchanged({"already a copy of snapshot " + snapshot_uuid_, "--undo"});
  // The source snapshot of another job's seed is refused too.
  args_.snapshot_uuid = snapshot_uuid_;
  args_.request = {"job-3", "sched-3"};
  ExpectRefusedUnchanged({"source snapshot", snapshot_uuid_, "job 'job-1' schedule 'sched-1'"});
}

TEST_F(SeedRunTest, RefusesDiskCountUserdeviceAndSizeMismatches) {
  ManualCopy();
  ASSERT_OK(AddTargetDisk("1", kDiskSize).status());
  ExpectRefusedUnchanged({"disk count differs", "(userdevice 0)", "(userdevice 0, 1)"});
  ASSERT_OK(ReplaceTargetDisk("2", kDiskSize).status());
  ExpectRefusedUnchanged({"userdevices differ", "no target disk at userdevice 0"});
  ASSERT_OK(ReplaceTargetDisk("0", kDiskSize + 2 * kMiB).status());
  ExpectRefusedUnchanged({"virtual sizes differ", "userdevice 0",
                          std::to_string(kDiskSize) + " bytes",
                          std::to_string(kDiskSize + 2 * kMiB) + " bytes"});
}

TEST_F(SeedRunTest, RefusesTargetDisksOnSeveralSrs) {
  // A two-disk source snapshot, and a target whose second disk is on another SR.
  ASSERT_OK_AND_ASSIGN(std::string src_sr,
                       xapi::GetByUuid(src_->conn(), "SR", vm_.disks[0].vdi.sr_uuid));
  xapi::VdiSpec spec;
  spec.SR = src_sr;
  spec.virtual_size = static_cast<int64_t>(kDiskSize);
  spec.name_label = "data";
  ASSERT_OK_AND_ASSIGN(std::string data, xapi::VdiCreate(src_->conn(), spec));
  xapi::VbdSpec vbd;
  vbd.VM = vm_.ref;
  vbd.VDI = data;
  vbd.userdevice = "1";
  ASSERT_OK(xapi::VbdCreate(src_->conn(), vbd).status());
  ASSERT_OK_AND_ASSIGN(std::string snap_ref,
                       xapi::VmSnapshot(src_->conn(), vm_.ref, "two-disk snapshot", {}));
  ASSERT_OK_AND_ASSIGN(auto rec, xapi::GetRecord<xapi::VmRecord>(src_->conn(), snap_ref));
  args_.snapshot_uuid = rec.uuid;

  ASSERT_OK_AND_ASSIGN(Value other, dst_->conn().Call("sim.add_sr", {Value("fast-nvme")}));
  ASSERT_OK(ReplaceTargetDisk("0", kDiskSize).status());
  spec.SR = other.string();
  spec.name_label = "imported disk 1";
  ASSERT_OK_AND_ASSIGN(std::string on_other, xapi::VdiCreate(dst_->conn(), spec));
  vbd.VM = target_.ref;
  vbd.VDI = on_other;
  ASSERT_OK(xapi::VbdCreate(dst_->conn(), vbd).status());
  ASSERT_OK_AND_ASSIGN(auto other_sr,
                       xapi::GetRecord<xapi::SrRecord>(dst_->conn(), other.string()));
  ExpectRefusedUnchanged({"has disks on several SRs", dst_sr_, other_sr.uuid});
}

// Source and target on one pool and one SR (one connection for both): the seed and the
// following delta work the same.
TEST(SeedSamePoolTest, SeedThenDeltaWithinOnePool) {
  ::xcr::testing::TempDir dir;
  SimPool pool(dir.File("pool"), 2, 16 * kMiB);
  ASSERT_OK(pool.Start());
  ASSERT_OK_AND_ASSIGN(auto cat, pool.Catalog());
  std::vector<VmView> vms;
  for (const VmView& v : cat.vms) {
    if (!v.is_a_snapshot && !v.is_a_template) vms.push_back(v);
  }
  ASSERT_EQ(vms.size(), 2u);
  const VmView& source = vms[0];
  const VmView& copy = vms[1];
  ASSERT_OK(pool.Write(source.disks[0].vdi.ref, 0, kMiB, 0x21));
  ASSERT_OK_AND_ASSIGN(std::string snap_ref, xapi::VmSnapshot(pool.conn(), source.ref, "s", {}));
  ASSERT_OK_AND_ASSIGN(auto snap, xapi::GetRecord<xapi::VmRecord>(pool.conn(), snap_ref));
  ASSERT_OK_AND_ASSIGN(auto snap_vbd, xapi::GetRecord<xapi::VbdRecord>(pool.conn(), snap.VBDs[0]));
  xapi::PipeTarget onto;
  onto.conn = &pool.conn();
  onto.vdi = copy.disks[0].vdi.ref;
  xapi::PipeResult piped = xapi::PipeVdi(pool.conn(), snap_vbd.VDI, "", {onto});
  ASSERT_OK(piped.source);

  SeedPools pools{&pool.conn(), &pool.conn(), pool.url(), pool.url()};
  SeedArgs args{snap.uuid, copy.uuid, {"job-s", "sched-s"}, false};
  std::ostringstream out;
  ASSERT_OK_AND_ASSIGN(SeedOutcome seeded, RunSeed(pools, args, out));
  EXPECT_EQ(seeded.changes.size(), 28u) << out.str();

  ASSERT_OK(pool.Write(source.disks[0].vdi.ref, 8 * kMiB, 4096, 0x22));
  engine::ReplicationOptions options;
  options.job_id = "job-s";
  options.schedule_id = "sched-s";
  engine::TaskLog log(Env::Default());
  engine::VmReplicator r(&pool.conn(), {{&pool.conn(), seeded.sr_uuid, "local"}}, options, &log);
  engine::VmOutcome run = r.Run(source.uuid, engine::kNoParent);
  ASSERT_OK(run.status) << log.ToText();
  EXPECT_TRUE(run.delta) << run.base_note;
  EXPECT_LE(run.bytes, 2 * kMiB + 64 * 1024);
  ASSERT_OK_AND_ASSIGN(auto after, pool.Catalog());
  std::string a, b;
  for (const VmView& v : after.vms) {
    if (v.uuid == run.snapshot_uuid) {
      ASSERT_OK_AND_ASSIGN(a, pool.Sha256(v.disks[0].vdi.ref));
    }
    if (v.uuid == run.targets.at(0).replica_uuid) {
      ASSERT_OK_AND_ASSIGN(b, pool.Sha256(v.disks[0].vdi.ref));
    }
  }
  EXPECT_FALSE(a.empty());
  EXPECT_EQ(a, b);
}

}  // namespace
}  // namespace xcr::seed
