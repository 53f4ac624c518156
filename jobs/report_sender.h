// SendRunReport: after a run ends, sends its report where the job says, if its `reportWhen`
// says so: a JSON POST to `reportWebhook`, and an e-mail to `reportRecipients` through the
// SMTP server in `smtp`. Both are attempted even if the first fails.
// Returns OK when nothing was due or everything was delivered; otherwise the first failure,
// with the other appended to its message. A report failure never changes the run's result.
// Thread-safety: safe to call concurrently.
#ifndef XCR_JOBS_REPORT_SENDER_H_
#define XCR_JOBS_REPORT_SENDER_H_

#include <span>

#include "base/status.h"
#include "jobs/job.h"
#include "jobs/report_mail.h"
#include "jobs/store_records.h"

namespace xcr::jobs {

Status SendRunReport(const Job& job, const RunRecord& run, std::span<const VmTargetState> states,
                     const SmtpSettings& smtp);

}  // namespace xcr::jobs

#endif  // XCR_JOBS_REPORT_SENDER_H_
