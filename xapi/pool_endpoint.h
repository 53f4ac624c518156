// PoolEndpoint: everything needed to reach one pool without a terminal — its URL, the
// credentials and the TLS trust policy — and Connect(), which logs in with it. No prompt, no
// environment variable, no standard input: callers (the CLI's cli/connect.h, a daemon reading
// its store) resolve credentials and trust first. The session finds the pool's other members
// (fail-over) by itself.
// Thread-safety: a plain value; Connect may be called from many threads at once.
#ifndef XCR_XAPI_POOL_ENDPOINT_H_
#define XCR_XAPI_POOL_ENDPOINT_H_

#include <memory>
#include <string>

#include "base/result.h"
#include "xapi/connection.h"
#include "xapi/credentials.h"
#include "xapi/tls.h"

namespace xcr::xapi {

struct PoolEndpoint {
  std::string url;          // "https://host[:port]", no user info
  Credentials credentials;  // the password is secret: never printed
  TlsTrust tls = TlsTrust::SystemCa();
};

// Logs in to the pool. The errors of Connection::Open (unreachable, refused login, certificate
// not matching the pins).
Result<std::unique_ptr<Connection>> Connect(const PoolEndpoint& endpoint);

}  // namespace xcr::xapi

#endif  // XCR_XAPI_POOL_ENDPOINT_H_
