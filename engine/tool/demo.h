// `xcr demo`: the whole product on the embedded default — two simulated pools (xapi-sim, in
// process, on 127.0.0.1) — with every claim checked. Returns the process exit status: 0 only if
// every check held.
#ifndef XCR_ENGINE_TOOL_DEMO_H_
#define XCR_ENGINE_TOOL_DEMO_H_

#include <string>
#include <vector>

namespace xcr::engine {

int RunDemo(const std::vector<std::string>& args);

}  // namespace xcr::engine

#endif  // XCR_ENGINE_TOOL_DEMO_H_
