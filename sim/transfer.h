// Transfers: XAPI's disk transfer endpoints, GET /export_raw_vdi and PUT /import_raw_vdi, with
// XAPI's HTTP behaviour:
//   - auth by session_id (query or cookie) or Basic credentials, else 401 with
//     WWW-Authenticate: Basic realm="VDI.export_raw" / "VDI.import";
//   - 400 without vdi, 404 for an unknown format or any Transfer-Encoding on import, 500 for a
//     bad ref/uuid (errors before the headers);
//   - 200 OK with Connection: close and task-id before any data moves; the export body has no
//     Content-Length and ends at close; the task (given by task_id or created) records the
//     outcome: an error after the 200 closes the socket and fails the task;
//   - format=vhd export: a dynamic VHD of all allocated blocks, or with base= a differencing VHD
//     of the blocks in layers not shared by both chains, whole, all bitmap bits set;
//     format=raw: the whole disk;
//   - format=vhd import: only sectors whose bitmap bits are set are written; format=raw:
//     Content-Length bytes from offset 0; a short body fails the task; an empty-body PUT (the
//     redirect probe of Xen Orchestra) is answered 200 without side effects.
// Fault knobs apply: a cut after N bytes, a throttle.
//
// Thread-safety: safe for concurrent transfers; each runs on its connection's thread and takes
// the service lock only for look-ups and to finish its task.
#ifndef XCR_SIM_TRANSFER_H_
#define XCR_SIM_TRANSFER_H_

#include "net/http_types.h"
#include "sim/service.h"
#include "sim/xapi_names.h"

namespace xcr::sim {

void ServeExport(Service& svc, const net::HttpRequest& req, net::HttpConnection& conn);
void ServeImport(Service& svc, const net::HttpRequest& req, net::HttpConnection& conn);

}  // namespace xcr::sim

#endif  // XCR_SIM_TRANSFER_H_
