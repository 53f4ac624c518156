#include "seed-tool/seed_run.h"

#include <map>
#include <optional>
#include <utility>

#include "engine/other_config_keys.h"
#include "engine/pool_catalog.h"
#include "seed-tool/seed_undo.h"
#include "xapi/api.h"

namespace xcr::seed {
namespace {

using engine::PoolCatalog;
using engine::VdiView;
using engine::VmView;
namespace keys = engine::keys;

template <typename T>
Result<T> WithContext(Result<T> r, const std::string& context) {
  if (!r.ok()) return r.status().WithContext(context);
  return r;
}

const VmView* FindVmByUuid(const PoolCatalog& c, const std::string& uuid) {
  for (const VmView& v : c.vms) {
    if (v.uuid == uuid) return &v;
  }
  return nullptr;
}

const VdiView* FindVdiByUuid(const PoolCatalog& c, const std::string& uuid) {
  for (const VdiView& v : c.vdis) {
    if (v.uuid == uuid) return &v;
  }
  return nullptr;
}

// kNotFound, or kFailedPrecondition when the uuid is a disk's.
Status NotAVm(const PoolCatalog& c, const std::string& uuid, const std::string& role,
              const std::string& pool) {
  if (const VdiView* vdi = FindVdiByUuid(c, uuid)) {
    return Status::FailedPrecondition(
        role + " " + uuid + " on pool " + pool + " is a disk (VDI '" + vdi->name_label +
        "'), not a VM: give the " + (role == "source snapshot" ? "snapshot's" : "VM's") + " uuid");
  }
  return Status::NotFound("no " + role + " with uuid " + uuid + " on pool " + pool +
                          " (xe vm-list / snapshot-list uuid=" + uuid + ")");
}

std::string UndoValue(const VmView& vm) {
  return std::string(engine::ConfigValue(vm.other_config, keys::kSeedUndo));
}

void Print(std::ostream& out, const std::string& prefix, const std::vector<Change>& changes) {
  for (const Change& c : changes) out << prefix << DescribeChange(c) << "\n";
}

// Applies `changes` in order, printing each; the error says how far it got.
Status ApplyAll(const SeedPools& pools, const std::vector<Change>& changes, std::ostream& out,
                const std::string& what, const std::string& retry) {
  for (size_t i = 0; i < changes.size(); ++i) {
    Status s = ApplyChange(pools, changes[i]);
    if (!s.ok()) {
      return s.WithContext(what + " stopped after " + std::to_string(i) + " of " +
                           std::to_string(changes.size()) + " changes, at " +
                           DescribeChange(changes[i]) + " (" + retry + ")");
    }
    out << "  " << DescribeChange(changes[i]) << "\n";
  }
  return Status::OK();
}

}  // namespace

Result<SeedObjects> LoadSeedObjects(const SeedPools& pools, const std::string& snapshot_uuid,
                                    const std::string& target_vm_uuid) {
  XCR_ASSIGN_OR_RETURN(PoolCatalog src, WithContext(engine::LoadPoolCatalog(*pools.source),
                                                    "source pool " + pools.source_label));
  XCR_ASSIGN_OR_RETURN(PoolCatalog dst, WithContext(engine::LoadPoolCatalog(*pools.target),
                                                    "target pool " + pools.target_label));
  SeedObjects o;
  const VmView* snap = FindVmByUuid(src, snapshot_uuid);
  if (!snap) return NotAVm(src, snapshot_uuid, "source snapshot", pools.source_label);
  o.snapshot = *snap;
  for (const VmView& v : src.vms) {
    if (snap->is_a_snapshot && v.ref == snap->snapshot_of) o.snapshot_of = v;
  }
  const VmView* target = FindVmByUuid(dst, target_vm_uuid);
  if (!target) return NotAVm(dst, target_vm_uuid, "target VM", pools.target_label);
  o.target = *target;
  XCR_ASSIGN_OR_RETURN(xapi::VmRecord rec,
                       WithContext(xapi::GetRecord<xapi::VmRecord>(*pools.target, target->ref),
                                   "target VM " + target_vm_uuid));
  o.target_power_state = rec.power_state;
  return o;
}

Status ApplyChange(const SeedPools& pools, const Change& c) {
  xapi::Connection& conn = c.pool == Change::Pool::kSource ? *pools.source : *pools.target;
  switch (c.field) {
    case Change::Field::kOtherConfig:
      return c.after ? xapi::AddToOtherConfig(conn, c.cls, c.ref, c.key, *c.after)
                     : xapi::RemoveFromOtherConfig(conn, c.cls, c.ref, c.key);
    case Change::Field::kBlockedOperations:
      return c.after ? xapi::VmAddToBlockedOperations(conn, c.ref, c.key, *c.after)
                     : xapi::VmRemoveFromBlockedOperations(conn, c.ref, c.key);
    case Change::Field::kNameLabel:
      return xapi::VmSetNameLabel(conn, c.ref, c.after.value_or(""));
    case Change::Field::kTag:
      return conn
          .Call(c.after ? "VM.add_tags" : "VM.remove_tags",
                {xapi::Value(c.ref), xapi::Value(c.key)})
          .status();
  }
  return Status::Internal("unknown change field");
}

Result<SeedOutcome> RunSeed(const SeedPools& pools, const SeedArgs& args, std::ostream& out) {
  XCR_ASSIGN_OR_RETURN(SeedObjects objects,
                       LoadSeedObjects(pools, args.snapshot_uuid, args.target_vm_uuid));
  XCR_ASSIGN_OR_RETURN(std::vector<Change> changes, PlanSeed(objects, args.request));
  SeedOutcome outcome;
  outcome.changes = changes;
  outcome.vm_uuid = objects.snapshot_of->uuid;
  outcome.sr_uuid = objects.target.disks.front().vdi.sr_uuid;
  const std::string pair = "snapshot " + objects.snapshot.uuid + " -> VM " + objects.target.uuid;
  // An earlier record (a seed of this same pair, to be extended) is checked before anything.
  std::optional<UndoRecord> existing;
  if (std::string text = UndoValue(objects.target); !text.empty()) {
    auto decoded = DecodeUndoRecord(text);
    if (!decoded.ok()) {
      return Status::FailedPrecondition(
          "target VM " + objects.target.uuid + " has an unreadable " +
          std::string(keys::kSeedUndo) + " (" + decoded.status().message() +
          "): refusing to overwrite it; remove it by hand if it is not needed");
    }
    if (decoded->source_snapshot_uuid != objects.snapshot.uuid ||
        decoded->job_id != args.request.job_id ||
        decoded->schedule_id != args.request.schedule_id) {
      return Status::FailedPrecondition("target VM " + objects.target.uuid +
                                        " carries the undo record of another seed (snapshot " +
                                        decoded->source_snapshot_uuid + ", job '" +
                                        decoded->job_id + "' schedule '" + decoded->schedule_id +
                                        "'): undo that seed first (cr-seed --undo)");
    }
    existing = std::move(*decoded);
  }
  if (changes.empty()) {
    out << "nothing to change: " << pair << " is already seeded for job '" << args.request.job_id
        << "' schedule '" << args.request.schedule_id << "'\n";
    return outcome;
  }
  if (args.dry_run) {
    out << "dry run: seeding " << pair << " would make " << changes.size() << " change(s):\n";
    Print(out, "  ", changes);
    out << "  target VM (" << objects.target.uuid << "): other_config " << keys::kSeedUndo
        << ": the undo record of these changes\n";
    out << "dry run: nothing was changed\n";
    return outcome;
  }

  // The undo record first: even an interrupted seed can be undone.
  UndoRecord fresh{args.request.job_id, args.request.schedule_id, objects.snapshot.uuid,
                   objects.target.uuid, changes};
  UndoRecord record = MergeUndoRecord(existing, fresh);
  XCR_RETURN_IF_ERROR(xapi::AddToOtherConfig(*pools.target, "VM", objects.target.ref,
                                             std::string(keys::kSeedUndo), EncodeUndoRecord(record))
                          .WithContext("write the undo record on target VM " + objects.target.uuid +
                                       " (nothing was changed)"));
  out << "seeding " << pair << " (undo record in " << keys::kSeedUndo << " of the target VM):\n";
  XCR_RETURN_IF_ERROR(ApplyAll(pools, changes, out, "the seed",
                               "run the same command again to finish it, or with --undo to "
                               "roll it back"));
  out << "seeded: " << changes.size() << " change(s) applied\n";
  return outcome;
}

Result<SeedOutcome> RunUndo(const SeedPools& pools, const SeedArgs& args, std::ostream& out) {
  XCR_ASSIGN_OR_RETURN(PoolCatalog dst, WithContext(engine::LoadPoolCatalog(*pools.target),
                                                    "target pool " + pools.target_label));
  const VmView* target = FindVmByUuid(dst, args.target_vm_uuid);
  if (!target) return NotAVm(dst, args.target_vm_uuid, "target VM", pools.target_label);
  std::string text = UndoValue(*target);
  if (text.empty()) {
    return Status::NotFound("target VM '" + target->name_label + "' (" + target->uuid +
                            ") has no cr-seed undo record (" + std::string(keys::kSeedUndo) +
                            "): it was not seeded by cr-seed, or its seed was undone already; "
                            "nothing to undo");
  }
  XCR_ASSIGN_OR_RETURN(UndoRecord record,
                       WithContext(DecodeUndoRecord(text), "target VM " + target->uuid));
  if (record.source_snapshot_uuid != args.snapshot_uuid ||
      (!args.request.job_id.empty() && record.job_id != args.request.job_id) ||
      (!args.request.schedule_id.empty() && record.schedule_id != args.request.schedule_id)) {
    return Status::FailedPrecondition(
        "target VM " + target->uuid + " was seeded from snapshot " + record.source_snapshot_uuid +
        " for job '" + record.job_id + "' schedule '" + record.schedule_id +
        "', not from snapshot " + args.snapshot_uuid +
        (args.request.job_id.empty() ? std::string()
                                     : " for job '" + args.request.job_id + "' schedule '" +
                                           args.request.schedule_id + "'") +
        ": give those to undo it");
  }
  XCR_ASSIGN_OR_RETURN(PoolCatalog src, WithContext(engine::LoadPoolCatalog(*pools.source),
                                                    "source pool " + pools.source_label));

  std::map<std::pair<std::string, std::string>, ObjectState> states[2];
  auto index = [](const PoolCatalog& c,
                  std::map<std::pair<std::string, std::string>, ObjectState>& m) {
    for (const VmView& v : c.vms) m[{"VM", v.uuid}] = StateOf(v);
    for (const VdiView& v : c.vdis) m[{"VDI", v.uuid}] = StateOf(v);
  };
  index(src, states[0]);
  index(dst, states[1]);
  auto lookup = [&](Change::Pool pool, const std::string& cls,
                    const std::string& uuid) -> const ObjectState* {
    auto& m = states[pool == Change::Pool::kSource ? 0 : 1];
    auto it = m.find({cls, uuid});
    return it == m.end() ? nullptr : &it->second;
  };
  XCR_ASSIGN_OR_RETURN(UndoPlan plan, PlanUndo(record, lookup));

  SeedOutcome outcome;
  outcome.changes = plan.changes;
  for (const std::string& g : plan.gone) {
    out << "note: " << g << " no longer exists; nothing to restore on it\n";
  }
  if (args.dry_run) {
    out << "dry run: undoing the seed of VM " << target->uuid << " would make "
        << plan.changes.size() << " change(s):\n";
    Print(out, "  ", plan.changes);
    out << "  target VM (" << target->uuid << "): other_config " << keys::kSeedUndo
        << ": removed\n";
    out << "dry run: nothing was changed\n";
    return outcome;
  }
  out << "undoing the seed of VM " << target->uuid << ":\n";
  XCR_RETURN_IF_ERROR(
      ApplyAll(pools, plan.changes, out, "the undo", "run the same command again to finish it"));
  XCR_RETURN_IF_ERROR(
      xapi::RemoveFromOtherConfig(*pools.target, "VM", target->ref, std::string(keys::kSeedUndo))
          .WithContext("remove the undo record of target VM " + target->uuid));
  out << "undone: " << plan.changes.size() << " change(s) restored, undo record removed\n";
  return outcome;
}

}  // namespace xcr::seed
