#include "xapi/sim/pool_handler.h"

#include "xapi/sim/transfer.h"
#include "xapi/xmlrpc.h"

namespace xcr::xapi::sim {
namespace {

bool IsRpcPath(const std::string& p) { return p == "/" || p == "/RPC2" || p == "/xmlrpc"; }

HttpResponse NotFound() {
  HttpResponse r;
  r.status = 404;
  r.headers.emplace_back("Content-Type", "text/html");
  r.body = "<html><body><h1>HTTP 404 not found</h1></body></html>";
  return r;
}

}  // namespace

bool MasterHandler::IsStreaming(const HttpRequest& req) {
  return (req.method == "GET" && req.path == "/export_raw_vdi") ||
         (req.method == "PUT" && req.path == "/import_raw_vdi");
}

HttpResponse MasterHandler::Handle(const HttpRequest& req) {
  if (req.method == "POST" && IsRpcPath(req.path)) {
    Service::RpcReply reply = svc_->HandleXmlRpc(req.body);
    HttpResponse r;
    r.status = reply.http_status;
    r.headers.emplace_back("Content-Type", reply.http_status == 200 ? "text/xml" : "text/html");
    r.body = std::move(reply.body);
    r.close = reply.http_status != 200;
    return r;
  }
  if (req.method == "POST" && req.path == "/jsonrpc") {
    // A host without JSON-RPC answers through its XML-RPC handler: 200 text/xml. Xen Orchestra's
    // client takes the non-JSON content type as "switch to XML-RPC".
    HttpResponse r;
    r.headers.emplace_back("Content-Type", "text/xml");
    r.body = EncodeFailure({"MESSAGE_METHOD_UNKNOWN", "jsonrpc"});
    return r;
  }
  return NotFound();
}

void MasterHandler::Stream(const HttpRequest& req, HttpConnection& conn) {
  if (req.path == "/export_raw_vdi") return ServeExport(*svc_, req, conn);
  return ServeImport(*svc_, req, conn);
}

HttpResponse MemberHandler::Handle(const HttpRequest& req) {
  HttpResponse r;
  if (req.method == "POST" && IsRpcPath(req.path)) {
    r.headers.emplace_back("Content-Type", "text/xml");
    r.body = EncodeFailure({"HOST_IS_SLAVE", master_address_});
    return r;
  }
  if (req.path == "/export_raw_vdi" || req.path == "/import_raw_vdi") {
    r.status = 302;
    r.headers.emplace_back("Location", master_url_ + req.target);
    r.close = true;
    return r;
  }
  return NotFound();
}

}  // namespace xcr::xapi::sim
