#include "sim/jsonrpc.h"

#include <nlohmann/json.hpp>

#include "base/logging.h"
#include "xapi/value_json.h"

namespace xcr::sim {
namespace {

using nlohmann::json;

Service::RpcReply Malformed(const std::string& why) {
  XCR_LOG(WARN) << "malformed JSON-RPC request: " << why;
  return {500, std::string(kInternalErrorPage)};
}

json ErrorReply(bool v2, const std::vector<std::string>& desc, const json& id) {
  json reply = json::object();
  if (v2) {
    reply["jsonrpc"] = "2.0";
    reply["error"] = {{"code", 1},
                      {"message", desc[0]},
                      {"data", std::vector<std::string>(desc.begin() + 1, desc.end())}};
  } else {
    reply["result"] = nullptr;
    reply["error"] = desc;
  }
  reply["id"] = id;
  return reply;
}

}  // namespace

std::string JsonRpcFailure(std::string_view body, const std::vector<std::string>& desc) {
  json req = json::parse(body, nullptr, /*allow_exceptions=*/false);
  bool v2 = req.is_object() && req.contains("jsonrpc") && req["jsonrpc"] == "2.0";
  json id = req.is_object() && req.contains("id") ? req["id"] : json(nullptr);
  return ErrorReply(v2, desc, id).dump();
}

Service::RpcReply HandleJsonRpc(Service& svc, std::string_view body) {
  json req = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (req.is_discarded()) return Malformed("the body is not JSON");
  if (!req.is_object()) return Malformed("the body is not a JSON object");
  auto method_it = req.find("method");
  if (method_it == req.end() || !method_it->is_string()) {
    return Malformed("no string member 'method'");
  }
  auto id_it = req.find("id");
  if (id_it == req.end() || id_it->is_null()) return Malformed("no non-null member 'id'");
  bool v2 = req.contains("jsonrpc") && req["jsonrpc"] == "2.0";
  Array params;
  if (auto p = req.find("params"); p != req.end() && !p->is_null()) {
    if (!p->is_array()) return Malformed("'params' is not an array (positional params only)");
    for (const json& e : *p) {
      auto v = xapi::ValueFromJson(e);
      if (!v.ok()) return Malformed(v.status().ToString());
      params.push_back(std::move(*v));
    }
  }
  const std::string method = method_it->get<std::string>();
  svc.CountCall(Service::Protocol::kJsonRpc);
  Result<Value> r = method == "system.listMethods" ? Result<Value>(svc.ListMethodsValue())
                                                   : svc.Call(method, params);
  if (!r.ok()) return {200, ErrorReply(v2, ErrorDescription(r.status()), *id_it).dump()};
  json reply = json::object();
  if (v2) reply["jsonrpc"] = "2.0";
  reply["result"] = xapi::ValueToJson(*r, xapi::JsonDateTimes::kPlainText);
  if (!v2) reply["error"] = nullptr;
  reply["id"] = *id_it;
  return {200, reply.dump(-1, ' ', false, json::error_handler_t::replace)};
}

}  // namespace xcr::sim
