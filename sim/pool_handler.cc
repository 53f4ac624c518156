#include "sim/pool_handler.h"

#include "sim/jsonrpc.h"
#include "sim/routes.h"
#include "sim/transfer.h"
#include "sim/xapi_names.h"
#include "xapi/xmlrpc.h"

namespace xcr::sim {
namespace {

net::HttpResponse NotFound() {
  net::HttpResponse r;
  r.status = 404;
  r.headers.emplace_back("Content-Type", "text/html");
  r.body = "<html><body><h1>HTTP 404 not found</h1></body></html>";
  return r;
}

net::HttpResponse RpcResponse(Service::RpcReply reply, const char* content_type) {
  net::HttpResponse r;
  r.status = reply.http_status;
  r.headers.emplace_back("Content-Type", reply.http_status == 200 ? content_type : "text/html");
  r.body = std::move(reply.body);
  r.close = reply.http_status != 200;
  return r;
}

}  // namespace

bool MasterHandler::IsStreaming(const net::HttpRequest& req) {
  Route r = MatchRoute(req.method, req.path);
  return r == Route::kExport || r == Route::kImport;
}

net::HttpResponse MasterHandler::Handle(const net::HttpRequest& req) {
  switch (MatchRoute(req.method, req.path)) {
    case Route::kXmlRpc:
      return RpcResponse(svc_->HandleXmlRpc(req.body), "text/xml");
    case Route::kJsonRpc:
      return RpcResponse(HandleJsonRpc(*svc_, req.body), "application/json");
    default:
      return NotFound();
  }
}

void MasterHandler::Stream(const net::HttpRequest& req, net::HttpConnection& conn) {
  if (MatchRoute(req.method, req.path) == Route::kExport) return ServeExport(*svc_, req, conn);
  return ServeImport(*svc_, req, conn);
}

net::HttpResponse MemberHandler::Handle(const net::HttpRequest& req) {
  net::HttpResponse r;
  switch (MatchRoute(req.method, req.path)) {
    case Route::kXmlRpc:
      r.headers.emplace_back("Content-Type", "text/xml");
      r.body = EncodeFailure({"HOST_IS_SLAVE", master_address_});
      return r;
    case Route::kJsonRpc:
      r.headers.emplace_back("Content-Type", "application/json");
      r.body = JsonRpcFailure(req.body, {"HOST_IS_SLAVE", master_address_});
      return r;
    case Route::kExport:
    case Route::kImport:
      r.status = 302;
      r.headers.emplace_back("Location", master_url_ + req.target);
      r.close = true;
      return r;
    default:
      return NotFound();
  }
}

}  // namespace xcr::sim
