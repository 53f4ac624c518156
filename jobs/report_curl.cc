#include "jobs/report_curl.h"

#include <cstdlib>
#include <mutex>

namespace xcr::jobs {

CurlEasy::CurlEasy() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  curl_ = curl_easy_init();
  if (curl_ == nullptr) std::abort();  // out of memory
  curl_easy_setopt(curl_, CURLOPT_ERRORBUFFER, error_);
  curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
}

CurlEasy::~CurlEasy() { curl_easy_cleanup(curl_); }

std::string CurlEasy::Error(CURLcode code) const {
  return error_[0] != '\0' ? std::string(error_) : std::string(curl_easy_strerror(code));
}

}  // namespace xcr::jobs
