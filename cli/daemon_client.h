// DaemonClient: the xcr client commands' way to the daemon (`xcr serve`): HTTP/1.1 with JSON
// bodies over its Unix socket, through libcurl (CURLOPT_UNIX_SOCKET_PATH). The API is
// docs/api.md.
//
//   socket: --socket PATH, else $XCR_SOCKET, else /var/lib/xcr/xcr.sock (DaemonSocketPath)
//   2xx             -> the answer's JSON (null for an empty body, e.g. 204)
//   4xx/5xx         -> a Status carrying the API's "error" and, one per line, each "fields"
//                      entry as "field: message"; the code follows the HTTP status (400
//                      kInvalidArgument, 404 kNotFound, 409 kFailedPrecondition, 413
//                      kResourceExhausted, 502 kUnavailable, others kInternal)
//   no daemon       -> kUnavailable "cannot reach the xcr daemon at PATH (connection refused):
//                      is `xcr serve` running?" (or "no such socket", "permission denied: ...")
//
// A request is abandoned (kCancelled) once `cancel` is set (SIGINT while waiting for a run).
// Thread-safety: one DaemonClient per thread.
#ifndef XCR_CLI_DAEMON_CLIENT_H_
#define XCR_CLI_DAEMON_CLIENT_H_

#include <atomic>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "base/result.h"

namespace xcr::cli {

// The system location of the daemon's socket.
inline constexpr char kDefaultDaemonSocket[] = "/var/lib/xcr/xcr.sock";

// `flag` if given, else $XCR_SOCKET if set and non-empty, else kDefaultDaemonSocket.
// `getenv_fn` defaults to ::getenv (tests pass their own).
std::string DaemonSocketPath(const std::string& flag,
                             const std::function<const char*(const char*)>& getenv_fn = nullptr);

// A failed API answer's message: "ERROR" then "\n  FIELD: MESSAGE" per `fields` entry. Falls
// back to the HTTP status when the body has no "error".
std::string ApiErrorMessage(int http_status, const nlohmann::json& body);

// The status code for an HTTP error status (see above).
StatusCode ApiStatusCode(int http_status);

class DaemonClient {
 public:
  // `socket_path`: where the daemon listens. `cancel` (may be null) abandons a request.
  explicit DaemonClient(std::string socket_path, const std::atomic<bool>* cancel = nullptr);

  // One request: `method` ("GET", "POST", "PATCH", "DELETE"), `path` with its query
  // ("/api/runs?job=ID"), a JSON body (null: none). `timeout_s` bounds the whole exchange.
  Result<nlohmann::json> Call(const std::string& method, const std::string& path,
                              const nlohmann::json& body = nullptr, long timeout_s = 300);
  Result<nlohmann::json> Get(const std::string& path, long timeout_s = 300) {
    return Call("GET", path, nullptr, timeout_s);
  }
  Result<nlohmann::json> Post(const std::string& path, const nlohmann::json& body = nullptr) {
    return Call("POST", path, body.is_null() ? nlohmann::json::object() : body);
  }
  Result<nlohmann::json> Patch(const std::string& path, const nlohmann::json& body) {
    return Call("PATCH", path, body);
  }
  Result<nlohmann::json> Delete(const std::string& path) { return Call("DELETE", path); }

  const std::string& socket_path() const { return socket_path_; }
  // The `fields` of the last failed answer ([] if none), for --json failure reports.
  const nlohmann::json& last_fields() const { return last_fields_; }

 private:
  std::string socket_path_;
  const std::atomic<bool>* cancel_;
  nlohmann::json last_fields_ = nlohmann::json::array();
};

// A path segment percent-encoded for a URL ("a b" -> "a%20b").
std::string UrlSegment(const std::string& text);

}  // namespace xcr::cli

#endif  // XCR_CLI_DAEMON_CLIENT_H_
