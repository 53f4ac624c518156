// RunVms: one replication run of several VMs, `concurrency` at a time (each VM on its own worker
// thread with its own VmReplicator; the source and target connections are shared — they are
// thread-safe). A VM's failure does not stop the others.
#ifndef XCR_ENGINE_JOB_RUN_H_
#define XCR_ENGINE_JOB_RUN_H_

#include <string>
#include <vector>

#include "engine/task_log.h"
#include "engine/vm_replicator.h"

namespace xcr::engine {

struct JobOutcome {
  std::vector<VmOutcome> vms;  // in the order of the VMs given
  bool ok() const;             // every VM succeeded
  size_t failed() const;
  // Something was replicated but not everything: a VM failed while another succeeded, or a
  // target failed while another target of the same VM succeeded.
  bool partial() const;
};

// vms: uuids or names (duplicates are run once). concurrency: at least 1.
JobOutcome RunVms(xapi::Connection* source, const std::vector<TargetSpec>& targets,
                  const std::vector<std::string>& vms, const ReplicationOptions& options,
                  size_t concurrency, TaskLog* log, TaskId parent);

}  // namespace xcr::engine

#endif  // XCR_ENGINE_JOB_RUN_H_
