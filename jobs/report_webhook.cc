#include "jobs/report_webhook.h"

#include "jobs/report_curl.h"

namespace xcr::jobs {
namespace {

size_t Discard(char*, size_t size, size_t n, void*) { return size * n; }

}  // namespace

Status PostJsonWebhook(const std::string& url, const std::string& json_body, uint64_t timeout_ms) {
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
    return Status::InvalidArgument("report webhook '" + url + "' is not an http(s) URL");
  }
  CurlEasy curl;
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDS, json_body.data());
  curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDSIZE_LARGE,
                   static_cast<curl_off_t>(json_body.size()));
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_ms));
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, Discard);
  CURLcode rc = curl_easy_perform(curl.get());
  curl_slist_free_all(headers);
  if (rc != CURLE_OK) {
    return Status::Unavailable("report webhook " + url + ": " + curl.Error(rc));
  }
  long code = 0;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &code);
  if (code < 200 || code > 299) {
    return Status::Unavailable("report webhook " + url + " answered HTTP " + std::to_string(code) +
                               ": check the URL and the receiver");
  }
  return Status::OK();
}

}  // namespace xcr::jobs
