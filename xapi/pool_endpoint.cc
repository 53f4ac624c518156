#include "xapi/pool_endpoint.h"

namespace xcr::xapi {

Result<std::unique_ptr<Connection>> Connect(const PoolEndpoint& endpoint) {
  SessionOptions options;
  options.user = endpoint.credentials.user;
  options.password = endpoint.credentials.password;
  options.tls = endpoint.tls;
  return Connection::Open(endpoint.url, std::move(options));
}

}  // namespace xcr::xapi
