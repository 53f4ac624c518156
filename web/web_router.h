// WebRouter: what the HTTPS listener serves behind the ApiGate (api_gate.h), by path:
//
//   /healthz, /api/...   the daemon's JSON API handler (docs/api.md)
//   /metrics             the Prometheus exposition (metrics.h)
//   anything else        the embedded UI (static_ui.h)
//
// Streaming requests (the API's server-sent events) go to the API handler's Stream.
// Thread-safety: as the handlers it holds (all safe from many connection threads).
#ifndef XCR_WEB_WEB_ROUTER_H_
#define XCR_WEB_WEB_ROUTER_H_

#include "net/http_types.h"

namespace xcr::web {

class WebRouter : public net::HttpHandler {
 public:
  // Not owned; must outlive the router.
  WebRouter(net::HttpHandler* api, net::HttpHandler* metrics, net::HttpHandler* ui)
      : api_(api), metrics_(metrics), ui_(ui) {}

  bool IsStreaming(const net::HttpRequest& req) override { return Route(req)->IsStreaming(req); }
  net::HttpResponse Handle(const net::HttpRequest& req) override { return Route(req)->Handle(req); }
  void Stream(const net::HttpRequest& req, net::HttpConnection& conn) override {
    Route(req)->Stream(req, conn);
  }

 private:
  net::HttpHandler* Route(const net::HttpRequest& req) const {
    if (req.path == "/healthz" || req.path == "/api" || req.path.rfind("/api/", 0) == 0) {
      return api_;
    }
    if (req.path == "/metrics") return metrics_;
    return ui_;
  }

  net::HttpHandler* api_;
  net::HttpHandler* metrics_;
  net::HttpHandler* ui_;
};

}  // namespace xcr::web

#endif  // XCR_WEB_WEB_ROUTER_H_
