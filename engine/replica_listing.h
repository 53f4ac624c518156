// The replicas on a pool, as `xcr replicas` lists them and as the daemon and the web API will:
// every VM that LooksLikeReplica, newest first (by its backup datetime; an interrupted copy,
// whose datetime is still the placeholder, sorts last).
//
//   ListPoolReplicas(catalog, filter, now)  filter: "" for all, else the source VM's uuid or a part
//                                       of the replica's name
//   ReplicaListingJson                  [{"uuid", "name", "source_vm", "job", "schedule", "sr",
//                                         "sr_name", "datetime", "complete", "age_s",
//                                         "delta_chain_length", "disks", "virtual_size",
//                                         "physical_utilisation"}]  (age_s -1 for an
//                                         incomplete copy)
//   ReplicaListingText                  two lines per replica, or "no replicas on URL"
#ifndef XCR_ENGINE_REPLICA_LISTING_H_
#define XCR_ENGINE_REPLICA_LISTING_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/result.h"
#include "engine/pool_catalog.h"
#include "xapi/connection.h"

namespace xcr::engine {

struct ReplicaEntry {
  std::string uuid;
  std::string name;
  std::string source_vm;  // uuid of the VM it replicates
  std::string job;
  std::string schedule;
  std::string sr;        // uuid of the SR it was written to
  std::string sr_name;   // its name_label; "" when the SR is gone
  std::string datetime;  // xo:backup:datetime as stored
  bool complete = false;
  int64_t age_s = -1;           // seconds since `datetime`; -1 when incomplete
  int delta_chain_length = -1;  // -1 when absent or not a number (JSON null)
  size_t disks = 0;
  uint64_t virtual_size = 0;          // bytes: the disks' virtual sizes summed
  uint64_t physical_utilisation = 0;  // bytes: what the disks use on their SR, as the pool says
};

std::vector<ReplicaEntry> ListPoolReplicas(const PoolCatalog& catalog, const std::string& filter,
                                           int64_t now_unix_s);
// Loads the pool's catalog, then ListPoolReplicas.
Result<std::vector<ReplicaEntry>> ListPoolReplicas(xapi::Connection& conn,
                                                   const std::string& filter, int64_t now_unix_s);

nlohmann::json ReplicaListingJson(const std::vector<ReplicaEntry>& replicas);
// pool: the URL named when there are none.
std::string ReplicaListingText(const std::vector<ReplicaEntry>& replicas, const std::string& pool);

}  // namespace xcr::engine

#endif  // XCR_ENGINE_REPLICA_LISTING_H_
