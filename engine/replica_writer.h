// ReplicaWriter: writes one run's replica of one VM on one target SR (Xen Orchestra's "writer per
// target"). The VM replicator drives one writer per target and drops a writer that fails.
//
//     Resolve ──> [resolved] ──Prepare──> [prepared] ──(disks streamed)──Finish──> [complete]
//        │                        │                                       │
//        └── error: target        └── error ──Abort──> [aborted]  <──error─┘
//            dropped                  (replica VM and its new disks destroyed)
//
// After Prepare the writer hands out one import target per disk (ImportTarget: its own
// connection and the disk's VDI) and takes each import's result back (TakeImportResult: the
// status and the content digest of what streamed); the caller never reaches into its
// connection or its disks.
//
// Prepare creates a protected VM named "[Importing…] ..." whose other_config and disks carry the
// placeholder datetime 19700101T000000Z, then one disk per source disk: for a delta, a clone of
// the base replica's disk (never a blank disk); for a full, a new disk of the source's size.
// Finish writes the final keys on every disk (with the content digest of what was imported, when
// an import result brought one), blocks start/start_on with XO's message, tags and
// renames the VM, and writes the VM's datetime LAST, in one set_other_config: until then the
// replica never looks complete, and retention deletes it on a later run.
//
// Thread-safety: one writer is used by one thread at a time.
#ifndef XCR_ENGINE_REPLICA_WRITER_H_
#define XCR_ENGINE_REPLICA_WRITER_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "engine/base_selection.h"
#include "engine/pool_catalog.h"
#include "engine/replica_metadata.h"
#include "engine/retention.h"
#include "xapi/connection.h"
#include "xapi/disk_transfer.h"
#include "xapi/records.h"

namespace xcr::engine {

// Where replicas go: a pool and an SR on it (uuid or name).
struct TargetSpec {
  xapi::Connection* conn = nullptr;  // not owned
  std::string sr;                    // uuid or name_label
  std::string pool_label;            // for messages; defaults to the master URL
};

// One disk of the source snapshot as the writer needs it.
struct SourceDisk {
  std::string userdevice;
  VdiView snapshot_vdi;                  // the source snapshot's VDI (content to copy)
  const VdiView* target_base = nullptr;  // replica of the delta base on this target; null: full
  bool bootable = false;
};

// What became of one disk's import, as the writer takes it back.
struct ImportResult {
  Status status;             // the import's outcome (the export's, if that failed first)
  std::string digest;        // content digest of the stream imported (content_digest.h); "" = none
  std::string digest_scope;  // keys::kDigestScopeFull or kDigestScopeDelta, with a digest
};

class ReplicaWriter {
 public:
  ReplicaWriter(TargetSpec target, RunIdentity id);

  // Finds the SR and loads the target's VMs and VDIs. kNotFound names the SR and pool.
  Status Resolve();
  const std::string& sr_uuid() const { return sr_uuid_; }
  const std::string& sr_name() const { return sr_name_; }
  const std::string& pool_label() const { return target_.pool_label; }
  // Names the target in progress rows: "fast-nvme (dr-master)" (the pool without its scheme).
  std::string progress_label() const;
  // Names the target in the task tree, where two pools may have SRs of the same name:
  // "SR 'fast-nvme' (dr-master)".
  std::string task_label() const;
  const TargetInventory& inventory() const { return inventory_; }
  // The run's time, when the replicator adjusted it after Resolve().
  void set_run_time(int64_t unix_seconds) { id_.run_unix_seconds = unix_seconds; }

  // Creates the importing replica VM from the source snapshot's record, its disks and VIFs.
  // source_vifs: the snapshot's VIF records with their networks' records.
  Status Prepare(const xapi::Struct& snapshot_record, const std::string& source_snapshot_uuid,
                 const std::vector<SourceDisk>& disks,
                 const std::vector<std::pair<xapi::VifRecord, xapi::NetworkRecord>>& source_vifs,
                 int delta_chain_length);
  // Number of disks Prepare created (one per source disk, in order).
  size_t disk_count() const { return disk_vdis_.size(); }
  // Where disk i (< disk_count()) is to be imported: this target's connection, the disk's VDI,
  // and progress_label().
  xapi::PipeTarget ImportTarget(size_t i) const;
  // Takes back the result of the import into disk i. A digest of a successful import is
  // written on the disk by Finish(). Returns result.status (the caller drops a failed writer).
  Status TakeImportResult(size_t i, ImportResult result);

  // Marks the replica complete (see the header comment). Returns its uuid.
  Result<std::string> Finish();
  // Destroys what Prepare created. Best effort; returns the first error.
  Status Abort();

  // Deletes interrupted copies and complete replicas beyond copy_retention (with their disks);
  // the replica this writer completed is always kept.
  // Returns the number of replicas deleted.
  Result<int> ApplyRetention(size_t copy_retention);

 private:
  Status CreateVm(const xapi::Struct& snapshot_record);
  Status CreateDisk(const SourceDisk& d);
  Status CreateVifs(const std::vector<std::pair<xapi::VifRecord, xapi::NetworkRecord>>& vifs);

  TargetSpec target_;
  RunIdentity id_;
  std::string sr_ref_, sr_uuid_, sr_name_;
  TargetInventory inventory_;
  std::string source_snapshot_uuid_;
  int delta_chain_length_ = 0;
  std::string vm_ref_;
  std::string finished_vm_ref_;         // the replica this run completed: never pruned by this run
  std::vector<std::string> disk_vdis_;  // per source disk, in order
  std::vector<std::string> source_vdi_uuids_;                 // per source disk
  std::vector<std::pair<std::string, std::string>> digests_;  // per source disk: digest, scope
  std::vector<std::string> created_vdis_;                     // to destroy on Abort
};

}  // namespace xcr::engine

#endif  // XCR_ENGINE_REPLICA_WRITER_H_
