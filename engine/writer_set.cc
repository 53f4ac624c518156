#include "engine/writer_set.h"

#include <algorithm>

#include "base/logging.h"
#include "engine/error_advice.h"

namespace xcr::engine {

WriterSet::WriterSet(const std::vector<TargetSpec>& targets, const RunIdentity& id)
    : vm_name_(id.vm_name) {
  for (const TargetSpec& t : targets) {
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
      outcome_of_.push_back(outcomes_.size());
      live_.push_back(true);
      writers_.push_back(std::move(w));
    }
    outcomes_.push_back(std::move(o));
  }
}

size_t WriterSet::live_count() const {
  return static_cast<size_t>(std::count(live_.begin(), live_.end(), true));
}

std::vector<TargetInventory> WriterSet::Inventories() const {
  std::vector<TargetInventory> out;
  for (const auto& w : writers_) out.push_back(w->inventory());
  return out;
}

void WriterSet::SetRunTime(int64_t unix_seconds) {
  for (auto& w : writers_) w->set_run_time(unix_seconds);
}

void WriterSet::Drop(size_t w, const Status& reason, const std::string& step) {
  if (!live_[w]) return;
  TargetOutcome& o = outcomes_[outcome_of_[w]];
  o.status = Advise(
      reason, {.pool = o.pool, .sr = o.sr, .vm = vm_name_, .operation = step, .target = true});
  XCR_LOG(WARN) << "VM '" << vm_name_ << "': target dropped: " << o.status.ToString();
  writers_[w]->Abort().ok();
  live_[w] = false;
}

void WriterSet::Complete(size_t w, std::string replica_uuid) {
  outcomes_[outcome_of_[w]].replica_uuid = std::move(replica_uuid);
}

std::string WriterSet::FailureSummary() const {
  std::string why;
  for (const TargetOutcome& o : outcomes_) {
    if (!o.status.ok()) why += (why.empty() ? "" : "; ") + o.status.message();
  }
  return why;
}

}  // namespace xcr::engine
