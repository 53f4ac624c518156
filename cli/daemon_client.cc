#include "cli/daemon_client.h"

#include <curl/curl.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace xcr::cli {
namespace {

constexpr size_t kMaxAnswerBytes = 64u << 20;  // a run's task tree and log fit many times over

struct Transfer {
  std::string answer;
  bool too_big = false;
  const std::atomic<bool>* cancel = nullptr;
};

size_t OnData(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  if (t->answer.size() + size * n > kMaxAnswerBytes) {
    t->too_big = true;
    return 0;
  }
  t->answer.append(data, size * n);
  return size * n;
}

int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  return t->cancel != nullptr && t->cancel->load() ? 1 : 0;
}

std::string ConnectReason(long os_errno) {
  switch (os_errno) {
    case ECONNREFUSED:
      return "connection refused";
    case ENOENT:
      return "no such socket";
    case EACCES:
    case EPERM:
      return "permission denied: run as root or as the daemon's user";
    case 0:
      return "cannot connect";
    default:
      return std::strerror(static_cast<int>(os_errno));
  }
}

}  // namespace

std::string DaemonSocketPath(const std::string& flag,
                             const std::function<const char*(const char*)>& getenv_fn) {
  if (!flag.empty()) return flag;
  const char* env = getenv_fn ? getenv_fn("XCR_SOCKET") : std::getenv("XCR_SOCKET");
  if (env != nullptr && *env != '\0') return env;
  return kDefaultDaemonSocket;
}

StatusCode ApiStatusCode(int http_status) {
  switch (http_status) {
    case 400:
      return StatusCode::kInvalidArgument;
    case 404:
      return StatusCode::kNotFound;
    case 409:
      return StatusCode::kFailedPrecondition;
    case 413:
      return StatusCode::kResourceExhausted;
    case 502:
    case 503:
      return StatusCode::kUnavailable;
    default:
      return StatusCode::kInternal;
  }
}

std::string ApiErrorMessage(int http_status, const nlohmann::json& body) {
  std::string message;
  if (body.is_object() && body.contains("error") && body["error"].is_string()) {
    message = body["error"].get<std::string>();
  }
  if (message.empty()) {
    message = "the daemon answered HTTP " + std::to_string(http_status);
  }
  if (body.is_object() && body.contains("fields") && body["fields"].is_array()) {
    for (const nlohmann::json& f : body["fields"]) {
      if (!f.is_object()) continue;
      std::string field = f.value("field", std::string());
      std::string text = f.value("message", std::string());
      message += "\n  " + (field.empty() ? text : field + ": " + text);
    }
  }
  return message;
}

std::string UrlSegment(const std::string& text) {
  // libcurl escapes every byte but the unreserved ones (RFC 3986: A-Z a-z 0-9 - . _ ~).
  char* escaped = curl_easy_escape(nullptr, text.data(), static_cast<int>(text.size()));
  if (escaped == nullptr) return {};
  std::string out(escaped);
  curl_free(escaped);
  return out;
}

DaemonClient::DaemonClient(std::string socket_path, const std::atomic<bool>* cancel)
    : socket_path_(std::move(socket_path)), cancel_(cancel) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

Result<nlohmann::json> DaemonClient::Call(const std::string& method, const std::string& path,
                                          const nlohmann::json& body, long timeout_s) {
  last_fields_ = nlohmann::json::array();
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return Status::Internal("libcurl could not start a request");
  char error[CURL_ERROR_SIZE] = {};
  Transfer t;
  t.cancel = cancel_;
  std::string url = "http://xcr" + path;
  std::string payload = body.is_null() ? std::string() : body.dump();
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, "Accept: application/json");
  if (!body.is_null()) headers = curl_slist_append(headers, "Content-Type: application/json");
  curl_easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH, socket_path_.c_str());
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  if (!body.is_null()) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, payload.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(payload.size()));
  }
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, timeout_s);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnData);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, OnProgress);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &t);
  CURLcode rc = curl_easy_perform(curl);
  long http_status = 0;
  long os_errno = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &http_status);
  curl_easy_getinfo(curl, CURLINFO_OS_ERRNO, &os_errno);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);

  const std::string where = "the xcr daemon at " + socket_path_;
  if (rc == CURLE_COULDNT_CONNECT) {
    return Status::Unavailable("cannot reach " + where + " (" + ConnectReason(os_errno) +
                               "): is `xcr serve` running?");
  }
  if (rc == CURLE_ABORTED_BY_CALLBACK) return Status::Cancelled("interrupted");
  if (rc == CURLE_OPERATION_TIMEDOUT) {
    return Status::Timeout(where + " did not answer within " + std::to_string(timeout_s) + " s");
  }
  if (rc == CURLE_WRITE_ERROR && t.too_big) {
    return Status::ResourceExhausted(where + " answered more than 64 MiB");
  }
  if (rc != CURLE_OK) {
    return Status::Unavailable(where + ": " +
                               (error[0] != '\0' ? std::string(error) : curl_easy_strerror(rc)));
  }
  nlohmann::json answer = nlohmann::json::parse(t.answer, nullptr, /*allow_exceptions=*/false);
  if (http_status < 200 || http_status > 299) {
    if (answer.is_object() && answer.contains("fields") && answer["fields"].is_array()) {
      last_fields_ = answer["fields"];
    }
    return Status(ApiStatusCode(static_cast<int>(http_status)),
                  ApiErrorMessage(static_cast<int>(http_status), answer));
  }
  if (t.answer.empty()) return nlohmann::json();
  if (answer.is_discarded()) {
    return Status::Corruption(where + " answered " + method + " " + path +
                              " with something that is not JSON");
  }
  return answer;
}

}  // namespace xcr::cli
