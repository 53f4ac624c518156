// Error advice: turns a failure from XAPI or the network into a message a user can act on,
// naming the pool, SR or VM and what to do, while keeping the code and the XAPI error name:
//
//   target SR 'fast-nvme' on pool 'dr-site' is full (SR_BACKEND_FAILURE_44): free space or
//   lower copyRetention
#ifndef XCR_ENGINE_ERROR_ADVICE_H_
#define XCR_ENGINE_ERROR_ADVICE_H_

#include <string>

#include "base/status.h"

namespace xcr::engine {

// Where the failure happened; empty fields are left out of the message.
struct ErrorContext {
  std::string pool;       // pool name (or URL)
  std::string sr;         // SR name
  std::string vm;         // VM name
  std::string operation;  // "snapshot", "export of disk xvda", "import to SR 'x'", ...
  bool target = false;    // the pool/SR is a replication target
};

// Returns status with an actionable message; code, error_name and params are unchanged.
// OK stays OK; unknown errors get the context prefixed.
Status Advise(const Status& status, const ErrorContext& ctx);

}  // namespace xcr::engine

#endif  // XCR_ENGINE_ERROR_ADVICE_H_
