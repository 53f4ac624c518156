// The offline seed subcommands of cr-seed (docs/cr-seed-offline.md):
//
//   cr-seed export --source URL --vm UUID|NAME --job ID --schedule ID [--job-name NAME] DIR
//   cr-seed import --target URL --sr UUID|NAME DIR
//   cr-seed import --check DIR
//
// plus the client flags of every xcr tool (--credentials FILE, --user, --fingerprint,
// --insecure; passwords never on the command line). Each function takes the arguments after the
// subcommand name and returns the process exit code: 0 success, 1 failure, 2 usage error.
// Progress (%, MB/s, ETA) is drawn on stderr when it is a terminal; Ctrl-C stops the transfer
// and cleans up. Not thread-safe (installs a SIGINT handler for its duration).
#ifndef XCR_SEED_TOOL_OFFLINE_CLI_H_
#define XCR_SEED_TOOL_OFFLINE_CLI_H_

#include <string>
#include <vector>

namespace xcr::seed {

int RunExportCommand(const std::vector<std::string>& args);
int RunImportCommand(const std::vector<std::string>& args);

}  // namespace xcr::seed

#endif  // XCR_SEED_TOOL_OFFLINE_CLI_H_
