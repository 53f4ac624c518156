// LowPriorityHandler: runs the web front end's requests at a lower CPU priority than the
// replications, so that a flood of API requests (a dashboard left open on many screens, a
// script polling /api/status, `wrk`) takes CPU time the transfers leave rather than theirs.
// Measured by bench/web/status_under_load.sh (docs/benchmarks.md).
//
// Before its first request, a connection's thread raises its own nice value (Linux: per
// thread) by `increment` over the one it has (the daemon's, so an administrator's renice of
// the daemon carries over), at most to 19; then every call goes to `inner`. It
// relies on the server running each connection on a thread of its own that does nothing else
// (net::HttpServer), so only that connection's work is affected; threads started by a handler
// inherit the value (the daemon starts its runs from its loop thread, not from a request).
// A failure to change the priority is logged once and the request served all the same.
//
// Thread-safety: as `inner`.
#ifndef XCR_WEB_REQUEST_PRIORITY_H_
#define XCR_WEB_REQUEST_PRIORITY_H_

#include "net/http_types.h"

namespace xcr::web {

inline constexpr int kWebRequestNiceIncrement = 10;

class LowPriorityHandler : public net::HttpHandler {
 public:
  // inner: not owned, must outlive this. increment: 1 (slightly lower) to 39.
  LowPriorityHandler(net::HttpHandler* inner, int increment)
      : inner_(inner), increment_(increment) {}

  bool IsStreaming(const net::HttpRequest& req) override;
  net::HttpResponse Handle(const net::HttpRequest& req) override;
  void Stream(const net::HttpRequest& req, net::HttpConnection& conn) override;

 private:
  void LowerThisThread();
  net::HttpHandler* inner_;
  int increment_;
};

}  // namespace xcr::web

#endif  // XCR_WEB_REQUEST_PRIORITY_H_
