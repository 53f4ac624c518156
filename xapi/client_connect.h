// ConnectWithFlags: what every xcr tool does to reach a pool from its command line — resolve
// credentials (--credentials file, XCR_PASSWORD, or a terminal prompt) and trust (--fingerprint,
// trust on first use on a terminal, or --insecure), then log in.
#ifndef XCR_XAPI_CLIENT_CONNECT_H_
#define XCR_XAPI_CLIENT_CONNECT_H_

#include <memory>
#include <string>

#include "base/result.h"
#include "xapi/connection.h"
#include "xapi/credentials.h"

namespace xcr::xapi {

// Prompts only when stdin or stderr is a terminal.
Result<std::unique_ptr<Connection>> ConnectWithFlags(const ClientFlags& flags,
                                                     const std::string& url);

}  // namespace xcr::xapi

#endif  // XCR_XAPI_CLIENT_CONNECT_H_
