// How a tool reports a failure: "TOOL: MESSAGE" on stderr and, with --json, a JSON document on
// stdout too ({"ok": false, "error": MESSAGE, "code": STATUS-CODE-NAME, "exit": N}), so a script
// reading stdout always gets JSON, login and credentials errors included. Messages never hold a
// password: every URL in them went through RedactUrl.
#ifndef XCR_CLI_REPORT_H_
#define XCR_CLI_REPORT_H_

#include <string>

#include "base/status.h"

namespace xcr::cli {

// Prints the failure and returns `exit_code`.
int Fail(const std::string& tool, const Status& status, bool json, int exit_code = 1);

}  // namespace xcr::cli

#endif  // XCR_CLI_REPORT_H_
