#include "jobs/daemon_api_http.h"

#include "engine/backup_datetime.h"

namespace xcr::jobs {

int HttpStatusFor(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kInvalidArgument:
      return 400;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kAlreadyExists:
    case StatusCode::kFailedPrecondition:
    case StatusCode::kCancelled:
      return 409;
    case StatusCode::kPermissionDenied:
      return 403;
    case StatusCode::kUnavailable:
    case StatusCode::kRemoteError:
    case StatusCode::kTimeout:
      return 502;
    case StatusCode::kNotSupported:
      return 501;
    default:
      return 500;
  }
}

net::HttpResponse JsonResponse(int status, const nlohmann::json& body) {
  net::HttpResponse r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "application/json");
  if (status != 204) {
    r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    r.body.push_back('\n');
  }
  return r;
}

net::HttpResponse ErrorResponse(int http_status, const std::string& message) {
  return JsonResponse(http_status, {{"error", message}});
}

net::HttpResponse ErrorResponse(const Status& status) {
  return ErrorResponse(HttpStatusFor(status), status.message());
}

net::HttpResponse FieldErrorResponse(const std::string& message, const FieldErrors& fields) {
  return JsonResponse(400, {{"error", message}, {"fields", FieldErrorsToJson(fields)}});
}

net::HttpResponse PoolErrorResponse(const Status& status) {
  return ErrorResponse(502, status.message());
}

Result<nlohmann::json> ParseJsonBody(const net::HttpRequest& req, bool allow_empty) {
  bool blank = req.body.find_first_not_of(" \t\r\n") == std::string::npos;
  if (blank) {
    if (allow_empty) return nlohmann::json::object();
    return Status::InvalidArgument("the request needs a JSON object as its body");
  }
  nlohmann::json body = nlohmann::json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) {
    return Status::InvalidArgument("the body is not valid JSON");
  }
  if (!body.is_object()) return Status::InvalidArgument("the body must be a JSON object");
  return body;
}

nlohmann::json TimeJson(int64_t unix_us) {
  if (unix_us == 0) return nullptr;
  return engine::FormatRfc3339(unix_us);
}

}  // namespace xcr::jobs
