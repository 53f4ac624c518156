#include "base/status.h"

#include <cerrno>
#include <cstring>

namespace xcr {

std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "ok";
    case StatusCode::kInvalidArgument:
      return "invalid argument";
    case StatusCode::kNotFound:
      return "not found";
    case StatusCode::kAlreadyExists:
      return "already exists";
    case StatusCode::kCorruption:
      return "corruption";
    case StatusCode::kIOError:
      return "I/O error";
    case StatusCode::kNotSupported:
      return "not supported";
    case StatusCode::kPermissionDenied:
      return "permission denied";
    case StatusCode::kUnavailable:
      return "unavailable";
    case StatusCode::kTimeout:
      return "timeout";
    case StatusCode::kCancelled:
      return "cancelled";
    case StatusCode::kRemoteError:
      return "remote error";
    case StatusCode::kResourceExhausted:
      return "resource exhausted";
    case StatusCode::kFailedPrecondition:
      return "failed precondition";
    case StatusCode::kInternal:
      return "internal error";
  }
  return "unknown";
}

Status Status::Remote(std::string error_name, std::vector<std::string> params,
                      std::string context) {
  std::string msg = context.empty() ? std::string() : context + ": ";
  msg += error_name;
  if (!params.empty()) {
    msg += " [";
    for (size_t i = 0; i < params.size(); ++i) {
      if (i) msg += "; ";
      msg += params[i];
    }
    msg += "]";
  }
  Status s(StatusCode::kRemoteError, std::move(msg));
  s.error_name_ = std::move(error_name);
  s.params_ = std::move(params);
  return s;
}

Status Status::FromErrno(int err, std::string_view context) {
  StatusCode code = StatusCode::kIOError;
  if (err == ENOENT) code = StatusCode::kNotFound;
  if (err == ENOSPC || err == EDQUOT) code = StatusCode::kResourceExhausted;
  if (err == EACCES || err == EPERM) code = StatusCode::kPermissionDenied;
  if (err == EEXIST) code = StatusCode::kAlreadyExists;
  return Status(code, std::string(context) + ": " + std::strerror(err));
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  Status s = *this;
  s.message_ = std::string(context) + ": " + message_;
  return s;
}

Status Status::WithMessage(std::string message) const {
  if (ok()) return *this;
  Status s = *this;
  s.message_ = std::move(message);
  return s;
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  return std::string(StatusCodeName(code_)) + ": " + message_;
}

}  // namespace xcr
