#include "engine/vm_replicator.h"

#include <algorithm>
#include <memory>
#include <thread>

#include "base/logging.h"
#include "engine/backup_datetime.h"
#include "engine/base_selection.h"
#include "engine/content_digest.h"
#include "engine/error_advice.h"
#include "engine/other_config_keys.h"
#include "engine/pool_catalog.h"
#include "engine/replica_metadata.h"
#include "engine/retention.h"
#include "engine/run_id.h"
#include "engine/run_lease.h"
#include "engine/source_snapshot.h"
#include "xapi/api.h"

namespace xcr::engine {
namespace {

// Sets `flag` when the external cancel flag is set or the deadline passes; stops on destruction.
class Watchdog {
 public:
  Watchdog(Env* env, const std::atomic<bool>* external, uint64_t timeout_us,
           std::atomic<bool>* flag)
      : flag_(flag) {
    if (!external && timeout_us == 0) return;
    uint64_t deadline = timeout_us ? env->NowMicros() + timeout_us : 0;
    thread_ = std::thread([=, this] {
      while (!stop_.load()) {
        if ((external && external->load()) || (deadline && env->NowMicros() >= deadline)) {
          timed_out_ = deadline && env->NowMicros() >= deadline;
          flag_->store(true);
          return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    });
  }
  ~Watchdog() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
  }
  bool timed_out() const { return timed_out_.load(); }

 private:
  std::atomic<bool>* flag_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> timed_out_{false};
  std::thread thread_;
};

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

// "SR-NAME (pool host)" for progress lines.
// The pool a writer writes to, without the scheme: "dr-master" or "10.0.0.2:443".
std::string PoolHost(const ReplicaWriter& w) {
  std::string pool = w.pool_label();
  size_t scheme = pool.find("://");
  return scheme == std::string::npos ? pool : pool.substr(scheme + 3);
}

// "fast-nvme (dr-master)": names the target in progress rows.
std::string TargetLabel(const ReplicaWriter& w) { return w.sr_name() + " (" + PoolHost(w) + ")"; }

// "SR 'fast-nvme' (dr-master)": names the target in the task tree, where two pools may have SRs
// of the same name.
std::string TaskTarget(const ReplicaWriter& w) {
  return "SR '" + w.sr_name() + "' (" + PoolHost(w) + ")";
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
      env_(options_.env ? options_.env : Env::Default()) {}

VmOutcome VmReplicator::Run(const std::string& vm_id, TaskId parent) {
  VmOutcome out;
  out.vm_name = vm_id;  // as given, until the VM is found
  xapi::Connection& src = *source_;
  std::string source_pool = src.master_url();
  TaskId vm_task = log_->Begin(parent, "VM " + vm_id);
  auto fail = [&](Status s) {
    out.status = log_->End(vm_task, s);
    return out;
  };

  // Check.
  if (Status ids = CheckRunIds(options_.job_id, options_.schedule_id); !ids.ok()) return fail(ids);
  auto catalog = LoadPoolCatalog(src);
  if (!catalog.ok()) {
    return fail(Advise(catalog.status(), {.pool = source_pool, .operation = "listing its VMs"}));
  }
  auto found = catalog->FindVm(vm_id);
  if (!found.ok()) return fail(found.status().WithContext("source pool '" + source_pool + "'"));
  const VmView vm = **found;
  out.vm_uuid = vm.uuid;
  out.vm_name = vm.name_label;
  log_->SetData(vm_task, "uuid", vm.uuid);
  if (ConfigValue(vm.other_config, keys::kJob) == options_.job_id &&
      vm.blocked_operations.count("start")) {
    return fail(Status::FailedPrecondition("VM '" + vm.name_label + "' is a replica made by job " +
                                           options_.job_id + ": it cannot be replicated by it"));
  }
  auto vm_record = xapi::GetRecord<xapi::VmRecord>(src, vm.ref);
  if (!vm_record.ok()) {
    return fail(
        Advise(vm_record.status(),
               {.pool = source_pool, .vm = vm.name_label, .operation = "reading the VM's record"}));
  }
  for (const auto& [task, op] : vm_record->current_operations) {
    if (op.find("migrate") != std::string::npos) {
      return fail(Status::FailedPrecondition("VM '" + vm.name_label +
                                             "' is being migrated: try again when it is done"));
    }
  }

  // One run of a VM at a time, across processes and machines; released when Run returns.
  auto lease = AcquireVmLease(src, vm.ref, vm.name_label, options_.job_id, env_);
  if (!lease.ok()) return fail(lease.status());
  LeaseKeeper keeper(std::move(*lease), options_.cancel);

  RunIdentity id;
  id.job_id = options_.job_id;
  id.schedule_id = options_.schedule_id;
  id.job_name = options_.job_name;
  id.vm_uuid = vm.uuid;
  id.vm_name = vm.name_label;
  id.run_unix_seconds = env_->NowUnixMicros() / 1000000;

  // Resolve targets.
  std::vector<std::unique_ptr<ReplicaWriter>> writers;
  std::vector<size_t> writer_target;  // index into out.targets
  for (const TargetSpec& t : targets_) {
    auto w = std::make_unique<ReplicaWriter>(t, id);
    TargetOutcome o;
    o.pool = w->pool_label();
    o.sr = t.sr;
    Status s = w->Resolve();
    if (!s.ok()) {
      o.status = Advise(s, {.pool = o.pool, .sr = t.sr, .target = true});
      XCR_LOG(WARN) << "target dropped: " << o.status.ToString();
    } else {
      o.sr = w->sr_name();
      writer_target.push_back(out.targets.size());
      writers.push_back(std::move(w));
    }
    out.targets.push_back(std::move(o));
  }
  if (writers.empty()) return fail(Status::Unavailable("no target SR could be used"));
  // Datetimes order a chain's snapshots and replicas; keep them strictly increasing even when
  // runs follow each other within a second (or the clock stepped back).
  {
    std::vector<TargetInventory> invs;
    for (const auto& w : writers) invs.push_back(w->inventory());
    id.run_unix_seconds = NextRunTime(id.run_unix_seconds, options_.job_id, vm.uuid,
                                      catalog->SnapshotsOf(vm.ref), invs);
    for (auto& w : writers) w->set_run_time(id.run_unix_seconds);
  }

  // Snapshot ([NOBAK] disks left out), then tag it and its disks.
  TaskId snap_task = log_->Begin(vm_task, "snapshot");
  auto taken = TakeSourceSnapshot(src, vm, id);
  if (!taken.ok()) {
    log_->Fail(snap_task, taken.status());
    return fail(Advise(taken.status(), {.pool = source_pool,
                                        .sr = SrNames(*catalog, vm),
                                        .vm = vm.name_label,
                                        .operation = "snapshot"}));
  }
  const SourceSnapshot& source = *taken;
  const VmView* snap = &source.snapshot;
  const std::vector<DiskView>& disks = source.current;
  out.snapshot_uuid = snap->uuid;
  log_->SetData(snap_task, "uuid", snap->uuid);
  log_->Succeed(snap_task);

  // Choose the base (among snapshots exported earlier; the new one is not exported yet).
  VmView current = vm;
  current.disks = disks;
  std::vector<TargetInventory> inventories;
  for (const auto& w : writers) inventories.push_back(w->inventory());
  BasePlan plan = ChooseBase(options_.job_id, current, source.all, inventories);
  if (disks.empty() && !vm.disks.empty()) {
    plan.note = "no disk: every disk of the VM is [NOBAK] (left out of replication)";
  }
  out.base_note = plan.note;
  log_->SetData(vm_task, "base", plan.note);
  int chain = ChainLength(plan.base_snapshot);

  // Each current disk's image in the new snapshot (same order).
  std::vector<const DiskView*> snap_disks;
  for (const DiskView& d : source.disks) snap_disks.push_back(&d);

  // Prepare writers.
  auto snap_record = xapi::GetRecord<xapi::VmRecord>(src, snap->ref);
  const ErrorContext reading{
      .pool = source_pool, .vm = vm.name_label, .operation = "reading the snapshot's settings"};
  if (!snap_record.ok()) return fail(Advise(snap_record.status(), reading));
  std::vector<std::pair<xapi::VifRecord, xapi::NetworkRecord>> vifs;
  for (const std::string& vif_ref : snap_record->VIFs) {
    auto vif = xapi::GetRecord<xapi::VifRecord>(src, vif_ref);
    if (!vif.ok()) return fail(Advise(vif.status(), reading));
    auto net = xapi::GetRecord<xapi::NetworkRecord>(src, vif->network);
    if (!net.ok()) return fail(Advise(net.status(), reading));
    vifs.emplace_back(std::move(*vif), std::move(*net));
  }
  std::vector<bool> alive(writers.size(), true);
  auto drop = [&](size_t w, const Status& s, const std::string& step) {
    TargetOutcome& o = out.targets[writer_target[w]];
    o.status = Advise(
        s, {.pool = o.pool, .sr = o.sr, .vm = vm.name_label, .operation = step, .target = true});
    XCR_LOG(WARN) << "VM '" << vm.name_label << "': target dropped: " << o.status.ToString();
    writers[w]->Abort().ok();
    alive[w] = false;
  };
  for (size_t w = 0; w < writers.size(); ++w) {
    std::vector<SourceDisk> sd;
    for (size_t i = 0; i < disks.size(); ++i) {
      SourceDisk d;
      d.userdevice = disks[i].userdevice;
      d.bootable = disks[i].bootable;
      d.snapshot_vdi = snap_disks[i]->vdi;
      if (plan.disks[i].is_delta()) d.target_base = plan.disks[i].target_bases[w];
      sd.push_back(std::move(d));
    }
    TaskId t = log_->Begin(vm_task, "prepare replica on " + TaskTarget(*writers[w]));
    Status s = writers[w]->Prepare(snap_record->raw, snap->uuid, sd, vifs, chain);
    log_->Fail(t, s);
    if (!s.ok()) drop(w, s, "preparing the replica on SR '" + writers[w]->sr_name() + "'");
  }

  // Transfer each disk once, fanned out to the live writers.
  std::atomic<bool> cancel{false};
  Watchdog watchdog(env_, keeper.cancel_flag(), options_.vm_timeout_micros, &cancel);
  for (size_t i = 0; i < disks.size(); ++i) {
    std::vector<xapi::PipeTarget> pipe;
    std::vector<size_t> pipe_writer;
    for (size_t w = 0; w < writers.size(); ++w) {
      if (!alive[w]) continue;
      pipe.push_back({writers[w]->conn(), writers[w]->disk_vdi(i), TargetLabel(*writers[w])});
      pipe_writer.push_back(w);
    }
    if (pipe.empty()) break;
    const DiskBase& db = plan.disks[i];
    std::string label = vm.name_label + " disk " + disks[i].userdevice;
    TaskId t = log_->Begin(vm_task, std::string(db.is_delta() ? "delta" : "full") +
                                        " export of disk " + disks[i].userdevice);
    log_->SetData(t, "mode", db.is_delta() ? "delta" : "full");
    if (!db.is_delta()) log_->SetData(t, "reason", db.full_reason);
    // The digest of what streams, computed on the pipe's observer thread as it passes.
    ContentDigestSink digest;
    xapi::TransferOptions topt;
    topt.observer = &digest;
    topt.cancel = &cancel;
    topt.max_bytes_per_sec = options_.max_bytes_per_sec;
    if (options_.on_progress) {
      topt.progress = [&, label](const xapi::TransferProgress& p) {
        options_.on_progress(label, p);
      };
    }
    // One step per target, running while the disk streams (its duration and rate are the pipe's).
    std::vector<TaskId> target_tasks;
    for (size_t k = 0; k < pipe.size(); ++k) {
      target_tasks.push_back(log_->Begin(t, "transfer to " + TaskTarget(*writers[pipe_writer[k]])));
    }
    xapi::PipeResult r = xapi::PipeVdi(src, snap_disks[i]->vdi.ref,
                                       db.is_delta() ? db.base->ref : std::string(), pipe, topt);
    log_->AddBytes(t, r.bytes);
    out.bytes += r.bytes;
    if (db.is_delta()) out.delta = true;
    Status source_status = r.source;
    if (!source_status.ok() && cancel.load()) {
      source_status = watchdog.timed_out()
                          ? Status::Timeout("the VM did not finish within its timeout")
                      : keeper.lost_status().ok() ? Status::Cancelled("cancelled")
                                                  : keeper.lost_status();
    }
    std::string_view scope = db.is_delta() ? keys::kDigestScopeDelta : keys::kDigestScopeFull;
    // A failure of the export is the source's (named so, not blamed on the targets); an export
    // stopped because every target had failed first is each target's own failure.
    const bool source_failed = !source_status.ok() && !(r.stopped_by_targets && !cancel.load());
    Status source_advised =
        Advise(source_status, {.pool = source_pool,
                               .vm = vm.name_label,
                               .operation = "export of disk " + disks[i].userdevice});
    if (source_status.ok()) {
      log_->SetData(t, "digest", digest.Tagged());
      log_->SetData(t, "digest_scope", std::string(scope));
    }
    for (size_t k = 0; k < pipe.size(); ++k) {
      Status s = source_failed ? SourceFailedForTarget(source_advised) : r.targets[k];
      if (s.ok()) writers[pipe_writer[k]]->SetDiskDigest(i, digest.Tagged(), scope);
      TaskId tt = target_tasks[k];
      log_->AddBytes(tt, s.ok() ? r.bytes : 0);
      log_->Fail(tt, s);
      if (!s.ok()) {
        drop(pipe_writer[k], s,
             "import of disk " + disks[i].userdevice + " to SR '" +
                 writers[pipe_writer[k]]->sr_name() + "'");
      }
    }
    log_->Fail(t, source_failed ? source_advised : source_status);
    if (!source_status.ok()) break;
  }

  // Finish the writers that are left.
  size_t succeeded = 0;
  for (size_t w = 0; w < writers.size(); ++w) {
    if (!alive[w]) continue;
    auto uuid = writers[w]->Finish();
    if (!uuid.ok()) {
      drop(w, uuid.status(), "finishing the replica on SR '" + writers[w]->sr_name() + "'");
      continue;
    }
    out.targets[writer_target[w]].replica_uuid = *uuid;
    ++succeeded;
  }
  if (succeeded == 0) {
    // Nothing was replicated from this snapshot: it can never be a base, delete it.
    DestroySourceSnapshot(src, *snap).ok();
    std::string why;
    for (const TargetOutcome& o : out.targets) {
      if (!o.status.ok()) why += (why.empty() ? "" : "; ") + o.status.message();
    }
    return fail(Status::Unavailable("every target failed: " + why));
  }

  // Mark the snapshot exported: from now on it is the base of the next delta.
  Status marked = MarkSnapshotExported(src, source, chain);
  if (!marked.ok()) {
    return fail(Advise(
        marked,
        {.pool = source_pool, .vm = vm.name_label, .operation = "marking the snapshot exported"}));
  }

  // Retention: replicas per target, then source snapshots (never the new base).
  TaskId ret = log_->Begin(vm_task, "retention");
  Status retention;
  for (size_t w = 0; w < writers.size() && retention.ok(); ++w) {
    if (!alive[w]) continue;
    auto n = writers[w]->ApplyRetention(options_.copy_retention);
    if (!n.ok()) retention = n.status();
  }
  if (retention.ok()) {
    auto now = LoadPoolCatalog(src);
    if (!now.ok()) {
      retention = now.status();
    } else {
      std::vector<VmView> mine = now->SnapshotsOf(vm.ref);
      for (const VmView* s : PlanSnapshotPruning(mine, options_.job_id, options_.schedule_id,
                                                 vm.uuid, options_.snapshot_retention, snap->ref)) {
        retention = DestroySourceSnapshot(src, *s);
        if (!retention.ok()) break;
      }
    }
  }
  log_->Fail(ret, retention);
  if (!retention.ok()) {
    XCR_LOG(WARN) << "VM '" << vm.name_label << "': retention failed: " << retention.ToString();
  }

  if (succeeded < out.targets.size()) {
    log_->SetData(vm_task, "warning",
                  std::to_string(out.targets.size() - succeeded) + " target(s) failed");
  }
  out.status = log_->End(vm_task, Status::OK());
  return out;
}

}  // namespace xcr::engine
