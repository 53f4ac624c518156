// JSON-RPC front end of the simulated master (`POST /jsonrpc`), as XAPI serves it: JSON-RPC 1.0
// and 2.0, positional `params`, the same dispatch, sessions and event.from as XML-RPC.
//
//   request   {"jsonrpc":"2.0"?, "method": "VM.get_record", "params": [session, ref], "id": 1}
//   v1 reply  {"result": v, "error": null, "id": 1}  |  {"result": null, "error": [CODE, p...]}
//   v2 reply  {"jsonrpc":"2.0","result": v,"id": 1}  |
//             {"jsonrpc":"2.0","error":{"code":1,"message":CODE,"data":[p...]},"id": 1}
//
// Values: ints and floats are JSON numbers, dateTimes XAPI's strings ("20261207T16:44:27Z"),
// void is null. A body that is not a JSON object with a string `method`, an array `params` (may
// be absent: no parameters) and a non-null `id` gets HTTP 500 with an HTML page, as a malformed
// XML-RPC body does on `/` (an XML-RPC request sent here is such a body).
//
// Thread-safety: as Service.
#ifndef XCR_SIM_JSONRPC_H_
#define XCR_SIM_JSONRPC_H_

#include <string>
#include <string_view>
#include <vector>

#include "sim/service.h"

namespace xcr::sim {

// Decodes one JSON-RPC request body and runs it on svc. The reply's body is application/json
// when http_status is 200, an HTML error page otherwise.
Service::RpcReply HandleJsonRpc(Service& svc, std::string_view body);

// A JSON-RPC failure answer to `body` (its id and version if it parses; v1 with id null
// otherwise), for a host that refuses every call (a pool member: HOST_IS_SLAVE).
std::string JsonRpcFailure(std::string_view body, const std::vector<std::string>& desc);

}  // namespace xcr::sim

#endif  // XCR_SIM_JSONRPC_H_
