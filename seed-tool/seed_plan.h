// PlanSeed: what `cr-seed` changes to make a hand-moved copy of a VM the first replica of a
// replication job, as a pure function of the objects involved (no I/O; seed_run.h gathers the
// objects from the pools and applies the plan).
//
// Given a source snapshot S of VM V and a target VM T whose disks hold S's disks' content (moved
// by hand: export/import, shipped drive, VM.copy), the plan writes what Xen Orchestra's
// `xo-cr-seed` writes, with the same values, plus the disk-level keys current Xen Orchestra and
// xcr look up a delta base by:
//
//   S (VM)        xo:backup:{job,schedule,vm,datetime}, xo:backup:exported = true
//   S's VDIs      the same five keys, xo:backup:contentKey = own uuid
//   T (VM)        xo:backup:{job,schedule,vm,datetime,sr}, xo:copy_of = S; start and start_on
//                 blocked with XO's message; name "<V's name> (<datetime>)"; tag
//                 "Continuous Replication"
//   T's VDIs      xo:copy_of = xo:backup:contentKey = S's VDI with the same userdevice, and
//                 xo:backup:{job,schedule,vm,datetime,sr}
//
// where datetime is S's snapshot_time as "YYYYMMDDTHH:MM:SSZ" and sr is the SR of T's disks.
// S's disks named "[NOBAK]" are left out (replication never copies them): T needs no copy.
// Only fields whose value differs are changes, so a second identical seed plans nothing.
// Thread-safety: pure functions.
#ifndef XCR_SEED_TOOL_SEED_PLAN_H_
#define XCR_SEED_TOOL_SEED_PLAN_H_

#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "engine/catalog.h"

namespace xcr::seed {

using engine::StringMap;

// One metadata field of one object, before and after.
struct Change {
  enum class Pool { kSource, kTarget };
  enum class Field { kOtherConfig, kBlockedOperations, kNameLabel, kTag };

  Pool pool = Pool::kSource;
  std::string cls;     // "VM" or "VDI"
  std::string ref;     // the object's ref on its pool (empty in undo records)
  std::string uuid;    // the object's uuid
  std::string object;  // for messages: "source snapshot 'web (…)'", "target disk 1"
  Field field = Field::kOtherConfig;
  std::string key;  // the other_config / blocked_operations key, or the tag; "" for name_label
  std::optional<std::string> before;  // nullopt: absent
  std::optional<std::string> after;   // nullopt: absent (removed)
};

// "target VM 'web' (uuid): other_config xo:backup:job: absent -> "job-1"".
std::string DescribeChange(const Change& c);
// "other_config xo:backup:job", "blocked_operations start", "name_label", "tag X".
std::string DescribeField(const Change& c);

// The fields a seed may touch on one VM or VDI, as they are now.
struct ObjectState {
  std::string ref;
  std::string name_label;
  StringMap other_config;
  StringMap blocked_operations;   // VMs only
  std::vector<std::string> tags;  // VMs only
};
ObjectState StateOf(const engine::VmView& vm);
ObjectState StateOf(const engine::VdiView& vdi);
// The current value of the change's field on `state` (a tag's value is the tag itself when the
// object carries it); nullopt when absent.
std::optional<std::string> FieldValue(const ObjectState& state, Change::Field field,
                                      const std::string& key);

struct SeedRequest {
  std::string job_id;       // required
  std::string schedule_id;  // required
};

// The objects a seed involves, as gathered from the pools.
struct SeedObjects {
  engine::VmView snapshot;                    // the object named as the source snapshot
  std::optional<engine::VmView> snapshot_of;  // the VM it is a snapshot of, if it exists
  engine::VmView target;                      // the target VM, with its disks
  std::string target_power_state;             // Halted | Running | Paused | Suspended
};

// The changes in the order they are to be applied (target disks, target VM, source snapshot
// disks, source snapshot VM last: the source's xo:backup:exported is what makes the pair a delta
// base, so a seed interrupted half-way is never used as one). Empty when already seeded.
//
// kFailedPrecondition, naming the object, its uuid and the values, when:
//   the source is not a snapshot, or is a snapshot of a replica, or of a VM that no longer
//   exists, or has no disks, or carries another job's or schedule's keys;
//   the target is a snapshot or a template, not halted, the snapshot's own VM, a replica of
//   another job, schedule, VM or snapshot (or its disks are), or its disks hold another disk's
//   content (xo:backup:contentKey);
//   the disk counts or userdevices differ, a disk's virtual size differs from its source's,
//   or the target's disks are not all on one SR.
// kInvalidArgument if the job or schedule id is empty.
Result<std::vector<Change>> PlanSeed(const SeedObjects& objects, const SeedRequest& request);

// "20261123T09:41:07Z" from the snapshot's snapshot_time: the seed's xo:backup:datetime.
std::string SeedDatetime(const engine::VmView& snapshot);

}  // namespace xcr::seed

#endif  // XCR_SEED_TOOL_SEED_PLAN_H_
