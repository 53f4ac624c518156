// Status: the outcome of a fallible call — OK, or a code plus a message a user can act on.
//
// Every fallible function in xcr returns a Status or a Result<T> (see result.h). Library errors
// (curl, libxml2, SQLite, errno) are converted into a Status at the boundary. A Status may also
// carry an error name and parameters from a remote API (XAPI's ErrorDescription), so callers can
// branch on e.g. "SESSION_INVALID" without parsing text.
//
// Thread-safety: a Status is a value; distinct objects may be used from distinct threads.
#ifndef XCR_BASE_STATUS_H_
#define XCR_BASE_STATUS_H_

#include <string>
#include <string_view>
#include <vector>

namespace xcr {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     // the caller passed something malformed (bad flag, bad URL, bad JSON)
  kNotFound,            // a file, object or key does not exist
  kAlreadyExists,       // creating something that is there already
  kCorruption,          // data failed validation (bad VHD, bad XML-RPC, digest mismatch)
  kIOError,             // the OS refused a read/write/open (errno text in the message)
  kNotSupported,        // valid but not handled (e.g. a fixed VHD opened for writing)
  kPermissionDenied,    // credentials refused, file mode too open, TLS pin mismatch
  kUnavailable,         // a peer cannot be reached or dropped the connection; may be retried
  kTimeout,             // a deadline passed
  kCancelled,           // the operation was cancelled on request
  kRemoteError,         // the remote API answered with a failure (see error_name()/params())
  kResourceExhausted,   // out of space or over a configured limit
  kFailedPrecondition,  // the system is not in the state the operation needs
  kInternal,            // a bug: an invariant did not hold
};

// Short lower-case name for a code, e.g. "corruption".
std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status OK() { return Status(); }
  static Status InvalidArgument(std::string msg) {
    return {StatusCode::kInvalidArgument, std::move(msg)};
  }
  static Status NotFound(std::string msg) { return {StatusCode::kNotFound, std::move(msg)}; }
  static Status AlreadyExists(std::string msg) {
    return {StatusCode::kAlreadyExists, std::move(msg)};
  }
  static Status Corruption(std::string msg) { return {StatusCode::kCorruption, std::move(msg)}; }
  static Status IOError(std::string msg) { return {StatusCode::kIOError, std::move(msg)}; }
  static Status NotSupported(std::string msg) {
    return {StatusCode::kNotSupported, std::move(msg)};
  }
  static Status PermissionDenied(std::string msg) {
    return {StatusCode::kPermissionDenied, std::move(msg)};
  }
  static Status Unavailable(std::string msg) { return {StatusCode::kUnavailable, std::move(msg)}; }
  static Status Timeout(std::string msg) { return {StatusCode::kTimeout, std::move(msg)}; }
  static Status Cancelled(std::string msg) { return {StatusCode::kCancelled, std::move(msg)}; }
  static Status ResourceExhausted(std::string msg) {
    return {StatusCode::kResourceExhausted, std::move(msg)};
  }
  static Status FailedPrecondition(std::string msg) {
    return {StatusCode::kFailedPrecondition, std::move(msg)};
  }
  static Status Internal(std::string msg) { return {StatusCode::kInternal, std::move(msg)}; }
  // A failure reported by a remote API: name (e.g. "SESSION_INVALID") and its parameters.
  static Status Remote(std::string error_name, std::vector<std::string> params,
                       std::string context = {});
  // From errno: "<context>: <strerror(err)>", code kIOError (kNotFound for ENOENT,
  // kResourceExhausted for ENOSPC/EDQUOT, kPermissionDenied for EACCES/EPERM).
  static Status FromErrno(int err, std::string_view context);

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // For kRemoteError: the remote error name and parameters; empty otherwise.
  const std::string& error_name() const { return error_name_; }
  const std::vector<std::string>& params() const { return params_; }

  // Returns a copy whose message is "<context>: <message>"; code and remote fields kept.
  Status WithContext(std::string_view context) const;
  // Returns a copy with the message replaced; code and remote fields kept. OK stays OK.
  Status WithMessage(std::string message) const;
  // "OK" or "<code name>: <message>".
  std::string ToString() const;

  bool operator==(const Status& o) const = default;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  std::string error_name_;
  std::vector<std::string> params_;
};

}  // namespace xcr

// Evaluates a Status expression and returns it from the enclosing function if not OK.
#define XCR_RETURN_IF_ERROR(expr)              \
  do {                                         \
    ::xcr::Status xcr_status_ = (expr);        \
    if (!xcr_status_.ok()) return xcr_status_; \
  } while (0)

#endif  // XCR_BASE_STATUS_H_
