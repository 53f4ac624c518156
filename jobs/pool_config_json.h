// A pool as JSON. PoolToJson is what clients see: it never carries the password (only whether
// one is set). PoolFromJson reads what a client sends, password included:
//
//   {"id": "...", "name": "dr-site", "urls": ["https://10.0.0.5"], "user": "root",
//    "password": "...", "fingerprint": "SHA256:AB:...", "insecure": false}
//
// Thread-safety: pure functions.
#ifndef XCR_JOBS_POOL_CONFIG_JSON_H_
#define XCR_JOBS_POOL_CONFIG_JSON_H_

#include <nlohmann/json.hpp>

#include "jobs/job_field_error.h"
#include "jobs/pool_config.h"

namespace xcr::jobs {

// Every field but the password; "hasPassword": whether one is set.
nlohmann::json PoolToJson(const PoolConfig& pool);

// Fills *pool (absent fields keep their values). Returns the problems found, empty on success.
FieldErrors PoolFromJson(const nlohmann::json& json, PoolConfig* pool);

}  // namespace xcr::jobs

#endif  // XCR_JOBS_POOL_CONFIG_JSON_H_
