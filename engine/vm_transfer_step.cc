// VmReplicator's transfer step: each disk of the snapshot exported once and fanned out to the
// import targets the live writers hand out; each writer takes its import's result back.
#include "base/logging.h"
#include "engine/content_digest.h"
#include "engine/error_advice.h"
#include "engine/other_config_keys.h"
#include "engine/vm_replicator.h"
#include "engine/vm_run_state.h"
#include "xapi/disk_transfer.h"

namespace xcr::engine {

void VmReplicator::Transfer(RunState& run) {
  run.watchdog = std::make_unique<VmWatchdog>(env_, run.keeper->cancel_flag(),
                                              options_.vm_timeout_micros, &run.cancel);
  for (size_t i = 0; i < run.source->current.size(); ++i) {
    if (run.writers->live_count() == 0) break;
    if (!TransferDisk(run, i).ok()) break;
  }
}

Status VmReplicator::TransferDisk(RunState& run, size_t disk) {
  WriterSet& writers = *run.writers;
  std::vector<xapi::PipeTarget> pipe;
  std::vector<size_t> pipe_writer;  // per pipe target: its writer
  for (size_t w = 0; w < writers.size(); ++w) {
    if (!writers.live(w)) continue;
    pipe.push_back(writers.writer(w).ImportTarget(disk));
    pipe_writer.push_back(w);
  }
  const DiskBase& db = run.plan.disks[disk];
  const std::string& userdevice = run.source->current[disk].userdevice;
  std::string label = run.vm.name_label + " disk " + userdevice;
  TaskId t = log_->Begin(
      run.vm_task, std::string(db.is_delta() ? "delta" : "full") + " export of disk " + userdevice);
  log_->SetData(t, "mode", db.is_delta() ? "delta" : "full");
  if (!db.is_delta()) log_->SetData(t, "reason", db.full_reason);
  // The digest of what streams, computed on the pipe's observer thread as it passes.
  ContentDigestSink digest;
  xapi::TransferOptions topt;
  topt.observer = &digest;
  topt.cancel = &run.cancel;
  topt.max_bytes_per_sec = options_.max_bytes_per_sec;
  topt.env = env_;
  // One step per target, running while the disk streams (its duration and rate are the pipe's).
  std::vector<TaskId> target_tasks;
  for (size_t w : pipe_writer) {
    target_tasks.push_back(log_->Begin(t, "transfer to " + writers.writer(w).task_label()));
  }
  topt.progress = [this, label, t, &target_tasks](const xapi::TransferProgress& p) {
    // Live counts while the disk streams, with the stream's size once its header and BAT gave
    // it (each target takes the whole stream).
    log_->SetProgress(t, p.bytes, p.total);
    for (size_t k = 0; k < p.targets.size() && k < target_tasks.size(); ++k) {
      log_->SetProgress(target_tasks[k], p.targets[k].bytes, p.total);
    }
    if (options_.on_task_progress) options_.on_task_progress(t, p);
    if (options_.on_progress) options_.on_progress(label, p);
  };
  xapi::PipeResult r = pipe_(*source_, run.source->disks[disk].vdi.ref,
                             db.is_delta() ? db.base->ref : std::string(), pipe, topt);
  log_->SetBytes(t, r.bytes);
  run.out.bytes += r.bytes;
  if (db.is_delta()) run.out.delta = true;
  Status source_status = r.source;
  if (!source_status.ok() && run.cancel.load()) {
    Status lost = run.keeper->lost_status();
    source_status =
        run.watchdog->timed_out() ? Status::Timeout("the VM did not finish within its timeout")
        : lost.ok()
            ? Status::Cancelled(options_.cancel_reason ? options_.cancel_reason() : "cancelled")
            : lost;
  }
  std::string_view scope = db.is_delta() ? keys::kDigestScopeDelta : keys::kDigestScopeFull;
  // A failure of the export is the source's (named so, not blamed on the targets); an export
  // stopped because every target had failed first is each target's own failure.
  const bool source_failed = !source_status.ok() && !(r.stopped_by_targets && !run.cancel.load());
  Status source_advised = Advise(source_status, {.pool = run.source_pool,
                                                 .vm = run.vm.name_label,
                                                 .operation = "export of disk " + userdevice});
  if (source_status.ok()) {
    log_->SetData(t, "digest", digest.Tagged());
    log_->SetData(t, "digest_scope", std::string(scope));
  }
  for (size_t k = 0; k < pipe.size(); ++k) {
    ReplicaWriter& writer = writers.writer(pipe_writer[k]);
    ImportResult result;
    result.status = source_failed ? SourceFailedForTarget(source_advised) : r.targets[k];
    if (result.status.ok()) {
      result.digest = digest.Tagged();
      result.digest_scope = std::string(scope);
    }
    Status s = writer.TakeImportResult(disk, std::move(result));
    log_->SetBytes(target_tasks[k], s.ok() ? r.bytes : 0);
    log_->Fail(target_tasks[k], s);
    if (!s.ok()) {
      writers.Drop(pipe_writer[k], s,
                   "import of disk " + userdevice + " to SR '" + writer.sr_name() + "'");
    }
  }
  log_->Fail(t, source_failed ? source_advised : source_status);
  return source_status;
}

}  // namespace xcr::engine
