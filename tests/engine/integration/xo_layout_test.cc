// Chains shared with Xen Orchestra, both ways, end to end over real sockets
// (shared/reference/xo-cr.md):
//  - xcr continues a chain XO >= 6.3 started: one live replica VM updated in place and stripped
//    of the keys except xo:backup:sr, plus a target snapshot per run carrying the keys;
//  - xcr continues a chain in XO's legacy layout (one protected VM per run, XO's exact keys);
//  - XO continues xcr's chain: XO's documented base-finding and replica-listing rules, written
//    here from the document alone (independent of engine/base_selection.cc), find xcr's base on
//    the source and its replica disks on every target, and list xcr's replicas in order.
// The fixtures move real data (xcr's first run, then XAPI calls and a PipeVdi delta written in
// place, as XO does) so every delta is checked against content, not only metadata.
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine/backup_datetime.h"
#include "engine/replica_listing.h"
#include "engine/replica_metadata.h"
#include "tests/engine/integration/replication_fixture.h"
#include "tests/testutil/run_command.h"
#include "xapi/disk_transfer.h"

namespace xcr::engine::testing {
namespace {

using xapi::StringMap;

std::string K(std::string_view key) { return std::string(key); }

// ---------------------------------------------------------------------------------------------
// Xen Orchestra's rules, from xo-cr.md ("A run", step 3, and the listing rule), over raw records.

struct XoPool {
  std::map<std::string, xapi::VmRecord> vms;
  std::map<std::string, xapi::VdiRecord> vdis;
  std::map<std::string, xapi::VbdRecord> vbds;
  std::map<std::string, xapi::SrRecord> srs;

  static Result<XoPool> Load(xapi::Connection& conn) {
    XoPool p;
    XCR_ASSIGN_OR_RETURN(p.vms, xapi::GetAllRecords<xapi::VmRecord>(conn));
    XCR_ASSIGN_OR_RETURN(p.vdis, xapi::GetAllRecords<xapi::VdiRecord>(conn));
    XCR_ASSIGN_OR_RETURN(p.vbds, xapi::GetAllRecords<xapi::VbdRecord>(conn));
    XCR_ASSIGN_OR_RETURN(p.srs, xapi::GetAllRecords<xapi::SrRecord>(conn));
    return p;
  }
};

std::string Oc(const StringMap& m, const char* key) {
  auto it = m.find(key);
  return it == m.end() ? std::string() : it->second;
}

// Source side: snapshot VDIs of the VM's disks with the job's job/vm keys, no xo:copy_of,
// xo:backup:exported set, attached to exactly one snapshot VM with the same datetime; the newest
// datetime group wins. Returns source VDI uuid -> base VDI uuid, and the group's datetime.
struct XoSourceBase {
  std::string datetime;
  std::map<std::string, std::string> base_by_disk;
};

XoSourceBase XoFindSourceBase(const XoPool& p, const std::string& vm_uuid, const std::string& job) {
  std::set<std::string> vm_vdis;
  for (const auto& [ref, vm] : p.vms) {
    if (vm.uuid != vm_uuid) continue;
    for (const std::string& vbd : vm.VBDs) {
      auto b = p.vbds.find(vbd);
      if (b != p.vbds.end() && b->second.type == "Disk") vm_vdis.insert(b->second.VDI);
    }
  }
  std::map<std::string, std::map<std::string, std::string>> groups;  // datetime -> disks
  for (const auto& [ref, v] : p.vdis) {
    if (!v.is_a_snapshot || !vm_vdis.count(v.snapshot_of)) continue;
    const StringMap& oc = v.other_config;
    if (Oc(oc, "xo:backup:job") != job || Oc(oc, "xo:backup:vm") != vm_uuid) continue;
    if (oc.count("xo:copy_of") || Oc(oc, "xo:backup:exported") != "true") continue;
    if (v.VBDs.size() != 1) continue;
    auto b = p.vbds.find(v.VBDs[0]);
    if (b == p.vbds.end()) continue;
    auto owner = p.vms.find(b->second.VM);
    if (owner == p.vms.end() || !owner->second.is_a_snapshot) continue;
    std::string dt = Oc(oc, "xo:backup:datetime");
    if (Oc(owner->second.other_config, "xo:backup:datetime") != dt) continue;
    groups[dt][p.vdis.at(v.snapshot_of).uuid] = v.uuid;
  }
  XoSourceBase out;
  if (!groups.empty()) {
    out.datetime = groups.rbegin()->first;
    out.base_by_disk = groups.rbegin()->second;
  }
  return out;
}

// Target side: a VDI on the target SR whose contentKey, or job + vm + copy_of, names the base
// VDI; snapshot VDIs first, then active ones. Returns its uuid, or "".
std::string XoFindTargetVdi(const XoPool& t, const std::string& sr_uuid, const std::string& job,
                            const std::string& vm_uuid, const std::string& base_uuid) {
  std::string active;
  for (const auto& [ref, v] : t.vdis) {
    auto sr = t.srs.find(v.SR);
    if (sr == t.srs.end() || sr->second.uuid != sr_uuid) continue;
    const StringMap& oc = v.other_config;
    bool names_base = Oc(oc, "xo:backup:contentKey") == base_uuid ||
                      (Oc(oc, "xo:backup:job") == job && Oc(oc, "xo:backup:vm") == vm_uuid &&
                       Oc(oc, "xo:copy_of") == base_uuid);
    if (!names_base) continue;
    if (v.is_a_snapshot) return v.uuid;
    if (active.empty()) active = v.uuid;
  }
  return active;
}

// Replicas of (schedule, SR, VM): not a template (a snapshot is one in XAPI's records; it counts),
// xo:backup:schedule = id, xo:backup:sr = SR, xo:backup:vm = VM, and start blocked or a snapshot;
// sorted by xo:backup:datetime, else by the name's last 17 characters. Returns uuids.
std::vector<std::string> XoListReplicas(const XoPool& t, const std::string& schedule,
                                        const std::string& sr_uuid, const std::string& vm_uuid) {
  std::vector<std::pair<std::string, std::string>> found;  // sort key, uuid
  for (const auto& [ref, vm] : t.vms) {
    if (vm.is_a_template && !vm.is_a_snapshot) continue;
    const StringMap& oc = vm.other_config;
    if (Oc(oc, "xo:backup:schedule") != schedule || Oc(oc, "xo:backup:sr") != sr_uuid ||
        Oc(oc, "xo:backup:vm") != vm_uuid) {
      continue;
    }
    if (!vm.blocked_operations.count("start") && !vm.is_a_snapshot) continue;
    std::string key = Oc(oc, "xo:backup:datetime");
    if (key.empty() && vm.name_label.size() >= 17) {
      key = vm.name_label.substr(vm.name_label.size() - 17);
    }
    found.emplace_back(key, vm.uuid);
  }
  std::stable_sort(found.begin(), found.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> out;
  for (const auto& [key, uuid] : found) out.push_back(uuid);
  return out;
}

// ---------------------------------------------------------------------------------------------

class XoLayoutTest : public ReplicationFixture {
 protected:
  // The keys XO writes on a replica VM / target snapshot.
  StringMap XoVmKeys(const std::string& source_snapshot_uuid, const std::string& datetime,
                     int chain, const std::string& sr) {
    return {{K(keys::kJob), options_.job_id},
            {K(keys::kSchedule), options_.schedule_id},
            {K(keys::kVm), vm_.uuid},
            {K(keys::kDatetime), datetime},
            {K(keys::kSr), sr},
            {K(keys::kCopyOf), source_snapshot_uuid},
            {K(keys::kDeltaChainLength), std::to_string(chain)}};
  }
  // On a source snapshot VM (exported after a successful transfer).
  StringMap XoSnapshotKeys(const std::string& datetime, bool exported, int chain) {
    StringMap m = {{K(keys::kJob), options_.job_id},
                   {K(keys::kSchedule), options_.schedule_id},
                   {K(keys::kVm), vm_.uuid},
                   {K(keys::kDatetime), datetime}};
    if (exported) {
      m[K(keys::kExported)] = "true";
      m[K(keys::kDeltaChainLength)] = std::to_string(chain);
    }
    return m;
  }

  // Replaces an object's replication keys by `keys` (other keys, e.g. mac_seed, are kept).
  static void Rekey(SimPool& pool, std::string_view cls, const std::string& ref,
                    const StringMap& current, const StringMap& keys) {
    StringMap m;
    for (const auto& [k, v] : current) {
      if (!IsReplicationKey(k)) m[k] = v;
    }
    for (const auto& [k, v] : keys) m[k] = v;
    ASSERT_OK(xapi::SetOtherConfig(pool.conn(), cls, ref, m));
  }

  std::string TargetSnapshotName(int64_t t) {
    return vm_.name_label + " - nightly / " + options_.schedule_id + " " + FormatCompactDatetime(t);
  }

  static void DestroyWithDisks(SimPool& pool, const VmView& vm) {
    ASSERT_OK(xapi::VmDestroy(pool.conn(), vm.ref));
    for (const DiskView& d : vm.disks) ASSERT_OK(xapi::VdiDestroy(pool.conn(), d.vdi.ref));
  }

  std::string Sha(SimPool& pool, const std::string& vdi_ref) {
    auto s = pool.Sha256(vdi_ref);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? *s : "";
  }
};

// What XO >= 6.3 leaves after two runs: on the source its newest exported snapshot; on the
// target one live replica VM and a target snapshot per run, plus a user's clones.
struct XoCurrentLayout {
  VmView s2;                       // XO's exported source snapshot (the next base)
  VmView live;                     // the live replica (its disk holds s2's content)
  std::string t1_uuid;             // target snapshot of run 1
  std::string t2_uuid;             // target snapshot of run 2
  std::vector<std::string> users;  // the live VM and two user clones: never deleted
};

class XoCurrentLayoutTest : public XoLayoutTest {
 protected:
  // XO's end of a run on the target, in XO's order: the run's keys on the live VM (datetime
  // last), a target snapshot that inherits them, then the live VM's keys reset (job, schedule,
  // vm, datetime, chain length, exported removed; xo:backup:sr and xo:copy_of kept).
  std::string XoFinishRun(const VmView& live, const std::string& source_snapshot_uuid,
                          const std::string& datetime, int chain) {
    auto rec = xapi::GetRecord<xapi::VmRecord>(dst_->conn(), live.ref);
    EXPECT_TRUE(rec.ok());
    if (!rec.ok()) return "";
    StringMap oc = rec->other_config;
    for (const auto& [k, v] : XoVmKeys(source_snapshot_uuid, datetime, chain, dst_sr_)) oc[k] = v;
    EXPECT_OK(xapi::SetOtherConfig(dst_->conn(), "VM", live.ref, oc));
    auto t = ParseBackupDatetime(datetime);
    auto snap = xapi::VmSnapshot(
        dst_->conn(), live.ref,
        vm_.name_label + " - nightly / hourly " + FormatCompactDatetime(t.ok() ? *t : 0), {});
    EXPECT_TRUE(snap.ok()) << snap.status().ToString();
    for (std::string_view k : {keys::kJob, keys::kSchedule, keys::kVm, keys::kDatetime,
                               keys::kDeltaChainLength, keys::kExported}) {
      oc.erase(std::string(k));
    }
    EXPECT_OK(xapi::SetOtherConfig(dst_->conn(), "VM", live.ref, oc));
    if (!snap.ok()) return "";
    auto srec = xapi::GetRecord<xapi::VmRecord>(dst_->conn(), *snap);
    return srec.ok() ? srec->uuid : "";
  }

  void Build(XoCurrentLayout* x) {
    // XO's run 1: the full copy made by a first run, its objects reshaped.
    RunResult r1 = Run(One());
    ASSERT_OK(r1.out.status) << r1.log;
    VmView s1 = Find(*src_, r1.out.snapshot_uuid);
    x->live = Find(*dst_, r1.out.targets[0].replica_uuid);
    ASSERT_EQ(x->live.disks.size(), 1u);
    std::string dt1(ConfigValue(s1.other_config, keys::kDatetime));
    ASSERT_OK_AND_ASSIGN(int64_t t1, ParseBackupDatetime(dt1));
    ASSERT_OK(xapi::VmSetNameLabel(src_->conn(), s1.ref, "[XO Backup nightly] " + vm_.name_label));
    Rekey(*src_, "VM", s1.ref, s1.other_config, XoSnapshotKeys(dt1, true, 0));
    ASSERT_OK(xapi::VmSetNameLabel(dst_->conn(), x->live.ref, vm_.name_label));
    Rekey(*dst_, "VM", x->live.ref, x->live.other_config, {});
    x->t1_uuid = XoFinishRun(x->live, s1.uuid, dt1, 0);
    ASSERT_FALSE(x->t1_uuid.empty());

    // XO's run 2: a source snapshot, its delta written in place onto the live replica's disk,
    // the disk's keys, the target snapshot; the old source snapshot pruned.
    ASSERT_OK(src_->Write(DiskRef("0"), 4 * kMiB, 4096, 0x71));
    std::string dt2 = FormatBackupDatetime(t1 + 3600);
    ASSERT_OK_AND_ASSIGN(std::string s2_ref,
                         xapi::VmSnapshot(src_->conn(), vm_.ref, "[XO Backup nightly] x", {}));
    ASSERT_OK_AND_ASSIGN(auto s2_rec, xapi::GetRecord<xapi::VmRecord>(src_->conn(), s2_ref));
    VmView s2 = Find(*src_, s2_rec.uuid);
    ASSERT_EQ(s2.disks.size(), 1u);
    const VdiView& s2d = s2.disks[0].vdi;
    Rekey(*src_, "VM", s2.ref, s2.other_config, XoSnapshotKeys(dt2, false, 0));
    StringMap vdi_keys = XoSnapshotKeys(dt2, false, 0);
    vdi_keys[K(keys::kContentKey)] = s2d.uuid;
    Rekey(*src_, "VDI", s2d.ref, s2d.other_config, vdi_keys);
    xapi::PipeResult p = xapi::PipeVdi(src_->conn(), s2d.ref, s1.disks[0].vdi.ref,
                                       {{&dst_->conn(), x->live.disks[0].vdi.ref}});
    ASSERT_OK(p.source);
    ASSERT_OK(p.targets[0]);
    EXPECT_LE(p.bytes, DeltaBound(1));
    ASSERT_EQ(Sha(*dst_, x->live.disks[0].vdi.ref), Sha(*src_, s2d.ref));
    StringMap live_vdi_keys = XoVmKeys(s2d.uuid, dt2, 1, dst_sr_);
    live_vdi_keys[K(keys::kContentKey)] = s2d.uuid;
    Rekey(*dst_, "VDI", x->live.disks[0].vdi.ref, x->live.disks[0].vdi.other_config, live_vdi_keys);
    x->t2_uuid = XoFinishRun(x->live, s2.uuid, dt2, 1);
    ASSERT_FALSE(x->t2_uuid.empty());
    Rekey(*src_, "VM", s2.ref, s2.other_config, XoSnapshotKeys(dt2, true, 1));
    vdi_keys = XoSnapshotKeys(dt2, true, 1);
    vdi_keys[K(keys::kContentKey)] = s2d.uuid;
    Rekey(*src_, "VDI", s2d.ref, s2d.other_config, vdi_keys);
    DestroyWithDisks(*src_, Find(*src_, s1.uuid));
    x->s2 = Find(*src_, s2.uuid);

    // A user's clones: of the live VM (started by its owner) and of run 1's restore point.
    ASSERT_OK_AND_ASSIGN(std::string clone_live,
                         xapi::VmClone(dst_->conn(), x->live.ref, "my copy of the replica"));
    ASSERT_OK(xapi::VmSetBlockedOperations(dst_->conn(), clone_live, {}));
    ASSERT_OK_AND_ASSIGN(std::string t1_ref, xapi::GetByUuid(dst_->conn(), "VM", x->t1_uuid));
    ASSERT_OK_AND_ASSIGN(std::string clone_t1,
                         xapi::VmClone(dst_->conn(), t1_ref, "restored from run 1"));
    x->users = {x->live.uuid};
    for (const std::string& ref : {clone_live, clone_t1}) {
      ASSERT_OK_AND_ASSIGN(auto r, xapi::GetRecord<xapi::VmRecord>(dst_->conn(), ref));
      x->users.push_back(r.uuid);
    }
    x->live = Find(*dst_, x->live.uuid);

    // The fixture is XO's layout by XO's own listing rule.
    ASSERT_OK_AND_ASSIGN(XoPool pool, XoPool::Load(dst_->conn()));
    ASSERT_EQ(XoListReplicas(pool, options_.schedule_id, dst_sr_, vm_.uuid),
              (std::vector<std::string>{x->t1_uuid, x->t2_uuid}));
    EXPECT_EQ(ConfigValue(x->live.other_config, keys::kSr), dst_sr_);
    EXPECT_EQ(ConfigValue(x->live.other_config, keys::kJob), "");
    EXPECT_EQ(x->live.blocked_operations.count("start"), 1u);
  }

  void ExpectUsersKept(const XoCurrentLayout& x, const std::string& live_sha) {
    for (const std::string& uuid : x.users) EXPECT_TRUE(Exists(*dst_, uuid)) << uuid;
    VmView live = Find(*dst_, x.live.uuid);
    ASSERT_EQ(live.disks.size(), 1u) << "the live replica lost its disk";
    EXPECT_EQ(Sha(*dst_, live.disks[0].vdi.ref), live_sha) << "xcr wrote onto XO's live VM";
  }
};

// Xen Orchestra >= 6.3's layout on the target: xcr finds the base through XO's target snapshot,
// sends a delta, and its retention counts XO's target snapshots as replicas, never deleting the
// live VM or a user's clone.
TEST_F(XoCurrentLayoutTest, XcrContinuesXoCurrentLayout) {
  XoCurrentLayout x;
  ASSERT_NO_FATAL_FAILURE(Build(&x));
  std::string live_sha = Sha(*dst_, x.live.disks[0].vdi.ref);

  // xcr's run 3: a delta from XO's base, with copyRetention 2.
  options_.copy_retention = 2;
  ASSERT_OK(src_->Write(DiskRef("0"), 10 * kMiB, 4096, 0x72));
  RunResult r3 = Run(One());
  ExpectModes(r3, {{"0", "delta"}});
  EXPECT_NE(r3.out.base_note.find(x.s2.uuid), std::string::npos) << r3.out.base_note;
  EXPECT_LE(r3.disks["0"].bytes, DeltaBound(1));
  ExpectReplicasMatch(r3, {"0"});
  // XO's restore points are replicas to retention: the oldest (run 1) went, run 2's is kept.
  EXPECT_FALSE(Exists(*dst_, x.t1_uuid));
  EXPECT_TRUE(Exists(*dst_, x.t2_uuid));
  ExpectUsersKept(x, live_sha);
  ExpectNoOrphans(*dst_);
  ASSERT_OK_AND_ASSIGN(XoPool after3, XoPool::Load(dst_->conn()));
  EXPECT_EQ(XoListReplicas(after3, options_.schedule_id, dst_sr_, vm_.uuid),
            (std::vector<std::string>{x.t2_uuid, r3.out.targets[0].replica_uuid}));

  // xcr's run 4: a delta from its own replica; XO's last restore point goes.
  ASSERT_OK(src_->Write(DiskRef("0"), 14 * kMiB, 4096, 0x73));
  RunResult r4 = Run(One());
  ExpectModes(r4, {{"0", "delta"}});
  EXPECT_LE(r4.disks["0"].bytes, DeltaBound(1));
  ExpectReplicasMatch(r4, {"0"});
  EXPECT_FALSE(Exists(*dst_, x.t2_uuid));
  EXPECT_TRUE(Exists(*dst_, r3.out.targets[0].replica_uuid));
  ExpectUsersKept(x, live_sha);
  ExpectNoOrphans(*dst_);

  // And XO, coming back, finds xcr's base and its replica disk (not its own stale live disk).
  ASSERT_OK_AND_ASSIGN(XoPool src, XoPool::Load(src_->conn()));
  ASSERT_OK_AND_ASSIGN(XoPool dst, XoPool::Load(dst_->conn()));
  VmView s4 = Find(*src_, r4.out.snapshot_uuid);
  XoSourceBase base = XoFindSourceBase(src, vm_.uuid, options_.job_id);
  EXPECT_EQ(base.datetime, ConfigValue(s4.other_config, keys::kDatetime));
  ASSERT_EQ(base.base_by_disk.size(), 1u);
  EXPECT_EQ(base.base_by_disk.begin()->second, s4.disks[0].vdi.uuid);
  VmView rep4 = Find(*dst_, r4.out.targets[0].replica_uuid);
  EXPECT_EQ(XoFindTargetVdi(dst, dst_sr_, options_.job_id, vm_.uuid, s4.disks[0].vdi.uuid),
            rep4.disks[0].vdi.uuid);
}

// `xcr replicas` (engine/replica_listing.h) lists XO's current layout as XO's own rule does:
// the target snapshots (XO's restore points) newest first, not the live VM stripped of its keys
// nor the users' clones; after xcr continues the chain, its replica heads the list.
TEST_F(XoCurrentLayoutTest, XcrReplicasListsXoCurrentLayout) {
  XoCurrentLayout x;
  ASSERT_NO_FATAL_FAILURE(Build(&x));
  auto uuids = [&]() {
    auto list = ListPoolReplicas(dst_->conn(), vm_.uuid,
                                 static_cast<int64_t>(Env::Default()->NowUnixMicros() / 1000000));
    EXPECT_OK(list.status());
    std::vector<std::string> out;
    if (!list.ok()) return out;
    for (const ReplicaEntry& e : *list) {
      EXPECT_TRUE(e.complete) << e.uuid;
      EXPECT_EQ(e.source_vm, vm_.uuid) << e.uuid;
      EXPECT_EQ(e.schedule, options_.schedule_id) << e.uuid;
      out.push_back(e.uuid);
    }
    return out;
  };
  EXPECT_EQ(uuids(), (std::vector<std::string>{x.t2_uuid, x.t1_uuid}));

  options_.copy_retention = 3;
  ASSERT_OK(src_->Write(DiskRef("0"), 10 * kMiB, 4096, 0x74));
  RunResult r3 = Run(One());
  ExpectModes(r3, {{"0", "delta"}});
  EXPECT_EQ(uuids(),
            (std::vector<std::string>{r3.out.targets[0].replica_uuid, x.t2_uuid, x.t1_uuid}));
}

#ifdef XCR_BIN
// The same listing through the real `xcr replicas` binary (text and --json), as a user runs it:
// XO's target snapshots newest first, complete, with the schedule; never the live VM.
TEST_F(XoCurrentLayoutTest, XcrReplicasBinaryListsXoCurrentLayout) {
  XoCurrentLayout x;
  ASSERT_NO_FATAL_FAILURE(Build(&x));
  std::string cmd = std::string("XCR_PASSWORD=xapi-sim ") + XCR_BIN + " replicas --target " +
                    dst_->url() + " --vm " + vm_.uuid;
  xcr::testing::CommandResult json = xcr::testing::RunCommand(cmd + " --json");
  ASSERT_EQ(json.rc, 0) << json.out;
  // RunCommand folds the log lines (stderr) in: the document starts at its '['.
  const std::string out = "\n" + json.out;
  size_t doc = out.find("\n[");
  ASSERT_NE(doc, std::string::npos) << json.out;
  nlohmann::json list = nlohmann::json::parse(out.substr(doc + 1), nullptr, false);
  ASSERT_TRUE(list.is_array()) << json.out;
  std::vector<std::string> uuids;
  for (const auto& e : list) {
    EXPECT_EQ(e["complete"], true) << e.dump();
    EXPECT_EQ(e["source_vm"], vm_.uuid) << e.dump();
    EXPECT_EQ(e["schedule"], options_.schedule_id) << e.dump();
    uuids.push_back(e["uuid"].get<std::string>());
  }
  EXPECT_EQ(uuids, (std::vector<std::string>{x.t2_uuid, x.t1_uuid}));

  xcr::testing::CommandResult text = xcr::testing::RunCommand(cmd);
  ASSERT_EQ(text.rc, 0) << text.out;
  size_t t2 = text.out.find(x.t2_uuid), t1 = text.out.find(x.t1_uuid);
  ASSERT_NE(t2, std::string::npos) << text.out;
  ASSERT_NE(t1, std::string::npos) << text.out;
  EXPECT_LT(t2, t1) << "newest first: " << text.out;
  EXPECT_EQ(text.out.find(x.live.uuid), std::string::npos) << "the live VM is listed: " << text.out;
}
#endif

// XO's live replica caught with its keys — an update XO did not finish (placeholder datetime)
// or a target snapshot whose key reset did not happen — is listed by XO's rule, but XO never
// deletes a live VM that has snapshots; neither does xcr, even with copyRetention 1.
TEST_F(XoCurrentLayoutTest, LiveReplicaCaughtWithItsKeysIsNeverDeleted) {
  XoCurrentLayout x;
  ASSERT_NO_FATAL_FAILURE(Build(&x));
  std::string live_sha = Sha(*dst_, x.live.disks[0].vdi.ref);
  options_.copy_retention = 1;

  // An interrupted XO update: the live VM carries the run's keys with the placeholder datetime.
  StringMap oc = x.live.other_config;
  for (const auto& [k, v] :
       XoVmKeys(x.s2.uuid, std::string(keys::kDatetimePlaceholder), 2, dst_sr_)) {
    oc[k] = v;
  }
  ASSERT_OK(xapi::SetOtherConfig(dst_->conn(), "VM", x.live.ref, oc));
  ASSERT_OK(src_->Write(DiskRef("0"), 10 * kMiB, 4096, 0x74));
  RunResult r3 = Run(One());
  ExpectModes(r3, {{"0", "delta"}});
  ExpectReplicasMatch(r3, {"0"});
  ExpectUsersKept(x, live_sha);
  EXPECT_FALSE(Exists(*dst_, x.t1_uuid));
  EXPECT_FALSE(Exists(*dst_, x.t2_uuid));
  ExpectNoOrphans(*dst_);

  // The key reset missed after a complete XO run: real datetime, older than xcr's replica.
  oc[K(keys::kDatetime)] = std::string(ConfigValue(x.s2.other_config, keys::kDatetime));
  ASSERT_OK(xapi::SetOtherConfig(dst_->conn(), "VM", x.live.ref, oc));
  // Give the live VM a restore point again (XO's snapshots were pruned above).
  ASSERT_OK_AND_ASSIGN(std::string snap,
                       xapi::VmSnapshot(dst_->conn(), x.live.ref, "restore point", {}));
  ASSERT_OK(src_->Write(DiskRef("0"), 12 * kMiB, 4096, 0x75));
  RunResult r4 = Run(One());
  ExpectModes(r4, {{"0", "delta"}});
  ExpectReplicasMatch(r4, {"0"});
  ExpectUsersKept(x, live_sha);
  EXPECT_FALSE(Exists(*dst_, r3.out.targets[0].replica_uuid));
  ExpectNoOrphans(*dst_);
}

// XO <= 6.2's layout: one protected VM per run named "<vm> - <job> - (<YYYYMMDDTHHMMSSZ>)", XO's
// exact keys (replica disks found through xo:copy_of with the job's keys; no contentKey).
TEST_F(XoLayoutTest, XcrContinuesXoLegacyLayout) {
  options_.copy_retention = 3;
  RunResult a = Run(One());
  ASSERT_OK(a.out.status) << a.log;
  ASSERT_OK(src_->Write(DiskRef("0"), 2 * kMiB, 4096, 0x81));
  RunResult b = Run(One());
  ASSERT_OK(b.out.status) << b.log;
  // Rewrite both replicas and the source snapshot with exactly XO's keys.
  for (const RunResult* r : {&a, &b}) {
    VmView rep = Find(*dst_, r->out.targets[0].replica_uuid);
    std::string dt(ConfigValue(rep.other_config, keys::kDatetime));
    ASSERT_OK_AND_ASSIGN(int64_t t, ParseBackupDatetime(dt));
    EXPECT_EQ(rep.name_label, vm_.name_label + " - nightly - (" + FormatCompactDatetime(t) + ")");
    int chain = r == &a ? 0 : 1;
    Rekey(*dst_, "VM", rep.ref, rep.other_config,
          XoVmKeys(r->out.snapshot_uuid, dt, chain, dst_sr_));
    ASSERT_EQ(rep.disks.size(), 1u);
    std::string copy_of(ConfigValue(rep.disks[0].vdi.other_config, keys::kCopyOf));
    ASSERT_FALSE(copy_of.empty());
    Rekey(*dst_, "VDI", rep.disks[0].vdi.ref, rep.disks[0].vdi.other_config,
          XoVmKeys(copy_of, dt, chain, dst_sr_));
  }
  VmView sb = Find(*src_, b.out.snapshot_uuid);
  std::string dtb(ConfigValue(sb.other_config, keys::kDatetime));
  ASSERT_OK(xapi::VmSetNameLabel(src_->conn(), sb.ref, "[XO Backup nightly] " + vm_.name_label));
  Rekey(*src_, "VM", sb.ref, sb.other_config, XoSnapshotKeys(dtb, true, 1));
  Rekey(*src_, "VDI", sb.disks[0].vdi.ref, sb.disks[0].vdi.other_config,
        XoSnapshotKeys(dtb, true, 1));

  options_.copy_retention = 2;
  ASSERT_OK(src_->Write(DiskRef("0"), 12 * kMiB, 4096, 0x82));
  RunResult c = Run(One());
  ExpectModes(c, {{"0", "delta"}});
  EXPECT_NE(c.out.base_note.find(sb.uuid), std::string::npos) << c.out.base_note;
  EXPECT_LE(c.disks["0"].bytes, DeltaBound(1));
  ExpectReplicasMatch(c, {"0"});
  EXPECT_FALSE(Exists(*dst_, a.out.targets[0].replica_uuid));
  EXPECT_TRUE(Exists(*dst_, b.out.targets[0].replica_uuid));
  ExpectNoOrphans(*dst_);
  EXPECT_EQ(ReplicasOn(*dst_).size(), 2u);
}

// XO continues xcr's chain: XO's own rules find the base on the source and the replica disks on
// every target, list xcr's replicas oldest first, and an XO-style delta onto a clone of the found
// replica disk reproduces the new snapshot exactly.
TEST_F(XoLayoutTest, XenOrchestraRulesContinueXcrChain) {
  ASSERT_OK_AND_ASSIGN(std::string data, AddDisk(*src_, vm_.ref, 8 * kMiB, "1", "data"));
  ASSERT_OK(src_->Write(data, 0, 3 * kMiB, 0x91));
  options_.copy_retention = 3;
  std::vector<RunResult> runs;
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK(src_->Write(DiskRef(i % 2 ? "1" : "0"), i * 2 * kMiB, 4096, 0x92 + i));
    runs.push_back(Run(Both()));
    ASSERT_OK(runs.back().out.status) << runs.back().log;
  }

  ASSERT_OK_AND_ASSIGN(XoPool src, XoPool::Load(src_->conn()));
  XoSourceBase base = XoFindSourceBase(src, vm_.uuid, options_.job_id);
  VmView newest = Find(*src_, runs[2].out.snapshot_uuid);
  EXPECT_EQ(base.datetime, ConfigValue(newest.other_config, keys::kDatetime));
  ASSERT_EQ(base.base_by_disk.size(), 2u);
  VmView vm = SourceVm();
  for (size_t i = 0; i < newest.disks.size(); ++i) {
    EXPECT_EQ(base.base_by_disk[vm.disks[i].vdi.uuid], newest.disks[i].vdi.uuid);
  }

  std::vector<SimPool*> pools = Pools(2);
  std::vector<std::string> srs = {dst_sr_, dst2_sr_};
  for (size_t t = 0; t < 2; ++t) {
    SCOPED_TRACE("target " + std::to_string(t));
    ASSERT_OK_AND_ASSIGN(XoPool tp, XoPool::Load(pools[t]->conn()));
    VmView rep = Find(*pools[t], runs[2].out.targets[t].replica_uuid);
    ASSERT_EQ(rep.disks.size(), 2u);
    for (size_t i = 0; i < 2; ++i) {
      EXPECT_EQ(XoFindTargetVdi(tp, srs[t], options_.job_id, vm_.uuid, newest.disks[i].vdi.uuid),
                rep.disks[i].vdi.uuid);
    }
    std::vector<std::string> want;
    for (const RunResult& r : runs) want.push_back(r.out.targets[t].replica_uuid);
    EXPECT_EQ(XoListReplicas(tp, options_.schedule_id, srs[t], vm_.uuid), want);
  }

  // XO's next run on target 0: delta onto a clone of the replica disk it found.
  ASSERT_OK(src_->Write(DiskRef("1"), 6 * kMiB, 4096, 0x99));
  ASSERT_OK_AND_ASSIGN(std::string s4_ref,
                       xapi::VmSnapshot(src_->conn(), vm_.ref, "[XO Backup nightly] x", {}));
  ASSERT_OK_AND_ASSIGN(auto s4_rec, xapi::GetRecord<xapi::VmRecord>(src_->conn(), s4_ref));
  VmView s4 = Find(*src_, s4_rec.uuid);
  ASSERT_OK_AND_ASSIGN(XoPool t0, XoPool::Load(dst_->conn()));
  for (size_t i = 0; i < s4.disks.size(); ++i) {
    SCOPED_TRACE("disk " + s4.disks[i].userdevice);
    std::string base_uuid = base.base_by_disk[vm.disks[i].vdi.uuid];
    std::string found = XoFindTargetVdi(t0, dst_sr_, options_.job_id, vm_.uuid, base_uuid);
    ASSERT_FALSE(found.empty());
    ASSERT_OK_AND_ASSIGN(std::string found_ref, xapi::GetByUuid(dst_->conn(), "VDI", found));
    ASSERT_OK_AND_ASSIGN(std::string clone, xapi::VdiClone(dst_->conn(), found_ref));
    ASSERT_OK_AND_ASSIGN(std::string base_ref, xapi::GetByUuid(src_->conn(), "VDI", base_uuid));
    xapi::PipeResult p =
        xapi::PipeVdi(src_->conn(), s4.disks[i].vdi.ref, base_ref, {{&dst_->conn(), clone}});
    ASSERT_OK(p.source);
    ASSERT_OK(p.targets[0]);
    EXPECT_LE(p.bytes, DeltaBound(1));
    EXPECT_EQ(Sha(*dst_, clone), Sha(*src_, s4.disks[i].vdi.ref));
  }
}

}  // namespace
}  // namespace xcr::engine::testing
