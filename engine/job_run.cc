#include "engine/job_run.h"

#include <algorithm>
#include <atomic>
#include <thread>

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

JobOutcome RunVms(xapi::Connection* source, const std::vector<TargetSpec>& targets,
                  const std::vector<std::string>& vms, const ReplicationOptions& options,
                  size_t concurrency, TaskLog* log, TaskId parent) {
  std::vector<std::string> unique;
  for (const std::string& v : vms) {
    if (std::find(unique.begin(), unique.end(), v) == unique.end()) unique.push_back(v);
  }
  JobOutcome out;
  out.vms.resize(unique.size());
  std::atomic<size_t> next{0};
  auto worker = [&] {
    VmReplicator replicator(source, targets, options, log);
    for (size_t i = next++; i < unique.size(); i = next++) {
      if (options.cancel && options.cancel->load()) {
        out.vms[i].status = Status::Cancelled("run cancelled before VM " + unique[i] + " started");
        continue;
      }
      out.vms[i] = replicator.Run(unique[i], parent);
    }
  };
  size_t n = std::clamp<size_t>(concurrency, 1, std::max<size_t>(unique.size(), 1));
  std::vector<std::thread> threads;
  for (size_t t = 1; t < n; ++t) threads.emplace_back(worker);
  worker();
  for (std::thread& t : threads) t.join();
  return out;
}

}  // namespace xcr::engine
