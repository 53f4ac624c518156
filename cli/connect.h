// Connecting from a command line: the client flags (client_flags.h), XCR_PASSWORD, and — only
// when standard input or standard error is a terminal — the password prompt and trust on first
// use of a self-signed certificate, then xapi::Connect(endpoint). Errors name the pool by its
// redacted URL ("source pool https://xen1: ...").
// Thread-safety: none (the prompt owns the terminal); used from a tool's main thread.
#ifndef XCR_CLI_CONNECT_H_
#define XCR_CLI_CONNECT_H_

#include <memory>
#include <string>

#include "base/result.h"
#include "xapi/connection.h"
#include "xapi/credentials.h"
#include "xapi/pool_endpoint.h"

namespace xcr::cli {

// The endpoint for `url` from the flags (credentials file, XCR_PASSWORD, the prompt; pins,
// --insecure, the system CA store or trust on first use at a terminal).
Result<xapi::PoolEndpoint> ResolveEndpoint(const xapi::ClientFlags& flags, const std::string& url);

// ResolveEndpoint then xapi::Connect. `role` ("source pool", "target pool", "" for none) and the
// redacted URL prefix every error.
Result<std::unique_ptr<xapi::Connection>> Connect(const xapi::ClientFlags& flags,
                                                  const std::string& url,
                                                  const std::string& role = "pool");

}  // namespace xcr::cli

#endif  // XCR_CLI_CONNECT_H_
