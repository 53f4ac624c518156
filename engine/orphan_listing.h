// Orphans: replicas and source snapshots on a pool whose job (xo:backup:job) is not among the
// jobs a store knows — what `xcr job delete` without --purge leaves, or a store that was lost —
// for the daemon's GET /api/replicas ("orphans") and `job delete --purge` suggestions.
//
//   replica   a VM that LooksLikeReplica (job, vm and sr keys; start blocked, or a snapshot)
//   snapshot  a source snapshot: a snapshot carrying xo:backup:job but no xo:backup:sr
//
// Jobs of other tools (Xen Orchestra's own jobs on the same pool) are listed too: their ids are
// not in the set either. Pure functions of the catalog, plus one that loads it.
#ifndef XCR_ENGINE_ORPHAN_LISTING_H_
#define XCR_ENGINE_ORPHAN_LISTING_H_

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "base/result.h"
#include "engine/pool_catalog.h"
#include "xapi/connection.h"

namespace xcr::engine {

struct OrphanEntry {
  std::string kind;  // "replica" | "snapshot"
  std::string uuid;
  std::string name;
  std::string job;
  std::string schedule;
  std::string vm;         // the source VM's uuid (xo:backup:vm)
  std::string sr;         // replicas: the SR uuid written; "" for snapshots
  std::string sr_name;    // its name_label ("" when unknown)
  std::string datetime;   // xo:backup:datetime as stored
  bool complete = false;  // a replica whose datetime is not the import placeholder; snapshots true
};

// Orphans on the pool, replicas first, each group in catalog order.
std::vector<OrphanEntry> ListOrphans(const PoolCatalog& catalog,
                                     const std::set<std::string>& known_jobs);
Result<std::vector<OrphanEntry>> ListOrphans(xapi::Connection& conn,
                                             const std::set<std::string>& known_jobs);

// [{"kind", "uuid", "name", "job", "schedule", "vm", "sr", "sr_name", "datetime", "complete"}]
nlohmann::json OrphanListingJson(const std::vector<OrphanEntry>& orphans);

}  // namespace xcr::engine

#endif  // XCR_ENGINE_ORPHAN_LISTING_H_
