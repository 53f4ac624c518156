// CurlTransport: the real Transport, HTTP(S) over libcurl with keep-alive.
//
// Each request takes an idle easy handle from a small pool (or makes one), so concurrent calls
// (a blocking event.from next to short calls) run in parallel while connections are reused.
// Every handle applies the same TlsTrust (see http_curl.h for how pins are checked).
// Thread-safety: Post() may be called from any number of threads.
#ifndef XCR_XAPI_CURL_TRANSPORT_H_
#define XCR_XAPI_CURL_TRANSPORT_H_

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "xapi/http_curl.h"
#include "xapi/transport.h"

namespace xcr::xapi {

class CurlTransport : public Transport {
 public:
  // `base_url` is "scheme://host[:port]". limits.total_timeout_ms bounds one call (default
  // 0 = none; the session layer sets a generous deadline).
  CurlTransport(std::string base_url, TlsTrust trust, HttpLimits limits = {});
  ~CurlTransport() override;

  Result<HttpResponse> Post(std::string_view path, std::string_view body,
                            const HttpHeaders& headers) override;
  std::string base_url() const override { return base_url_; }

  // A factory opening CurlTransports with this trust policy and limits.
  static TransportFactory Factory(TlsTrust trust, HttpLimits limits = {});

 private:
  std::unique_ptr<CurlEasy> Acquire();
  void Release(std::unique_ptr<CurlEasy> easy);

  std::string base_url_;  // without trailing '/'
  const TlsTrust trust_;
  const HttpLimits limits_;
  std::mutex mu_;
  std::vector<std::unique_ptr<CurlEasy>> idle_;  // guarded by mu_
};

}  // namespace xcr::xapi

#endif  // XCR_XAPI_CURL_TRANSPORT_H_
