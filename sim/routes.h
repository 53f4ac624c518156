// The HTTP handlers of a simulated host, found as XAPI finds them: by the longest registered
// prefix of the request path, per HTTP method (XAPI keeps its handlers in a prefix tree).
//
//   POST /                -> XML-RPC  (so /RPC2, /xmlrpc and any other POST path too)
//   POST /jsonrpc         -> JSON-RPC (and /jsonrpc/...)
//   GET  /export_raw_vdi  -> disk export (/export_raw_vdi/ as Xen Orchestra sends it, too)
//   PUT  /import_raw_vdi  -> disk import (/import_raw_vdi/ too)
//   anything else         -> none (404)
//
// Thread-safety: a pure function.
#ifndef XCR_SIM_ROUTES_H_
#define XCR_SIM_ROUTES_H_

#include <string_view>

namespace xcr::sim {

enum class Route { kNone, kXmlRpc, kJsonRpc, kExport, kImport };

Route MatchRoute(std::string_view method, std::string_view path);

}  // namespace xcr::sim

#endif  // XCR_SIM_ROUTES_H_
