// The report of one run, as XO sends it after a backup job: when to send it (the job's
// `reportWhen`), its JSON for a webhook and its text for an e-mail. Delivery is in
// report_webhook.h, report_mail.h and report_sender.h.
//
// JSON (times RFC 3339 UTC, null when unset):
//   {"job": {"id", "name"},
//    "run": {"id", "schedule", "start", "end", "result", "error"},
//    "vms": [{"vm", "vmName", "pool", "sr", "state", "error", "bytes", "lastSuccess"}, ...]}
// Thread-safety: pure functions.
#ifndef XCR_JOBS_REPORT_H_
#define XCR_JOBS_REPORT_H_

#include <span>
#include <string>

#include <nlohmann/json.hpp>

#include "jobs/job.h"
#include "jobs/store_records.h"

namespace xcr::jobs {

// always: every ended run; failure: every ended run whose result is not success (failure,
// cancelled, interrupted); never: none. A run still running is never reported.
bool ShouldSendReport(ReportWhen when, RunResult result);

nlohmann::json RunReportJson(const Job& job, const RunRecord& run,
                             std::span<const VmTargetState> states);
// "[xcr] nightly: success (3 VMs)" / "[xcr] nightly: failure (1 of 3 VMs failed)".
std::string RunReportSubject(const Job& job, const RunRecord& run,
                             std::span<const VmTargetState> states);
// Plain text, one line per VM and target, with the errors.
std::string RunReportText(const Job& job, const RunRecord& run,
                          std::span<const VmTargetState> states);

// "2026-11-23T09:41:07Z" for microseconds since the epoch; "" for 0.
std::string Rfc3339(int64_t unix_us);

}  // namespace xcr::jobs

#endif  // XCR_JOBS_REPORT_H_
