// The offline seed subcommands of cr-seed (docs/cr-seed-offline.md):
//
//   cr-seed export --source URL --vm UUID|NAME --job ID --schedule ID [--job-name NAME] DIR
//   cr-seed import --target URL --sr UUID|NAME DIR
//   cr-seed import --check DIR
//
// plus the client flags of every xcr tool (--credentials FILE, --user, --fingerprint,
// --insecure; passwords never on the command line). OfflineCommands registers both on cr-seed's
// CLI11 app (cli/command_line.h); Run() returns the process exit code: 0 success, 1 failure,
// 2 usage error. Progress (%, MB/s, ETA) is drawn on stderr when it is a terminal; a set cancel
// flag (Ctrl-C, cli/signals.h) stops the transfer and cleans up.
// Thread-safety: none; used from main() only.
#ifndef XCR_SEED_TOOL_TOOL_OFFLINE_CLI_H_
#define XCR_SEED_TOOL_TOOL_OFFLINE_CLI_H_

#include <CLI/CLI.hpp>
#include <atomic>
#include <string>
#include <vector>

#include "cli/client_flags.h"
#include "xapi/credentials.h"

namespace xcr::seed {

class OfflineCommands {
 public:
  // Adds `export` and `import` to `app`; their client flags go to `client` (fallthrough).
  OfflineCommands(CLI::App* app, cli::ClientFlagValues* client);

  // Whether the words selected export or import.
  bool parsed() const;
  int Run(const xapi::ClientFlags& client, const std::atomic<bool>* cancel);

 private:
  int Export(const xapi::ClientFlags& client, const std::atomic<bool>* cancel);
  int Import(const xapi::ClientFlags& client, const std::atomic<bool>* cancel);

  CLI::App* export_ = nullptr;
  CLI::App* import_ = nullptr;
  std::string source_, vm_, job_, schedule_, job_name_, target_, sr_;
  std::vector<std::string> export_dir_, import_dir_;
  bool check_ = false;
};

}  // namespace xcr::seed

#endif  // XCR_SEED_TOOL_TOOL_OFFLINE_CLI_H_
