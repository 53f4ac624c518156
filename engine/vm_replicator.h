// VmReplicator: one replication run of one VM to one or more target SRs (Xen Orchestra's "VM
// runner"), as sequential code on the calling thread:
//
//   Check ──> Resolve targets ──> Snapshot ──> Choose base ──> Prepare writers
//     │            │ (failing targets dropped)                      │
//     │            ▼                                                ▼
//     │     all targets failed ──────────────────────────┐   Transfer each disk once, fanned
//     ▼                                                  │   out to every live writer (a failing
//   refused (a replica, a template, migrating)           │   writer is aborted and dropped)
//                                                        ▼          │
//                                  drop the new snapshot, fail <────┤ none left
//                                                                   ▼
//                                    Finish writers ──> Mark snapshot exported ──> Retention
//
// Each step is a method of its own (Check, ResolveTargets, Snapshot, ChooseBase, PrepareWriters,
// Transfer, FinishWriters, MarkExported, Retention) working on the run's state (vm_run_state.h);
// the writers of the targets and their outcomes are a WriterSet (writer_set.h), the cancel and
// timeout watch a VmWatchdog (vm_watchdog.h), the fan-out of one disk to the writers
// vm_transfer_step.cc.
//
// Each disk's content digest (content_digest.h) is computed as it streams and recorded on the
// export step of the log ("digest", "digest_scope": full or delta) and on every replica disk it
// reached (keys::kContentDigest, kContentDigestScope).
// The VM fails only when every target failed; otherwise the result lists each target's outcome.
// Cancellation (options.cancel) is checked at the step boundaries before the snapshot and before
// the writers prepare (a snapshot already taken is deleted again; the VM fails kCancelled), and
// stops transfers, as the per-VM timeout does; what was prepared is aborted, so nothing that
// looks complete is left behind.
// The disk transfer is options.pipe (xapi::PipeVdi by default): the engine's unit tests put an
// in-memory stand-in there and drive every step against a fake pool (tests/engine/fake_pool.h).
// Thread-safety: a VmReplicator runs one VM at a time; use one per worker thread.
#ifndef XCR_ENGINE_VM_REPLICATOR_H_
#define XCR_ENGINE_VM_REPLICATOR_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/env.h"
#include "base/status.h"
#include "engine/replica_writer.h"
#include "engine/task_log.h"
#include "engine/writer_set.h"
#include "xapi/connection.h"
#include "xapi/disk_transfer.h"

namespace xcr::engine {

// Moves one disk: exports `vdi` (against `base` if not empty) and imports it onto each target;
// xapi::PipeVdi's contract.
using DiskPipe = std::function<xapi::PipeResult(
    xapi::Connection& source, const std::string& vdi, const std::string& base,
    const std::vector<xapi::PipeTarget>& targets, const xapi::TransferOptions& options)>;

struct ReplicationOptions {
  std::string job_id;              // required
  std::string schedule_id;         // required
  std::string job_name;            // for names and messages; defaults to job_id
  size_t copy_retention = 1;       // complete replicas kept per target SR (>= 1)
  size_t snapshot_retention = 1;   // source snapshots kept (>= 1; the newest is the next base)
  uint64_t max_bytes_per_sec = 0;  // export bandwidth limit; 0 = none
  uint64_t vm_timeout_micros = 0;  // 0 = none
  const std::atomic<bool>* cancel = nullptr;
  // Called from the transfer thread: label "web-01 disk 0", progress of the export with one
  // entry per target (TargetProgress::label "SR-NAME (pool host)").
  std::function<void(const std::string& label, const xapi::TransferProgress&)> on_progress;
  // The same progress keyed by the export step's task id (RunJob's observer). While a disk
  // streams the log's export step and per-target steps carry the live byte counts.
  std::function<void(TaskId export_task, const xapi::TransferProgress&)> on_task_progress;
  // Why `cancel` was set, as the error of the cancelled steps; null: "cancelled".
  std::function<std::string()> cancel_reason;
  Env* env = nullptr;  // clock; null = Env::Default()
  DiskPipe pipe;       // the disk transfer; null = xapi::PipeVdi
};

struct VmOutcome {
  Status status;  // OK if at least one target succeeded
  std::string vm_uuid;
  std::string vm_name;
  std::string snapshot_uuid;
  std::string base_note;  // why delta or full
  bool delta = false;     // at least one disk went as a delta
  uint64_t bytes = 0;     // bytes exported (once, whatever the number of targets)
  std::vector<TargetOutcome> targets;
  // Clean-ups that failed ("cleanup failed: ..."): leftovers of earlier runs, retention. The
  // replica is good (status stays OK); the next run tries again.
  std::vector<std::string> warnings;
};

class VmReplicator {
 public:
  VmReplicator(xapi::Connection* source, std::vector<TargetSpec> targets,
               ReplicationOptions options, TaskLog* log);

  // Replicates the VM with this uuid or name. Records its steps under `parent` in the log.
  VmOutcome Run(const std::string& vm, TaskId parent);

 private:
  struct RunState;  // vm_run_state.h

  // The steps of Run, in order. A Status-returning step's error fails the VM.
  Status Check(RunState& run);           // finds the VM, refuses what cannot be replicated
  Status CheckCancel(RunState& run);     // a step boundary: kCancelled once the caller cancelled
  Status ResolveTargets(RunState& run);  // a writer per usable target; fails if none
  Status Snapshot(RunState& run);        // the new source snapshot, tagged
  void ChooseBase(RunState& run);        // delta base per disk, or full with the reason
  Status PrepareWriters(RunState& run);  // the importing replica on each target
  void Transfer(RunState& run);          // each disk once, fanned out to the live writers
  Status TransferDisk(RunState& run, size_t disk);  // the export's outcome
  Status FinishWriters(RunState& run);              // completes the replicas; fails if none is left
  Status MarkExported(RunState& run);               // the snapshot becomes the next base
  void Retention(RunState& run);                    // failures are logged, not fatal

  xapi::Connection* source_;
  std::vector<TargetSpec> targets_;
  ReplicationOptions options_;
  TaskLog* log_;
  Env* env_;
  DiskPipe pipe_;
};

}  // namespace xcr::engine

#endif  // XCR_ENGINE_VM_REPLICATOR_H_
