#include "jobs/pool_config.h"

#include <algorithm>

#include "base/uuid.h"
#include "jobs/job_text.h"
#include "xapi/tls.h"

namespace xcr::jobs {

FieldErrors ValidatePool(const PoolConfig& pool) {
  FieldErrors errors;
  if (!LooksLikeUuid(pool.id)) {
    errors.push_back({"id", "'" + pool.id + "' is not a UUID"});
  }
  if (pool.name.empty()) errors.push_back({"name", "a pool needs a name"});
  if (const char* problem = OneLineTextProblem(pool.name)) errors.push_back({"name", problem});
  if (pool.user.empty()) errors.push_back({"user", "a pool needs a user to log in as"});
  if (const char* problem = OneLineTextProblem(pool.user)) errors.push_back({"user", problem});
  if (pool.urls.empty()) {
    errors.push_back({"urls", "a pool needs the URL of its master, e.g. https://host"});
  }
  for (size_t i = 0; i < pool.urls.size(); ++i) {
    const std::string& url = pool.urls[i];
    std::string field = FieldIndex("urls", i);
    bool https = StartsWith(url, "https://");
    if (!https && !StartsWith(url, "http://")) {
      errors.push_back({field, "'" + url + "' is not an http:// or https:// URL"});
      continue;
    }
    if (!LooksLikeHttpUrl(url)) {
      errors.push_back({field, "'" + url + "' has no host or contains blanks"});
      continue;
    }
    if (std::find(pool.urls.begin(), pool.urls.begin() + static_cast<long>(i), url) !=
        pool.urls.begin() + static_cast<long>(i)) {
      errors.push_back({field, "'" + url + "' is listed twice"});
    }
  }
  if (!pool.fingerprint.empty()) {
    Result<xapi::Fingerprint> fp = xapi::ParseFingerprint(pool.fingerprint);
    if (!fp.ok()) errors.push_back({"fingerprint", fp.status().message()});
    if (pool.insecure) {
      errors.push_back({"fingerprint", "give a fingerprint or insecure, not both"});
    }
  }
  return errors;
}

void CanonicalizePool(PoolConfig* pool) {
  if (pool->fingerprint.empty()) return;
  Result<xapi::Fingerprint> fp = xapi::ParseFingerprint(pool->fingerprint);
  if (fp.ok()) pool->fingerprint = xapi::FormatFingerprint(*fp);
}

}  // namespace xcr::jobs
