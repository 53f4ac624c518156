// The HTTP side of the daemon's API, shared by its handlers: JSON responses, the error body
// {"error", "fields"}, request bodies read as JSON, times as RFC 3339, and HttpStatusFor — the
// one place a Status code becomes an HTTP code (docs/api.md "Conventions").
// Thread-safety: pure functions.
#ifndef XCR_JOBS_DAEMON_API_HTTP_H_
#define XCR_JOBS_DAEMON_API_HTTP_H_

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "jobs/job_field_error.h"
#include "net/http_types.h"

namespace xcr::jobs {

// 400 invalid argument; 404 not found; 409 already exists, failed precondition, cancelled;
// 403 permission denied; 502 unavailable, remote error, timeout (a pool's fault); 501 not
// supported; 500 the rest (the daemon's fault).
int HttpStatusFor(const Status& status);

net::HttpResponse JsonResponse(int status, const nlohmann::json& body);
// {"error": status.message()} with HttpStatusFor(status).
net::HttpResponse ErrorResponse(const Status& status);
net::HttpResponse ErrorResponse(int http_status, const std::string& message);
// 400 {"error": message, "fields": [...]}.
net::HttpResponse FieldErrorResponse(const std::string& message, const FieldErrors& fields);
// A pool could not be reached, refused the login or answered an error: 502 whatever the code.
net::HttpResponse PoolErrorResponse(const Status& status);

// The request's body as JSON: an object (or, when allow_empty, an empty body as {}).
// InvalidArgument naming the problem otherwise ("the body is not JSON: ...").
Result<nlohmann::json> ParseJsonBody(const net::HttpRequest& req, bool allow_empty = false);

// "2026-12-07T20:15:00.000Z", or null for 0.
nlohmann::json TimeJson(int64_t unix_us);

}  // namespace xcr::jobs

#endif  // XCR_JOBS_DAEMON_API_HTTP_H_
