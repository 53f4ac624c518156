// The HTTP front of a simulated host, its handlers found by path prefix (routes.h):
//   master:  XML-RPC (POST /, /RPC2, /xmlrpc...), JSON-RPC (POST /jsonrpc), disk export
//            (GET /export_raw_vdi[/]) and import (PUT /import_raw_vdi[/]); anything else 404.
//   member:  every XML-RPC or JSON-RPC call answers HOST_IS_SLAVE [master address] in its own
//            protocol; transfers answer 302 to the same path and query on the master.
#ifndef XCR_SIM_POOL_HANDLER_H_
#define XCR_SIM_POOL_HANDLER_H_

#include <string>

#include "net/http_types.h"
#include "sim/service.h"
#include "sim/xapi_names.h"

namespace xcr::sim {

class MasterHandler : public net::HttpHandler {
 public:
  explicit MasterHandler(Service* svc) : svc_(svc) {}
  bool IsStreaming(const net::HttpRequest& req) override;
  net::HttpResponse Handle(const net::HttpRequest& req) override;
  void Stream(const net::HttpRequest& req, net::HttpConnection& conn) override;

 private:
  Service* svc_;
};

class MemberHandler : public net::HttpHandler {
 public:
  // master_address: what HOST_IS_SLAVE carries; master_url: base of redirects
  // ("http://127.0.0.1:PORT").
  MemberHandler(std::string master_address, std::string master_url)
      : master_address_(std::move(master_address)), master_url_(std::move(master_url)) {}
  bool IsStreaming(const net::HttpRequest& req) override { return false; }
  net::HttpResponse Handle(const net::HttpRequest& req) override;
  void Stream(const net::HttpRequest& req, net::HttpConnection& conn) override {}

 private:
  std::string master_address_;
  std::string master_url_;
};

}  // namespace xcr::sim

#endif  // XCR_SIM_POOL_HANDLER_H_
