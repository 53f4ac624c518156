// Session options and secret handling shared by the connection layer and the tools.
//
// A session ref is a bearer token: anyone holding it acts as the logged-in user. Logs and error
// messages show it only through RedactRef(). Passwords are never logged, never put in error
// messages, and never passed on a command line (see credentials.h).
#ifndef XCR_XAPI_SESSION_H_
#define XCR_XAPI_SESSION_H_

#include <string>
#include <string_view>

#include "xapi/http_curl.h"
#include "xapi/tls.h"

namespace xcr::xapi {

struct SessionOptions {
  std::string user = "root";
  std::string password;  // secret: never logged
  std::string api_version = "1.1";
  std::string originator = "xcr";
  // Re-logins (each followed by a retry of the call) when a call fails with SESSION_INVALID.
  int session_retries = 2;
  // HOST_IS_SLAVE hops followed while logging in.
  int max_redirects = 3;
  // Learn the pool's other members (host.get_all_records addresses) after login, to fail over
  // to when the master cannot be reached.
  bool learn_pool_members = true;
  // Trust policy and limits for every connection (XML-RPC and disk transfers), kept across
  // redirects and fail-overs.
  TlsTrust tls;
  HttpLimits limits;
};

// "OpaqueRef:1a2b…" — enough to tell sessions apart in a log, useless to an attacker.
std::string RedactRef(std::string_view ref);

}  // namespace xcr::xapi

#endif  // XCR_XAPI_SESSION_H_
