// The offline seed subcommands of cr-seed: `cr-seed export ... DIR` and `cr-seed import ... DIR`.
// Each takes the arguments after the subcommand name and returns the process exit code.
#ifndef XCR_SEED_TOOL_OFFLINE_CLI_H_
#define XCR_SEED_TOOL_OFFLINE_CLI_H_

#include <string>
#include <vector>

namespace xcr::seed {

int RunExportCommand(const std::vector<std::string>& args);
int RunImportCommand(const std::vector<std::string>& args);

}  // namespace xcr::seed

#endif  // XCR_SEED_TOOL_OFFLINE_CLI_H_
