// CurlEasy: an owned libcurl easy handle for the report senders (webhook, SMTP), with the
// process-wide curl_global_init done once, signals off and an error buffer for messages.
// Thread-safety: one CurlEasy per call; construction is safe from any thread.
#ifndef XCR_JOBS_REPORT_CURL_H_
#define XCR_JOBS_REPORT_CURL_H_

#include <curl/curl.h>

#include <string>

namespace xcr::jobs {

class CurlEasy {
 public:
  CurlEasy();
  ~CurlEasy();
  CurlEasy(const CurlEasy&) = delete;
  CurlEasy& operator=(const CurlEasy&) = delete;

  CURL* get() const { return curl_; }
  // curl's detailed message for the last failure, else curl_easy_strerror(code).
  std::string Error(CURLcode code) const;

 private:
  CURL* curl_;
  char error_[CURL_ERROR_SIZE] = {};
};

}  // namespace xcr::jobs

#endif  // XCR_JOBS_REPORT_CURL_H_
