// PoolConnector: a stored pool's id in, a logged-in xapi::Connection out — what the daemon's
// runs, the smart-mode resolver and the API use, with no flag, prompt or terminal. The endpoint
// comes from the PoolConfig (jobs/pool_config.h): its URLs (the master first, then members to
// fail over to), user, password and trust (the pinned fingerprint, or `insecure`, else the
// system CA store).
//
// ConnectPool tries the URLs in order and moves to the next only when a URL could not be
// reached (kUnavailable); a refused login or a certificate that does not match the pin stops at
// once (another member would answer the same). Every error names the pool:
//   "pool 'dr-site' (https://10.0.0.2): SESSION_AUTHENTICATION_FAILED ..."
//   "pool 'dr-site': no URL answered: https://a: ...; https://b: ..."
// Passwords never appear in messages.
// Thread-safety: ConnectPool and StorePoolConnector may be called from many threads at once;
// each call opens its own connection (the caller owns it and closes it by destroying it).
#ifndef XCR_JOBS_POOL_CONNECTOR_H_
#define XCR_JOBS_POOL_CONNECTOR_H_

#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "jobs/pool_config.h"
#include "jobs/store.h"
#include "xapi/connection.h"
#include "xapi/pool_endpoint.h"

namespace xcr::jobs {

// The endpoint for one of the pool's URLs: its credentials and trust policy (the pin as
// TlsTrust::Pinned, `insecure` as TlsTrust::Insecure, else the system CA store).
// kInvalidArgument when the stored fingerprint does not parse.
Result<xapi::PoolEndpoint> EndpointOf(const PoolConfig& pool, const std::string& url);

// Logs in to the pool (URLs in order, see above). kInvalidArgument if it has no URL.
Result<std::unique_ptr<xapi::Connection>> ConnectPool(const PoolConfig& pool);

class PoolConnector {
 public:
  virtual ~PoolConnector() = default;
  // Logs in to the stored pool `pool_id`. kNotFound naming the id when no such pool is stored;
  // else the errors of ConnectPool.
  virtual Result<std::unique_ptr<xapi::Connection>> Connect(const std::string& pool_id) = 0;
  // Every stored pool (by name), e.g. to find which pool holds a VM.
  virtual Result<std::vector<PoolConfig>> ListPools() = 0;
};

// The PoolConnector over a Store: reads the pool (with its password) at each call, so a pool
// changed through the API (a new pin, a new password) is used by the next connection.
class StorePoolConnector : public PoolConnector {
 public:
  explicit StorePoolConnector(Store* store) : store_(store) {}  // not owned
  Result<std::unique_ptr<xapi::Connection>> Connect(const std::string& pool_id) override;
  Result<std::vector<PoolConfig>> ListPools() override;

 private:
  Store* store_;
};

}  // namespace xcr::jobs

#endif  // XCR_JOBS_POOL_CONNECTOR_H_
