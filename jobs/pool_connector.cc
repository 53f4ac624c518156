#include "jobs/pool_connector.h"

#include "base/redact.h"
#include "xapi/tls.h"

namespace xcr::jobs {
namespace {

std::string PoolName(const PoolConfig& pool) {
  return "pool '" + (pool.name.empty() ? pool.id : pool.name) + "'";
}

}  // namespace

Result<xapi::PoolEndpoint> EndpointOf(const PoolConfig& pool, const std::string& url) {
  xapi::PoolEndpoint endpoint;
  endpoint.url = url;
  endpoint.credentials = {pool.user, pool.password};
  if (pool.insecure) {
    endpoint.tls = xapi::TlsTrust::Insecure();
  } else if (!pool.fingerprint.empty()) {
    auto fp = xapi::ParseFingerprint(pool.fingerprint);
    if (!fp.ok()) {
      return fp.status().WithContext(PoolName(pool) +
                                     ": stored fingerprint (set it again with "
                                     "`xcr pool trust`)");
    }
    endpoint.tls = xapi::TlsTrust::Pinned(*fp);
  }
  return endpoint;
}

Result<std::unique_ptr<xapi::Connection>> ConnectPool(const PoolConfig& pool) {
  if (pool.urls.empty()) {
    return Status::InvalidArgument(PoolName(pool) + " has no URL: add one with `xcr pool add`");
  }
  std::string unreachable;
  for (const std::string& url : pool.urls) {
    std::string context = PoolName(pool) + " (" + RedactUrl(url) + ")";
    Result<xapi::PoolEndpoint> endpoint = EndpointOf(pool, url);
    if (!endpoint.ok()) return endpoint.status();
    Result<std::unique_ptr<xapi::Connection>> conn = xapi::Connect(*endpoint);
    if (conn.ok()) return conn;
    if (conn.status().code() != StatusCode::kUnavailable) {
      return conn.status().WithContext(context);
    }
    if (pool.urls.size() == 1) return conn.status().WithContext(context);
    unreachable +=
        (unreachable.empty() ? "" : "; ") + RedactUrl(url) + ": " + conn.status().message();
  }
  return Status::Unavailable(PoolName(pool) + ": no URL answered: " + unreachable);
}

Result<std::unique_ptr<xapi::Connection>> StorePoolConnector::Connect(const std::string& pool_id) {
  Result<PoolConfig> pool = store_->GetPool(pool_id);
  if (!pool.ok()) {
    if (pool.status().code() == StatusCode::kNotFound) {
      return Status::NotFound("pool " + pool_id + " is not stored (was it removed?)");
    }
    return pool.status().WithContext("pool " + pool_id);
  }
  return ConnectPool(*pool);
}

Result<std::vector<PoolConfig>> StorePoolConnector::ListPools() { return store_->ListPools(); }

}  // namespace xcr::jobs
