#include "engine/vm_replicator.h"

#include <algorithm>
#include <memory>

#include "base/logging.h"
#include "engine/error_advice.h"
#include "engine/leftovers.h"
#include "engine/other_config_keys.h"
#include "engine/retention.h"
#include "engine/run_id.h"
#include "engine/vm_run_state.h"
#include "xapi/api.h"

namespace xcr::engine {
namespace {

// The chain length of a replica whose base is the snapshot `base`: one more than the base's.
int ChainLength(const VmView* base) {
  if (!base) return 0;
  std::string_view s = ConfigValue(base->other_config, keys::kDeltaChainLength);
  int n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return 1;
    n = n * 10 + (c - '0');
  }
  return n + 1;
}

// The names of the SRs the VM's disks are on, for messages: "a', 'b" (Advise quotes it whole).
std::string SrNames(const PoolCatalog& catalog, const VmView& vm) {
  std::vector<std::string> seen;
  for (const DiskView& d : vm.disks) {
    auto it = catalog.sr_names.find(d.vdi.sr_uuid);
    std::string name = it == catalog.sr_names.end() ? d.vdi.sr_uuid : it->second;
    if (!name.empty() && std::find(seen.begin(), seen.end(), name) == seen.end()) {
      seen.push_back(name);
    }
  }
  std::string names;
  for (const std::string& n : seen) names += (names.empty() ? "" : "', '") + n;
  return names;
}

}  // namespace

VmReplicator::VmReplicator(xapi::Connection* source, std::vector<TargetSpec> targets,
                           ReplicationOptions options, TaskLog* log)
    : source_(source),
      targets_(std::move(targets)),
      options_(std::move(options)),
      log_(log),
      env_(options_.env ? options_.env : Env::Default()),
      pipe_(options_.pipe ? options_.pipe : DiskPipe(xapi::PipeVdi)) {}

VmOutcome VmReplicator::Run(const std::string& vm_id, TaskId parent) {
  RunState run;
  run.vm_id = vm_id;
  run.out.vm_name = vm_id;  // as given, until the VM is found
  run.source_pool = source_->master_url();
  run.vm_task = log_->Begin(parent, "VM " + vm_id);

  Status s = Check(run);
  if (s.ok()) {  // what earlier runs of this job and VM left (leftovers.h): a warning, not fatal
    HealRunLeftovers(*source_, run.vm.ref, targets_, run.id, log_, run.vm_task, &run.out.warnings)
        .ok();
  }
  if (s.ok()) s = ResolveTargets(run);
  if (s.ok()) s = CheckCancel(run);
  if (s.ok()) s = Snapshot(run);
  if (s.ok()) {
    ChooseBase(run);
    s = CheckCancel(run);
    // Nothing was copied from the snapshot: it can never be a base, delete it.
    if (!s.ok()) DestroySourceSnapshot(*source_, run.source->snapshot).ok();
  }
  if (s.ok()) s = PrepareWriters(run);
  if (s.ok()) {
    Transfer(run);
    s = FinishWriters(run);
  }
  if (s.ok()) s = MarkExported(run);
  if (!s.ok()) {
    run.out.status = log_->End(run.vm_task, s);
    if (run.writers) run.out.targets = run.writers->TakeOutcomes();
    return std::move(run.out);
  }
  Retention(run);

  size_t succeeded = 0;
  for (const TargetOutcome& o : run.writers->outcomes()) succeeded += o.status.ok() ? 1 : 0;
  std::string warning;
  if (succeeded < run.writers->outcomes().size()) {
    warning = std::to_string(run.writers->outcomes().size() - succeeded) + " target(s) failed";
  }
  for (const std::string& w : run.out.warnings) warning += (warning.empty() ? "" : "; ") + w;
  if (!warning.empty()) log_->SetData(run.vm_task, "warning", warning);
  run.out.status = log_->End(run.vm_task, Status::OK());
  run.out.targets = run.writers->TakeOutcomes();
  return std::move(run.out);
}

Status VmReplicator::Check(RunState& run) {
  xapi::Connection& src = *source_;
  XCR_RETURN_IF_ERROR(CheckRunIds(options_.job_id, options_.schedule_id));
  auto catalog = LoadPoolCatalog(src);
  if (!catalog.ok()) {
    return Advise(catalog.status(), {.pool = run.source_pool, .operation = "listing its VMs"});
  }
  run.catalog = std::move(*catalog);
  auto found = run.catalog->FindVm(run.vm_id);
  if (!found.ok()) return found.status().WithContext("source pool '" + run.source_pool + "'");
  run.vm = **found;
  const VmView& vm = run.vm;
  run.out.vm_uuid = vm.uuid;
  run.out.vm_name = vm.name_label;
  if (!vm.name_label.empty()) log_->SetLabel(run.vm_task, "VM " + vm.name_label);
  log_->SetData(run.vm_task, "uuid", vm.uuid);
  if (ConfigValue(vm.other_config, keys::kJob) == options_.job_id &&
      vm.blocked_operations.count("start")) {
    return Status::FailedPrecondition("VM '" + vm.name_label + "' is a replica made by job " +
                                      options_.job_id + ": it cannot be replicated by it");
  }
  auto record = xapi::GetRecord<xapi::VmRecord>(src, vm.ref);
  if (!record.ok()) {
    return Advise(
        record.status(),
        {.pool = run.source_pool, .vm = vm.name_label, .operation = "reading the VM's record"});
  }
  for (const auto& [task, op] : record->current_operations) {
    if (op.find("migrate") != std::string::npos) {
      return Status::FailedPrecondition("VM '" + vm.name_label +
                                        "' is being migrated: try again when it is done");
    }
  }

  // One run of a VM at a time, across processes and machines; released when Run returns.
  XCR_ASSIGN_OR_RETURN(std::unique_ptr<RunLease> lease,
                       AcquireVmLease(src, vm.ref, vm.name_label, options_.job_id, env_));
  run.keeper = std::make_unique<LeaseKeeper>(std::move(lease), options_.cancel);

  run.id.job_id = options_.job_id;
  run.id.schedule_id = options_.schedule_id;
  run.id.job_name = options_.job_name;
  run.id.vm_uuid = vm.uuid;
  run.id.vm_name = vm.name_label;
  run.id.run_unix_seconds = env_->NowUnixMicros() / 1000000;
  return Status::OK();
}

Status VmReplicator::CheckCancel(RunState& run) {
  Status lost = run.keeper ? run.keeper->lost_status() : Status::OK();
  if (!lost.ok()) return lost;
  if (!options_.cancel || !options_.cancel->load()) return Status::OK();
  return Status::Cancelled(options_.cancel_reason ? options_.cancel_reason() : "cancelled");
}

Status VmReplicator::ResolveTargets(RunState& run) {
  run.writers.emplace(targets_, run.id);
  if (run.writers->size() == 0) return Status::Unavailable("no target SR could be used");
  // Datetimes order a chain's snapshots and replicas; keep them strictly increasing even when
  // runs follow each other within a second (or the clock stepped back).
  run.id.run_unix_seconds =
      NextRunTime(run.id.run_unix_seconds, options_.job_id, run.vm.uuid,
                  run.catalog->SnapshotsOf(run.vm.ref), run.writers->Inventories());
  run.writers->SetRunTime(run.id.run_unix_seconds);
  return Status::OK();
}

Status VmReplicator::Snapshot(RunState& run) {
  // [NOBAK] disks are left out; the snapshot and its disks are tagged.
  TaskId task = log_->Begin(run.vm_task, "snapshot");
  auto taken = TakeSourceSnapshot(*source_, run.vm, run.id);
  if (!taken.ok()) {
    log_->Fail(task, taken.status());
    return Advise(taken.status(), {.pool = run.source_pool,
                                   .sr = SrNames(*run.catalog, run.vm),
                                   .vm = run.vm.name_label,
                                   .operation = "snapshot"});
  }
  run.source = std::move(*taken);
  run.out.snapshot_uuid = run.source->snapshot.uuid;
  log_->SetData(task, "uuid", run.source->snapshot.uuid);
  log_->Succeed(task);
  return Status::OK();
}

void VmReplicator::ChooseBase(RunState& run) {
  // Among snapshots exported earlier; the new one is not exported yet.
  run.current = run.vm;
  run.current.disks = run.source->current;
  run.inventories = run.writers->Inventories();
  run.plan = engine::ChooseBase(options_.job_id, run.current, run.source->all, run.inventories);
  if (run.source->current.empty() && !run.vm.disks.empty()) {
    run.plan.note = "no disk: every disk of the VM is [NOBAK] (left out of replication)";
  }
  run.out.base_note = run.plan.note;
  log_->SetData(run.vm_task, "base", run.plan.note);
  run.chain = ChainLength(run.plan.base_snapshot);
}

Status VmReplicator::PrepareWriters(RunState& run) {
  xapi::Connection& src = *source_;
  const ErrorContext reading{.pool = run.source_pool,
                             .vm = run.vm.name_label,
                             .operation = "reading the snapshot's settings"};
  auto snapshot_record = xapi::GetRecord<xapi::VmRecord>(src, run.source->snapshot.ref);
  if (!snapshot_record.ok()) return Advise(snapshot_record.status(), reading);
  run.snapshot_record = std::move(*snapshot_record);
  for (const std::string& vif_ref : run.snapshot_record.VIFs) {
    auto vif = xapi::GetRecord<xapi::VifRecord>(src, vif_ref);
    if (!vif.ok()) return Advise(vif.status(), reading);
    auto net = xapi::GetRecord<xapi::NetworkRecord>(src, vif->network);
    if (!net.ok()) return Advise(net.status(), reading);
    run.vifs.emplace_back(std::move(*vif), std::move(*net));
  }
  const std::vector<DiskView>& disks = run.source->current;
  WriterSet& writers = *run.writers;
  for (size_t w = 0; w < writers.size(); ++w) {
    std::vector<SourceDisk> sd;
    for (size_t i = 0; i < disks.size(); ++i) {
      SourceDisk d;
      d.userdevice = disks[i].userdevice;
      d.bootable = disks[i].bootable;
      d.snapshot_vdi = run.source->disks[i].vdi;  // the disk's image in the new snapshot
      if (run.plan.disks[i].is_delta()) d.target_base = run.plan.disks[i].target_bases[w];
      sd.push_back(std::move(d));
    }
    ReplicaWriter& writer = writers.writer(w);
    TaskId t = log_->Begin(run.vm_task, "prepare replica on " + writer.task_label());
    Status s =
        writer.Prepare(run.snapshot_record.raw, run.source->snapshot.uuid, sd, run.vifs, run.chain);
    log_->Fail(t, s);
    if (!s.ok()) writers.Drop(w, s, "preparing the replica on SR '" + writer.sr_name() + "'");
  }
  return Status::OK();
}

Status VmReplicator::FinishWriters(RunState& run) {
  WriterSet& writers = *run.writers;
  for (size_t w = 0; w < writers.size(); ++w) {
    if (!writers.live(w)) continue;
    auto uuid = writers.writer(w).Finish();
    if (!uuid.ok()) {
      writers.Drop(w, uuid.status(),
                   "finishing the replica on SR '" + writers.writer(w).sr_name() + "'");
      continue;
    }
    writers.Complete(w, *uuid);
  }
  if (writers.live_count() > 0) return Status::OK();
  // Nothing was replicated from this snapshot: it can never be a base, delete it.
  DestroySourceSnapshot(*source_, run.source->snapshot).ok();
  return Status::Unavailable("every target failed: " + writers.FailureSummary());
}

Status VmReplicator::MarkExported(RunState& run) {
  // From now on the snapshot is the base of the next delta.
  return Advise(MarkSnapshotExported(*source_, *run.source, run.chain),
                {.pool = run.source_pool,
                 .vm = run.vm.name_label,
                 .operation = "marking the snapshot exported"});
}

void VmReplicator::Retention(RunState& run) {
  // Replicas per target, then source snapshots (never the new base).
  TaskId task = log_->Begin(run.vm_task, "retention");
  Status retention;
  WriterSet& writers = *run.writers;
  for (size_t w = 0; w < writers.size() && retention.ok(); ++w) {
    if (!writers.live(w)) continue;
    auto n = writers.writer(w).ApplyRetention(options_.copy_retention);
    if (!n.ok()) retention = n.status();
  }
  if (retention.ok()) {
    auto now = LoadPoolCatalog(*source_);
    if (!now.ok()) {
      retention = now.status();
    } else {
      std::vector<VmView> mine = now->SnapshotsOf(run.vm.ref);
      for (const VmView* s :
           PlanSnapshotPruning(mine, options_.job_id, options_.schedule_id, run.vm.uuid,
                               options_.snapshot_retention, run.source->snapshot.ref)) {
        retention = DestroySourceSnapshot(*source_, *s);
        if (!retention.ok()) break;
      }
    }
  }
  log_->Fail(task, retention);
  if (!retention.ok()) {
    XCR_LOG(WARN) << "VM '" << run.vm.name_label << "': retention failed: " << retention.ToString();
    run.out.warnings.push_back("cleanup failed: " + retention.message());
  }
}

}  // namespace xcr::engine
