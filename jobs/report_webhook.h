// PostJsonWebhook: sends a report as one JSON POST (Content-Type: application/json) through
// libcurl. OK when the receiver answers 2xx; kUnavailable naming the URL and the HTTP status or
// the connection error otherwise; kInvalidArgument for a URL that is not http(s).
// Thread-safety: safe to call concurrently (one curl handle per call).
#ifndef XCR_JOBS_REPORT_WEBHOOK_H_
#define XCR_JOBS_REPORT_WEBHOOK_H_

#include <cstdint>
#include <string>

#include "base/status.h"

namespace xcr::jobs {

Status PostJsonWebhook(const std::string& url, const std::string& json_body,
                       uint64_t timeout_ms = 30'000);

}  // namespace xcr::jobs

#endif  // XCR_JOBS_REPORT_WEBHOOK_H_
