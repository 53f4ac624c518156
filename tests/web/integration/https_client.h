// A small HTTPS client for the web tests (libcurl): one request, the status, headers and body.
// The server's certificate is checked against the PEM the test expects (CURLOPT_CAINFO_BLOB).
#ifndef XCR_TESTS_WEB_INTEGRATION_HTTPS_CLIENT_H_
#define XCR_TESTS_WEB_INTEGRATION_HTTPS_CLIENT_H_

#include <curl/curl.h>

#include <map>
#include <string>
#include <vector>

#include "base/text.h"

namespace xcr::web::testing {

struct Reply {
  long status = 0;
  std::multimap<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string error;  // curl's, if the exchange failed
  std::string Header(const std::string& lower) const {
    auto it = headers.find(lower);
    return it == headers.end() ? "" : it->second;
  }
};

class HttpsClient {
 public:
  HttpsClient(std::string base_url, std::string ca_pem)
      : base_(std::move(base_url)), ca_(std::move(ca_pem)) {}

  // `path` is sent as given (no "." or ".." squashing). `headers` as "Name: value"; with
  // "Expect: 100-continue" among them the body waits for the server's go-ahead.
  Reply Send(const std::string& method, const std::string& path, const std::string& body = "",
             std::vector<std::string> headers = {}) const {
    Reply r;
    CURL* c = curl_easy_init();
    std::string url = base_ + path.substr(path.empty() || path[0] != '/' ? 0 : 1);
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    if (!ca_.empty()) {
      curl_blob blob{const_cast<char*>(ca_.data()), ca_.size(), CURL_BLOB_COPY};
      curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &blob);
    }
    if (!body.empty() || method == "POST" || method == "PATCH") {
      curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
      curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    }
    if (method == "HEAD") curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    curl_slist* list = nullptr;
    bool expect = false;
    for (const std::string& h : headers) expect = expect || h.rfind("Expect:", 0) == 0;
    if (!expect) headers.push_back("Expect:");  // curl's default 100-continue wait, off
    for (const std::string& h : headers) list = curl_slist_append(list, h.c_str());
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &Write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &OnHeader);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r.headers);
    CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK) r.error = curl_easy_strerror(rc);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    curl_slist_free_all(list);
    curl_easy_cleanup(c);
    return r;
  }

 private:
  static size_t Write(char* p, size_t s, size_t n, void* out) {
    static_cast<std::string*>(out)->append(p, s * n);
    return s * n;
  }
  static size_t OnHeader(char* p, size_t s, size_t n, void* out) {
    std::string line(p, s * n);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    size_t colon = line.find(':');
    if (colon != std::string::npos) {
      static_cast<std::multimap<std::string, std::string>*>(out)->emplace(
          AsciiLower(line.substr(0, colon)), std::string(TrimBlanks(line.substr(colon + 1))));
    }
    return s * n;
  }
  std::string base_;
  std::string ca_;
};

}  // namespace xcr::web::testing

#endif  // XCR_TESTS_WEB_INTEGRATION_HTTPS_CLIENT_H_
