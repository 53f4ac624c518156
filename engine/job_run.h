// JobOutcome: the outcome of one replication run of several VMs (engine/run_job.h runs them).
// Thread-safety: a plain value.
#ifndef XCR_ENGINE_JOB_RUN_H_
#define XCR_ENGINE_JOB_RUN_H_

#include <string>
#include <vector>

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

}  // namespace xcr::engine

#endif  // XCR_ENGINE_JOB_RUN_H_
