// ResolveJobVms: the VMs a job replicates right now — what the daemon calls before a job's
// schedule fires (XO's smart mode is resolved at each run, so a VM tagged later is picked up).
//
// Explicit ids are returned as they are (no pool is contacted). A smart pattern is matched
// (VmPattern::Matches) against every VM of every stored pool it may cover (its `pools`, or all
// stored pools when empty, minus `not_pools`): real VMs only (no template, snapshot or control
// domain), and never a replica (a VM carrying xo:backup:job with `start` blocked). The result is
// sorted and without duplicates.
// Errors: a pool that cannot be reached or listed fails the whole resolution, naming the pool
// (a partial list would make the scheduler forget VMs).
// Thread-safety: a free function; safe from any thread if the connector is.
#ifndef XCR_JOBS_JOB_VM_RESOLVER_H_
#define XCR_JOBS_JOB_VM_RESOLVER_H_

#include <string>
#include <vector>

#include "base/result.h"
#include "jobs/job.h"
#include "jobs/pool_connector.h"
#include "xapi/connection.h"

namespace xcr::jobs {

Result<std::vector<std::string>> ResolveJobVms(const Job& job, PoolConnector& pools);

// The VMs of one pool as the smart mode sees them (uuid, the given pool id, tags), replicas,
// templates, snapshots and the control domain left out.
Result<std::vector<VmFacts>> ListVmFacts(xapi::Connection& conn, const std::string& pool_id);

}  // namespace xcr::jobs

#endif  // XCR_JOBS_JOB_VM_RESOLVER_H_
