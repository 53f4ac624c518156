// Error advice: turns a failure from XAPI or the network into a message a user can act on,
// naming the side and pool, the step and the object (VM, SR, disk) and what to do, while keeping
// the code and the XAPI error name:
//
//   target SR 'fast-nvme' on pool 'dr-site' is full (SR_BACKEND_FAILURE_44): free space or
//   lower copyRetention
//   VM 'web', export of disk 0 on source pool '10.0.0.1': task.create: INTERNAL_ERROR
//
// A pool given as a URL is shown as its host (the scheme dropped, user information redacted).
#ifndef XCR_ENGINE_ERROR_ADVICE_H_
#define XCR_ENGINE_ERROR_ADVICE_H_

#include <string>

#include "base/status.h"

namespace xcr::engine {

// Where the failure happened; empty fields are left out of the message.
struct ErrorContext {
  std::string pool;       // pool name or URL
  std::string sr;         // SR name; several (a snapshot's) joined by the caller: "a', 'b"
  std::string vm;         // VM name
  std::string operation;  // "snapshot", "export of disk xvda", "import to SR 'x'", ...
  bool target = false;    // the pool/SR is a replication target (else the source)
};

// Returns status with an actionable message; code, error_name and params are unchanged.
// OK stays OK; unknown errors get the context prefixed.
Status Advise(const Status& status, const ErrorContext& ctx);

// What a target reports when the export feeding it failed on the source (`source_advised`: the
// export's failure as Advise wrote it): "nothing written, the source failed: ...", so the failure
// is never blamed on the target (a kUnavailable source error would read "cannot reach" the
// target). Code kFailedPrecondition; kCancelled and kTimeout are returned as they are (they are
// the run's, not a pool's).
Status SourceFailedForTarget(const Status& source_advised);

}  // namespace xcr::engine

#endif  // XCR_ENGINE_ERROR_ADVICE_H_
