#include "sim/pool_handler.h"

#include "sim/transfer.h"
#include "sim/xapi_names.h"
#include "xapi/xmlrpc.h"

namespace xcr::sim {
namespace {

bool IsRpcPath(const std::string& p) { return p == "/" || p == "/RPC2" || p == "/xmlrpc"; }

net::HttpResponse NotFound() {
  net::HttpResponse r;
  r.status = 404;
  r.headers.emplace_back("Content-Type", "text/html");
  r.body = "<html><body><h1>HTTP 404 not found</h1></body></html>";
  return r;
}

}  // namespace

bool MasterHandler::IsStreaming(const net::HttpRequest& req) {
  return (req.method == "GET" && req.path == "/export_raw_vdi") ||
         (req.method == "PUT" && req.path == "/import_raw_vdi");
}

net::HttpResponse MasterHandler::Handle(const net::HttpRequest& req) {
  if (req.method == "POST" && IsRpcPath(req.path)) {
    Service::RpcReply reply = svc_->HandleXmlRpc(req.body);
    net::HttpResponse r;
    r.status = reply.http_status;
    r.headers.emplace_back("Content-Type", reply.http_status == 200 ? "text/xml" : "text/html");
    r.body = std::move(reply.body);
    r.close = reply.http_status != 200;
    return r;
  }
  if (req.method == "POST" && req.path == "/jsonrpc") {
    // A host without JSON-RPC answers through its XML-RPC handler: 200 text/xml. Xen Orchestra's
    // client takes the non-JSON content type as "switch to XML-RPC".
    net::HttpResponse r;
    r.headers.emplace_back("Content-Type", "text/xml");
    r.body = EncodeFailure({"MESSAGE_METHOD_UNKNOWN", "jsonrpc"});
    return r;
  }
  return NotFound();
}

void MasterHandler::Stream(const net::HttpRequest& req, net::HttpConnection& conn) {
  if (req.path == "/export_raw_vdi") return ServeExport(*svc_, req, conn);
  return ServeImport(*svc_, req, conn);
}

net::HttpResponse MemberHandler::Handle(const net::HttpRequest& req) {
  net::HttpResponse r;
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

}  // namespace xcr::sim
