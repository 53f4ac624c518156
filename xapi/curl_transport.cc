#include "xapi/curl_transport.h"

#include <utility>

namespace xcr::xapi {

namespace {

constexpr size_t kMaxIdleHandles = 4;

struct ResponseState {
  HttpResponse* response;
  size_t cap;
  bool over_cap = false;
};

size_t WriteBody(char* data, size_t size, size_t n, void* user) {
  auto* st = static_cast<ResponseState*>(user);
  size_t len = size * n;
  if (st->response->body.size() + len > st->cap) {
    st->over_cap = true;
    return 0;
  }
  st->response->body.append(data, len);
  return len;
}

size_t WriteHeader(char* data, size_t size, size_t n, void* user) {
  auto* st = static_cast<ResponseState*>(user);
  size_t len = size * n;
  std::string_view line(data, len);
  if (line.substr(0, 5) == "HTTP/") {
    st->response->headers.clear();  // a new response (after a 100 Continue or redirect)
    return len;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return len;
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
    value.remove_suffix(1);
  }
  if (st->response->headers.size() < 200) {
    st->response->headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
  }
  return len;
}

}  // namespace

CurlTransport::CurlTransport(std::string base_url, TlsTrust trust, HttpLimits limits)
    : base_url_(std::move(base_url)), trust_(trust), limits_(limits) {
  while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
}

CurlTransport::~CurlTransport() = default;

std::unique_ptr<CurlEasy> CurlTransport::Acquire() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      auto easy = std::move(idle_.back());
      idle_.pop_back();
      return easy;
    }
  }
  return std::make_unique<CurlEasy>(trust_, limits_);
}

void CurlTransport::Release(std::unique_ptr<CurlEasy> easy) {
  std::lock_guard<std::mutex> lock(mu_);
  if (idle_.size() < kMaxIdleHandles) idle_.push_back(std::move(easy));
}

Result<HttpResponse> CurlTransport::Post(std::string_view path, std::string_view body,
                                         const HttpHeaders& headers) {
  if (body.size() > limits_.max_request_body) {
    return Status::ResourceExhausted("XML-RPC request of " + std::to_string(body.size()) +
                                     " bytes exceeds the limit of " +
                                     std::to_string(limits_.max_request_body));
  }
  std::unique_ptr<CurlEasy> easy = Acquire();
  easy->Reset();
  CURL* c = easy->get();
  std::string url = base_url_ + std::string(path);
  HttpResponse response;
  ResponseState state{&response, limits_.max_response_body};
  curl_slist* list = nullptr;
  list = curl_slist_append(list, "Content-Type: text/xml");
  list = curl_slist_append(list, "Expect:");
  for (const auto& [k, v] : headers) list = curl_slist_append(list, (k + ": " + v).c_str());
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &WriteBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &state);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &WriteHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &state);
  curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE,
                   static_cast<curl_off_t>(limits_.max_response_body));
  CURLcode rc = curl_easy_perform(c);
  curl_slist_free_all(list);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, nullptr);
  Status status;
  if (state.over_cap || rc == CURLE_FILESIZE_EXCEEDED) {
    status = Status::ResourceExhausted("POST " + url + ": response larger than " +
                                       std::to_string(limits_.max_response_body) + " bytes");
  } else {
    status = easy->ToStatus(rc, "POST " + url);
  }
  long code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  response.status = static_cast<int>(code);
  if (status.ok()) Release(std::move(easy));  // a failed handle's connection is not reused
  if (!status.ok()) return status;
  return response;
}

TransportFactory CurlTransport::Factory(TlsTrust trust, HttpLimits limits) {
  return [trust, limits](const std::string& base_url) -> Result<std::unique_ptr<Transport>> {
    return std::unique_ptr<Transport>(std::make_unique<CurlTransport>(base_url, trust, limits));
  };
}

}  // namespace xcr::xapi
