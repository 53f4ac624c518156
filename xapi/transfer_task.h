// The XAPI task a disk transfer is judged by (disk_transfer.h): XAPI answers 200 before it moves
// data and reports later failures only by failing the task, so success is the task's, never the
// HTTP status's alone.
//
//   task.create ──> body(task) ──ok──> wait for the task (options.task_timeout_micros on the
//                       │               Env's clock) ──> success / its error / kTimeout
//                       └──error──> task.cancel ──> the body's error
//   then always task.destroy (a failure is logged, not returned)
//
// Thread-safety: as the Connection.
#ifndef XCR_XAPI_TRANSFER_TASK_H_
#define XCR_XAPI_TRANSFER_TASK_H_

#include <functional>
#include <string>

#include "base/status.h"
#include "xapi/connection.h"
#include "xapi/disk_transfer.h"

namespace xcr::xapi {

// Creates a task named `label`, runs `body(task ref)`, then judges the outcome as drawn above.
// A failed task is its Status::Remote with `label` as context; kCancelled when options.cancel is
// set while waiting.
Status WithTransferTask(Connection& conn, const std::string& label, const TransferOptions& options,
                        const std::function<Status(const std::string& task)>& body);

// After the host dropped a transfer (a cut connection, a stream ended early): the reason its
// task gives, when it gives one within 2 s on the Env's clock (XAPI fails the task, with
// SR_BACKEND_FAILURE_44 for a full SR say, and closes the socket), as a remote error with
// `broken` in its context; `broken` itself otherwise. kCancelled and remote errors are returned
// as they are, without asking the task.
Status HostReason(Connection& conn, const std::string& task, const TransferOptions& options,
                  const Status& broken);

}  // namespace xcr::xapi

#endif  // XCR_XAPI_TRANSFER_TASK_H_
