// WriterSet: the replica writers of one VM's run, one per target that resolved, and the outcome of
// every target given, resolved or not, in the order given. A writer that fails is aborted and
// dropped: it takes no further part, and its target's outcome keeps the reason, with advice.
//
//   (target) ──Resolve fails──> outcome: the reason (no writer)
//       └──────resolved──> [live] ──Drop(reason)──> [dropped] (aborted; outcome: the reason)
//                            └──Complete(uuid)──> [complete] (outcome: OK, the replica's uuid)
//
// Thread-safety: used by the VM's run on one thread.
#ifndef XCR_ENGINE_WRITER_SET_H_
#define XCR_ENGINE_WRITER_SET_H_

#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "engine/replica_metadata.h"
#include "engine/replica_writer.h"

namespace xcr::engine {

struct TargetOutcome {
  std::string pool;
  std::string sr;
  Status status;
  std::string replica_uuid;  // on success
};

class WriterSet {
 public:
  // Resolves every target for run `id` (ReplicaWriter::Resolve). A target that fails gets its
  // advised reason in outcomes() and no writer. id.vm_name names the VM in later messages.
  WriterSet(const std::vector<TargetSpec>& targets, const RunIdentity& id);

  // Writers resolved (live or not); index w below is < size().
  size_t size() const { return writers_.size(); }
  ReplicaWriter& writer(size_t w) { return *writers_[w]; }
  bool live(size_t w) const { return live_[w]; }
  size_t live_count() const;
  // Each writer's inventory, in writer order (ChooseBase's targets).
  std::vector<TargetInventory> Inventories() const;
  // Sets the run's time on every writer (after NextRunTime adjusted it).
  void SetRunTime(int64_t unix_seconds);

  // Aborts writer w (best effort) and records `reason`, advised with the `step` that failed
  // ("import of disk 0 to SR 'x'"), as its target's outcome. A dropped writer stays dropped.
  void Drop(size_t w, const Status& reason, const std::string& step);
  // Records writer w's finished replica as its target's outcome.
  void Complete(size_t w, std::string replica_uuid);

  // One per target given, in order.
  const std::vector<TargetOutcome>& outcomes() const { return outcomes_; }
  std::vector<TargetOutcome> TakeOutcomes() { return std::move(outcomes_); }
  // Every failed target's reason, "; "-separated.
  std::string FailureSummary() const;

 private:
  std::vector<std::unique_ptr<ReplicaWriter>> writers_;
  std::vector<size_t> outcome_of_;  // per writer: index into outcomes_
  std::vector<bool> live_;          // per writer
  std::vector<TargetOutcome> outcomes_;
  std::string vm_name_;
};

}  // namespace xcr::engine

#endif  // XCR_ENGINE_WRITER_SET_H_
