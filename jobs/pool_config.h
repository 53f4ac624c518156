// PoolConfig: a XAPI pool as the daemon stores it, so that once a pool is added runs need no
// flags: where to reach it, who to log in as, and how to trust its certificate.
//
// The password is held here in clear only in memory; the store encrypts it at rest
// (secret_box.h) and pool_config_json.h never writes it into JSON meant for clients.
// Thread-safety: plain values.
#ifndef XCR_JOBS_POOL_CONFIG_H_
#define XCR_JOBS_POOL_CONFIG_H_

#include <string>
#include <vector>

#include "jobs/job_field_error.h"

namespace xcr::jobs {

struct PoolConfig {
  std::string id;    // UUID the daemon creates
  std::string name;  // for people and messages, e.g. "dr-site"
  // The master first, then other members to fail over to: "https://host[:port]".
  std::vector<std::string> urls;
  std::string user;
  std::string password;
  // The pinned SHA-256 of the master's certificate, canonical "SHA256:AB:CD:..." form. Empty
  // and not `insecure`: the system CA store verifies the host (and its name).
  std::string fingerprint;
  bool insecure = false;  // no certificate verification at all (explicit user choice)
  bool operator==(const PoolConfig&) const = default;
};

// Every problem of the pool, one per field ("urls[1]", "fingerprint", ...); empty when valid.
// Checks: id is a UUID; name and user non-empty; at least one http(s) URL, none twice; the
// fingerprint parses (CanonicalizePool rewrites it in canonical form); not both a fingerprint
// and `insecure`.
FieldErrors ValidatePool(const PoolConfig& pool);

// Rewrites the fingerprint in canonical "SHA256:AB:..." form when it parses; leaves it
// unchanged otherwise (ValidatePool reports it).
void CanonicalizePool(PoolConfig* pool);

}  // namespace xcr::jobs

#endif  // XCR_JOBS_POOL_CONFIG_H_
