#include "xapi/transfer_task.h"

#include "base/logging.h"
#include "xapi/api.h"
#include "xapi/transfer_meter.h"

namespace xcr::xapi {
namespace {

constexpr uint64_t kTaskPollMicros = 100'000;
constexpr uint64_t kHostReasonWaitMicros = 2'000'000;

}  // namespace

Status WithTransferTask(Connection& conn, const std::string& label, const TransferOptions& options,
                        const std::function<Status(const std::string& task)>& body) {
  XCR_ASSIGN_OR_RETURN(std::string task, TaskCreate(conn, label, "xcr disk transfer"));
  Status stream = body(task);
  Status result = stream;
  if (stream.ok()) {
    WaitOptions wait;
    wait.timeout_micros = options.task_timeout_micros;
    wait.poll_interval_micros = kTaskPollMicros;
    wait.cancel = options.cancel;
    wait.env = TransferEnv(options);
    Result<TaskRecord> rec = WaitTask(conn, task, wait);
    if (!rec.ok()) result = rec.status().WithContext(label);
  } else {
    (void)TaskCancel(conn, task);
  }
  Status destroyed = TaskDestroy(conn, task);
  if (!destroyed.ok()) {
    XCR_LOG(WARN) << label << ": task.destroy failed: " << destroyed.ToString();
  }
  return result;
}

Status HostReason(Connection& conn, const std::string& task, const TransferOptions& options,
                  const Status& broken) {
  if (broken.code() == StatusCode::kCancelled || broken.code() == StatusCode::kRemoteError) {
    return broken;
  }
  WaitOptions brief;
  brief.timeout_micros = kHostReasonWaitMicros;
  brief.poll_interval_micros = kTaskPollMicros;
  brief.cancel = options.cancel;
  brief.env = TransferEnv(options);
  Result<TaskRecord> rec = WaitTask(conn, task, brief);
  if (rec.ok() || rec.status().code() != StatusCode::kRemoteError) return broken;
  return rec.status().WithContext(broken.message() + "; the host's task says");
}

}  // namespace xcr::xapi
