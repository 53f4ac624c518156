// `xcr demo` (the xcr-demo binary): the whole product on the embedded default — two simulated
// pools (sim/, in process, on 127.0.0.1) — with every claim checked. It lives in its own binary
// so that xcr, the production binary, never contains the simulator.
#ifndef XCR_DEMO_DEMO_H_
#define XCR_DEMO_DEMO_H_

#include <cstdint>
#include <string>

namespace xcr::demo {

struct DemoOptions {
  int vms = 2;              // --vms, 1..50
  uint64_t disk_mib = 256;  // --disk-size, 16..65536 MiB
  std::string state;        // --state: kept; empty: a temporary folder, removed at the end
  bool keep = false;        // --keep
};

// Runs the demo, printing each check. Returns the process exit status: 0 only if every check
// held, 1 otherwise.
int RunDemo(const DemoOptions& options);

}  // namespace xcr::demo

#endif  // XCR_DEMO_DEMO_H_
