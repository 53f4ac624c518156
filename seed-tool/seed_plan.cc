#include "seed-tool/seed_plan.h"

#include <algorithm>
#include <map>

#include "engine/backup_datetime.h"
#include "engine/other_config_keys.h"
#include "engine/replica_metadata.h"
#include "engine/run_id.h"

namespace xcr::seed {
namespace {

using engine::ConfigValue;
using engine::DiskView;
using engine::VdiView;
using engine::VmView;
namespace keys = engine::keys;

std::string Quote(const std::optional<std::string>& v) {
  return v ? "\"" + *v + "\"" : std::string("absent");
}

std::string Named(const VmView& vm) { return "'" + vm.name_label + "' (" + vm.uuid + ")"; }

Status Refuse(std::string msg) { return Status::FailedPrecondition(std::move(msg)); }

std::string Userdevices(const std::vector<DiskView>& disks) {
  std::string out;
  for (const DiskView& d : disks) out += (out.empty() ? "" : ", ") + d.userdevice;
  return out.empty() ? "none" : out;
}

// Appends a change for each field whose wanted value differs from the current one.
class ChangeList {
 public:
  ChangeList(Change::Pool pool, std::string cls, ObjectState state, std::string uuid,
             std::string object, std::vector<Change>* out)
      : pool_(pool),
        cls_(std::move(cls)),
        state_(std::move(state)),
        uuid_(std::move(uuid)),
        object_(std::move(object)),
        out_(out) {}

  void Want(Change::Field field, std::string key, std::optional<std::string> value) {
    std::optional<std::string> now = FieldValue(state_, field, key);
    if (now == value) return;
    Change c;
    c.pool = pool_;
    c.cls = cls_;
    c.ref = state_.ref;
    c.uuid = uuid_;
    c.object = object_;
    c.field = field;
    c.key = std::move(key);
    c.before = std::move(now);
    c.after = std::move(value);
    out_->push_back(std::move(c));
  }
  void WantConfig(std::string_view key, const std::string& value) {
    Want(Change::Field::kOtherConfig, std::string(key), value);
  }

 private:
  Change::Pool pool_;
  std::string cls_;
  ObjectState state_;
  std::string uuid_;
  std::string object_;
  std::vector<Change>* out_;
};

// Refuses an object carrying another job's or schedule's keys.
Status CheckJobKeys(const StringMap& oc, const SeedRequest& req, const std::string& what) {
  std::string_view job = ConfigValue(oc, keys::kJob);
  std::string_view schedule = ConfigValue(oc, keys::kSchedule);
  if ((!job.empty() && job != req.job_id) || (!schedule.empty() && schedule != req.schedule_id)) {
    return Refuse(what + " already belongs to job '" + std::string(job) + "' schedule '" +
                  std::string(schedule) + "' (xo:backup:job / xo:backup:schedule), not job '" +
                  req.job_id + "' schedule '" + req.schedule_id +
                  "': seeding it would break that job's chain; pick another object, or undo "
                  "that seed first (cr-seed --undo)");
  }
  return Status::OK();
}

bool IsReplicaLike(const VmView& vm) {
  const StringMap& oc = vm.other_config;
  bool keys_present = !ConfigValue(oc, keys::kJob).empty() && !ConfigValue(oc, keys::kSr).empty();
  return keys_present && (vm.blocked_operations.count("start") > 0 || vm.is_a_snapshot);
}

Status CheckSource(const SeedObjects& o, const SeedRequest& req) {
  const VmView& s = o.snapshot;
  if (!s.is_a_snapshot) {
    std::string kind = s.is_a_template ? "a template" : "a VM, not a snapshot";
    return Refuse("source " + Named(s) + " is " + kind +
                  ": give the uuid of the snapshot whose disks were copied to the target "
                  "(xe snapshot-list, or the VM's Snapshots tab)");
  }
  if (!o.snapshot_of) {
    return Refuse("source snapshot " + Named(s) + " is a snapshot of a VM that no longer exists (" +
                  s.snapshot_of + "): a seed continues the replication of an existing VM");
  }
  if (IsReplicaLike(s) || !ConfigValue(s.other_config, keys::kSr).empty()) {
    return Refuse("source snapshot " + Named(s) + " is a snapshot of a replica (it carries " +
                  "xo:backup:sr = " + std::string(ConfigValue(s.other_config, keys::kSr)) +
                  "): seed from a snapshot of the original VM");
  }
  if (IsReplicaLike(*o.snapshot_of)) {
    return Refuse("source snapshot " + Named(s) + " is a snapshot of VM " + Named(*o.snapshot_of) +
                  ", which is itself a replica (job '" +
                  std::string(ConfigValue(o.snapshot_of->other_config, keys::kJob)) +
                  "', start blocked): seed from a snapshot of the original VM");
  }
  if (s.disks.empty()) {
    return Refuse("source snapshot " + Named(s) +
                  " has no disks to replicate (none, or only \"[NOBAK]\" ones): nothing to seed");
  }
  XCR_RETURN_IF_ERROR(CheckJobKeys(s.other_config, req, "source snapshot " + Named(s)));
  std::string_view vm_key = ConfigValue(s.other_config, keys::kVm);
  if (!vm_key.empty() && vm_key != o.snapshot_of->uuid) {
    return Refuse("source snapshot " + Named(s) + " says it is of VM " + std::string(vm_key) +
                  " (xo:backup:vm) but XAPI says of VM " + o.snapshot_of->uuid);
  }
  for (const DiskView& d : s.disks) {
    XCR_RETURN_IF_ERROR(
        CheckJobKeys(d.vdi.other_config, req,
                     "source snapshot disk " + d.userdevice + " (VDI " + d.vdi.uuid + ")"));
  }
  return Status::OK();
}

Status CheckTarget(const SeedObjects& o, const SeedRequest& req) {
  const VmView& t = o.target;
  if (t.is_a_snapshot) {
    return Refuse("target " + Named(t) +
                  " is a snapshot: give the VM the source disks were imported into");
  }
  if (t.is_a_template) {
    return Refuse("target " + Named(t) +
                  " is a template: give a halted VM (convert it with xe template-param-set "
                  "is-a-template=false uuid=" +
                  t.uuid + " if it was meant as one)");
  }
  if (o.target_power_state != "Halted") {
    return Refuse("target VM " + Named(t) + " is " + o.target_power_state +
                  ": a replica must be halted (shut it down first; its disks must hold exactly "
                  "the snapshot's content, so it must not have run since the import)");
  }
  if (o.snapshot_of && t.uuid == o.snapshot_of->uuid) {
    return Refuse("target VM " + Named(t) + " is the VM the snapshot is of, not a copy of it");
  }
  const StringMap& oc = t.other_config;
  XCR_RETURN_IF_ERROR(CheckJobKeys(oc, req, "target VM " + Named(t)));
  std::string_view vm_key = ConfigValue(oc, keys::kVm);
  if (!vm_key.empty() && o.snapshot_of && vm_key != o.snapshot_of->uuid) {
    return Refuse("target VM " + Named(t) + " is already a replica of VM " + std::string(vm_key) +
                  " (xo:backup:vm), not of " + Named(*o.snapshot_of) +
                  ": undo that seed first (cr-seed --undo) or pick another VM");
  }
  std::string_view copy_of = ConfigValue(oc, keys::kCopyOf);
  if (!copy_of.empty() && copy_of != o.snapshot.uuid) {
    return Refuse("target VM " + Named(t) + " is already a copy of snapshot " +
                  std::string(copy_of) + " (xo:copy_of), not of " + o.snapshot.uuid +
                  ": its disks hold that snapshot's content; undo that seed first (cr-seed "
                  "--undo) or pick another VM");
  }
  for (const DiskView& d : t.disks) {
    XCR_RETURN_IF_ERROR(CheckJobKeys(d.vdi.other_config, req,
                                     "target disk " + d.userdevice + " (VDI " + d.vdi.uuid + ")"));
  }
  return Status::OK();
}

Status CheckDisks(const SeedObjects& o) {
  const VmView& s = o.snapshot;
  const VmView& t = o.target;
  if (s.disks.size() != t.disks.size()) {
    return Refuse("disk count differs: source snapshot " + Named(s) + " has " +
                  std::to_string(s.disks.size()) + " disk(s) (userdevice " + Userdevices(s.disks) +
                  "), target VM " + Named(t) + " has " + std::to_string(t.disks.size()) +
                  " (userdevice " + Userdevices(t.disks) +
                  "): the target needs one disk per source disk, at the same userdevice");
  }
  std::map<std::string, const DiskView*> target_by_dev;
  for (const DiskView& d : t.disks) target_by_dev[d.userdevice] = &d;
  for (const DiskView& d : s.disks) {
    if (!target_by_dev.count(d.userdevice)) {
      return Refuse("userdevices differ: source snapshot " + Named(s) + " has disks at " +
                    Userdevices(s.disks) + ", target VM " + Named(t) + " at " +
                    Userdevices(t.disks) + " (no target disk at userdevice " + d.userdevice +
                    "): attach each copy at its source disk's userdevice");
    }
  }
  std::string sizes;
  for (const DiskView& d : s.disks) {
    const DiskView& td = *target_by_dev[d.userdevice];
    if (td.vdi.virtual_size != d.vdi.virtual_size) {
      sizes += (sizes.empty() ? "" : "; ") + std::string("userdevice ") + d.userdevice +
               ": source VDI " + d.vdi.uuid + " is " + std::to_string(d.vdi.virtual_size) +
               " bytes, target VDI " + td.vdi.uuid + " is " + std::to_string(td.vdi.virtual_size) +
               " bytes";
    }
    std::string_view key = ConfigValue(td.vdi.other_config, keys::kContentKey);
    if (!key.empty() && key != d.vdi.uuid) {
      return Refuse("target disk " + d.userdevice + " (VDI " + td.vdi.uuid +
                    ") already holds the content of VDI " + std::string(key) +
                    " (xo:backup:contentKey), not of source snapshot disk " + d.vdi.uuid);
    }
  }
  if (!sizes.empty()) {
    return Refuse("virtual sizes differ (" + sizes +
                  "): a delta is only valid onto a disk of the same size holding the same "
                  "content");
  }
  const std::string& sr = t.disks.front().vdi.sr_uuid;
  bool one_sr = std::all_of(t.disks.begin(), t.disks.end(),
                            [&](const DiskView& d) { return d.vdi.sr_uuid == sr; });
  if (!one_sr) {
    std::string where;
    for (const DiskView& d : t.disks) {
      where += (where.empty() ? "" : ", ") + std::string("disk ") + d.userdevice + " (VDI " +
               d.vdi.uuid + ") on SR " + d.vdi.sr_uuid;
    }
    return Refuse("target VM " + Named(t) + " has disks on several SRs (" + where +
                  "): a replica lives on one SR; move its disks to one SR first");
  }
  return Status::OK();
}

}  // namespace

std::string DescribeField(const Change& c) {
  switch (c.field) {
    case Change::Field::kOtherConfig:
      return "other_config " + c.key;
    case Change::Field::kBlockedOperations:
      return "blocked_operations " + c.key;
    case Change::Field::kNameLabel:
      return "name_label";
    case Change::Field::kTag:
      return "tag '" + c.key + "'";
  }
  return "?";
}

std::string DescribeChange(const Change& c) {
  std::string what = c.object + " (" + c.uuid + "): " + DescribeField(c) + ": ";
  if (c.field == Change::Field::kTag) return what + (c.after ? "add" : "remove");
  return what + Quote(c.before) + " -> " + Quote(c.after);
}

ObjectState StateOf(const VmView& vm) {
  return {vm.ref, vm.name_label, vm.other_config, vm.blocked_operations, vm.tags};
}

ObjectState StateOf(const VdiView& vdi) {
  return {vdi.ref, vdi.name_label, vdi.other_config, {}, {}};
}

std::optional<std::string> FieldValue(const ObjectState& state, Change::Field field,
                                      const std::string& key) {
  switch (field) {
    case Change::Field::kOtherConfig: {
      auto it = state.other_config.find(key);
      if (it == state.other_config.end()) return std::nullopt;
      return it->second;
    }
    case Change::Field::kBlockedOperations: {
      auto it = state.blocked_operations.find(key);
      if (it == state.blocked_operations.end()) return std::nullopt;
      return it->second;
    }
    case Change::Field::kNameLabel:
      return state.name_label;
    case Change::Field::kTag:
      if (std::find(state.tags.begin(), state.tags.end(), key) == state.tags.end()) {
        return std::nullopt;
      }
      return key;
  }
  return std::nullopt;
}

std::string SeedDatetime(const VmView& snapshot) {
  return engine::FormatBackupDatetime(snapshot.snapshot_time);
}

Result<std::vector<Change>> PlanSeed(const SeedObjects& objects, const SeedRequest& req) {
  if (req.job_id.empty() || req.schedule_id.empty()) {
    return Status::InvalidArgument("a seed needs a job id and a schedule id");
  }
  XCR_RETURN_IF_ERROR(engine::CheckRunIds(req.job_id, req.schedule_id));
  // "[NOBAK]" disks are never replicated: the target need not have them.
  SeedObjects o = objects;
  std::vector<DiskView>& sd = o.snapshot.disks;
  sd.erase(std::remove_if(sd.begin(), sd.end(),
                          [](const DiskView& d) { return engine::IsNoBackupDisk(d.vdi); }),
           sd.end());
  XCR_RETURN_IF_ERROR(CheckSource(o, req));
  XCR_RETURN_IF_ERROR(CheckTarget(o, req));
  XCR_RETURN_IF_ERROR(CheckDisks(o));

  const VmView& s = o.snapshot;
  const VmView& t = o.target;
  const std::string& vm_uuid = o.snapshot_of->uuid;
  const std::string datetime = SeedDatetime(s);
  const std::string& sr = t.disks.front().vdi.sr_uuid;
  std::map<std::string, const DiskView*> source_by_dev;
  for (const DiskView& d : s.disks) source_by_dev[d.userdevice] = &d;

  std::vector<Change> out;
  auto job_keys = [&](ChangeList& l) {
    l.WantConfig(keys::kJob, req.job_id);
    l.WantConfig(keys::kSchedule, req.schedule_id);
    l.WantConfig(keys::kVm, vm_uuid);
  };

  for (const DiskView& d : t.disks) {
    const VdiView& src = source_by_dev.at(d.userdevice)->vdi;
    ChangeList l(Change::Pool::kTarget, "VDI", StateOf(d.vdi), d.vdi.uuid,
                 "target disk " + d.userdevice, &out);
    l.WantConfig(keys::kCopyOf, src.uuid);
    l.WantConfig(keys::kContentKey, src.uuid);
    job_keys(l);
    l.WantConfig(keys::kSr, sr);
    l.WantConfig(keys::kDatetime, datetime);
  }

  {
    ChangeList l(Change::Pool::kTarget, "VM", StateOf(t), t.uuid,
                 "target VM '" + t.name_label + "'", &out);
    job_keys(l);
    l.WantConfig(keys::kSr, sr);
    l.WantConfig(keys::kCopyOf, s.uuid);
    for (const char* op : {"start", "start_on"}) {
      l.Want(Change::Field::kBlockedOperations, op, std::string(keys::kBlockedStartMessage));
    }
    l.Want(Change::Field::kNameLabel, "", o.snapshot_of->name_label + " (" + datetime + ")");
    l.Want(Change::Field::kTag, std::string(keys::kReplicaTag), std::string(keys::kReplicaTag));
    l.WantConfig(keys::kDatetime, datetime);
  }

  for (const DiskView& d : s.disks) {
    ChangeList l(Change::Pool::kSource, "VDI", StateOf(d.vdi), d.vdi.uuid,
                 "source snapshot disk " + d.userdevice, &out);
    job_keys(l);
    l.WantConfig(keys::kContentKey, d.vdi.uuid);
    l.WantConfig(keys::kDatetime, datetime);
    l.WantConfig(keys::kExported, "true");
  }

  {
    ChangeList l(Change::Pool::kSource, "VM", StateOf(s), s.uuid,
                 "source snapshot '" + s.name_label + "'", &out);
    job_keys(l);
    l.WantConfig(keys::kDatetime, datetime);
    l.WantConfig(keys::kExported, "true");
  }
  return out;
}

}  // namespace xcr::seed
