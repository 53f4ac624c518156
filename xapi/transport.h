// Transport: how XML-RPC requests reach one XAPI host — POST a body to a path, get the response.
//
// The session layer only sees this interface, so tests inject fakes and a FailAfterTransport
// that fails every request after the first N (each error path is walked by a loop N = 0..k).
// The real implementation is CurlTransport (curl_transport.h).
//
// Error contract for Post(): a response with any HTTP status is returned as a value; transport
// failures are a Status: kUnavailable when the host could not be reached (nothing was sent, so
// the request may be retried elsewhere), kPermissionDenied when the host's certificate is
// refused (pin mismatch: both fingerprints in the message), kTimeout, kIOError when the
// connection broke after the request was sent, kResourceExhausted when a size limit was hit.
// Thread-safety: implementations are safe for concurrent Post() calls.
#ifndef XCR_XAPI_TRANSPORT_H_
#define XCR_XAPI_TRANSPORT_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace xcr::xapi {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpResponse {
  int status = 0;
  HttpHeaders headers;  // names as received
  std::string body;

  // The first header with this name (case-insensitive), or "".
  std::string Header(std::string_view name) const;
};

class Transport {
 public:
  virtual ~Transport() = default;
  // POSTs `body` to `path` (e.g. "/") on this transport's host. See the error contract above.
  virtual Result<HttpResponse> Post(std::string_view path, std::string_view body,
                                    const HttpHeaders& headers) = 0;
  // "scheme://host[:port]" of the host this transport talks to.
  virtual std::string base_url() const = 0;
};

// Opens a Transport to another host ("scheme://host[:port]") with the same trust policy and
// limits; used to follow HOST_IS_SLAVE and to fail over to other pool members.
using TransportFactory =
    std::function<Result<std::unique_ptr<Transport>>(const std::string& base_url)>;

// Passes the first `successes` requests (counted across all threads, and across every transport
// sharing the same budget) to the inner transport, then fails every later one with kUnavailable
// "injected failure". Beast's fail_count idea: a test loops N = 0..k to walk every error path.
class FailAfterTransport : public Transport {
 public:
  using Budget = std::shared_ptr<std::atomic<int>>;
  FailAfterTransport(Transport* inner, int successes)
      : inner_(inner), budget_(std::make_shared<std::atomic<int>>(successes)) {}
  FailAfterTransport(std::unique_ptr<Transport> inner, Budget budget)
      : owned_(std::move(inner)), inner_(owned_.get()), budget_(std::move(budget)) {}

  Result<HttpResponse> Post(std::string_view path, std::string_view body,
                            const HttpHeaders& headers) override;
  std::string base_url() const override { return inner_->base_url(); }

  // A factory whose transports (opened by `inner`) share one budget of `successes` requests.
  static TransportFactory Factory(TransportFactory inner, int successes);

 private:
  std::unique_ptr<Transport> owned_;
  Transport* inner_;
  Budget budget_;
};

}  // namespace xcr::xapi

#endif  // XCR_XAPI_TRANSPORT_H_
