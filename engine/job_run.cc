#include "engine/job_run.h"

#include <algorithm>

namespace xcr::engine {

bool JobOutcome::ok() const { return failed() == 0; }

bool JobOutcome::partial() const {
  bool any_replica = false, any_failure = false;
  for (const VmOutcome& vm : vms) {
    if (!vm.status.ok()) any_failure = true;
    for (const TargetOutcome& t : vm.targets) {
      if (!t.replica_uuid.empty()) any_replica = true;
      if (!t.status.ok()) any_failure = true;
    }
  }
  return any_replica && any_failure;
}

size_t JobOutcome::failed() const {
  return static_cast<size_t>(
      std::count_if(vms.begin(), vms.end(), [](const VmOutcome& v) { return !v.status.ok(); }));
}

}  // namespace xcr::engine
